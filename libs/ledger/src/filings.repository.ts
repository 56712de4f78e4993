import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';

export const FILING_KINDS = ['opening', 'change', 'closure'] as const;
export type FilingKind = (typeof FILING_KINDS)[number];
export const FILING_STATUSES = ['submitted', 'accepted', 'returned'] as const;
export type FilingStatus = (typeof FILING_STATUSES)[number];

export interface FilingRecord {
  id: string;
  accountId: string;
  accountName: string;
  unitId: string;
  kind: FilingKind;
  status: FilingStatus;
  details: Record<string, unknown>;
  resubmissionOf: string | null;
  submittedByKind: string;
  submittedBy: string;
  submittedAt: Date;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  returnReasons: string[] | null;
}

const COLUMNS = `f.id, f.account_id AS "accountId", a.name AS "accountName", f.unit_id AS "unitId", f.kind, f.status, f.details,
  f.resubmission_of AS "resubmissionOf", f.submitted_by_kind AS "submittedByKind", f.submitted_by AS "submittedBy",
  f.submitted_at AS "submittedAt", f.reviewed_by AS "reviewedBy", f.reviewed_at AS "reviewedAt", f.return_reasons AS "returnReasons"`;

const FROM = `filings f JOIN accounts a ON a.tenant_id = f.tenant_id AND a.id = f.account_id
  JOIN units u ON u.tenant_id = f.tenant_id AND u.id = f.unit_id`;
/** $1 tenant, $2 subtree path. */
const IN_SUBTREE = `f.tenant_id = $1 AND u.path <@ $2::ltree`;

@Injectable()
export class FilingsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async insert(
    tenantId: string,
    filing: {
      accountId: string;
      unitId: string;
      kind: FilingKind;
      details: object;
      resubmissionOf?: string;
      submittedByKind: string;
      submittedBy: string;
    },
  ): Promise<string> {
    const [row]: { id: string }[] = await this.tx.manager.query(
      `INSERT INTO filings (tenant_id, account_id, unit_id, kind, details, resubmission_of, submitted_by_kind, submitted_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        tenantId,
        filing.accountId,
        filing.unitId,
        filing.kind,
        JSON.stringify(filing.details),
        filing.resubmissionOf ?? null,
        filing.submittedByKind,
        filing.submittedBy,
      ],
    );
    return row.id;
  }

  async findInScope(tenantId: string, scopePath: string, id: string, forUpdate = false): Promise<FilingRecord | undefined> {
    const rows: FilingRecord[] = await this.tx.manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE ${IN_SUBTREE} AND f.id = $3 ${forUpdate ? 'FOR UPDATE OF f' : ''}`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  async pendingOf(tenantId: string, accountId: string, kind: FilingKind): Promise<string | undefined> {
    const rows: { id: string }[] = await this.tx.manager.query(
      `SELECT id FROM filings WHERE tenant_id = $1 AND account_id = $2 AND kind = $3 AND status = 'submitted'`,
      [tenantId, accountId, kind],
    );
    return rows[0]?.id;
  }

  async list(
    tenantId: string,
    scopePath: string,
    filter: { status?: FilingStatus; kind?: FilingKind; accountId?: string },
    limit: number,
    after?: { submittedAt: string; id: string },
  ): Promise<FilingRecord[]> {
    const sql = new SqlParts([tenantId, scopePath], [IN_SUBTREE])
      .and('f.status = ?', filter.status)
      .and('f.kind = ?', filter.kind)
      .and('f.account_id = ?', filter.accountId);
    if (after) sql.and(`(f.submitted_at, f.id) > (?::timestamptz, ${sql.param(after.id)}::uuid)`, after.submittedAt);
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE ${sql.where} ORDER BY f.submitted_at, f.id LIMIT ${sql.param(limit)}`,
      sql.params,
    );
  }

  async review(tenantId: string, id: string, status: 'accepted' | 'returned', reviewerId: string, reasons: string[] | null): Promise<void> {
    await this.tx.manager.query(
      `UPDATE filings SET status = $3, reviewed_by = $4, reviewed_at = now(), return_reasons = $5 WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, status, reviewerId, reasons],
    );
  }

  async idsOfAccount(tenantId: string, accountId: string): Promise<string[]> {
    const rows: { id: string }[] = await this.tx.manager.query(`SELECT id FROM filings WHERE tenant_id = $1 AND account_id = $2`, [
      tenantId,
      accountId,
    ]);
    return rows.map((r) => r.id);
  }
}
