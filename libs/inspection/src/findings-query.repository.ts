import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';

export interface FindingRow {
  id: string;
  accountId: string;
  accountName: string;
  unitId: string;
  unitName: string;
  kind: string;
  status: 'open' | 'closed';
  detail: string;
  evidence: Record<string, unknown>;
  source: 'inspection' | 'auditor';
  checkedOn: string | null;
  openedAt: Date;
  closedAt: Date | null;
}

const COLUMNS = `f.id, f.account_id AS "accountId", a.name AS "accountName", f.unit_id AS "unitId", u.name AS "unitName", f.kind, f.status,
  f.detail, f.evidence, f.source, to_char(f.checked_on, 'YYYY-MM-DD') AS "checkedOn", f.opened_at AS "openedAt", f.closed_at AS "closedAt"`;
const FROM = `findings f JOIN accounts a ON a.tenant_id = f.tenant_id AND a.id = f.account_id JOIN units u ON u.tenant_id = f.tenant_id AND u.id = f.unit_id`;

/** Findings as auditors and units read them; auditor-entered findings. */
@Injectable()
export class FindingsQueryRepository {
  constructor(private readonly tx: TransactionHost) {}

  async list(
    tenantId: string,
    subtreePath: string,
    filter: { accountId?: string; kind?: string; status?: string },
    limit: number,
    after?: { openedAt: string; id: string },
  ): Promise<FindingRow[]> {
    const sql = new SqlParts([tenantId, subtreePath], ['f.tenant_id = $1', 'u.path <@ $2::ltree'])
      .and('f.account_id = ?', filter.accountId)
      .and('f.kind = ?', filter.kind)
      .and('f.status = ?', filter.status);
    if (after) sql.and(`(f.opened_at, f.id) < (?::timestamptz, ${sql.param(after.id)}::uuid)`, after.openedAt);
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE ${sql.where} ORDER BY f.opened_at DESC, f.id DESC LIMIT ${sql.param(limit)}`,
      sql.params,
    );
  }

  async find(tenantId: string, scopePath: string, id: string): Promise<FindingRow | undefined> {
    const rows: FindingRow[] = await this.tx.manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE f.tenant_id = $1 AND u.path <@ $2::ltree AND f.id = $3`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  async insertAuditorFinding(
    tenantId: string,
    finding: { accountId: string; unitId: string; kind: string; detail: string; evidence: object; enteredBy: string },
  ): Promise<string> {
    const [row]: { id: string }[] = await this.tx.manager.query(
      `INSERT INTO findings (tenant_id, account_id, unit_id, kind, detail, evidence, source, entered_by)
       VALUES ($1, $2, $3, $4, $5, $6, 'auditor', $7) RETURNING id`,
      [tenantId, finding.accountId, finding.unitId, finding.kind, finding.detail, JSON.stringify(finding.evidence), finding.enteredBy],
    );
    return row.id;
  }

  async close(tenantId: string, id: string, note: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE findings SET status = 'closed', closed_at = now(), evidence = evidence || jsonb_build_object('closingNote', $3::text)
       WHERE tenant_id = $1 AND id = $2 AND status = 'open'`,
      [tenantId, id, note],
    );
  }

  /** A reproducible sample: live accounts ordered by md5(seed ‖ id), the first ⌈share × n⌉. */
  async spotCheck(
    tenantId: string,
    subtreePath: string,
    seed: string,
    share: number,
  ): Promise<{ population: number; items: { id: string; name: string; platform: string; unitId: string; unitName: string }[] }> {
    const rows: { id: string; name: string; platform: string; unitId: string; unitName: string; population: number }[] =
      await this.tx.manager.query(
        `WITH live AS (
         SELECT a.id, a.name, a.platform, a.unit_id AS "unitId", u.name AS "unitName"
         FROM accounts a JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
         WHERE a.tenant_id = $1 AND u.path <@ $2::ltree AND a.status IN ('active', 'rectifying'))
       SELECT l.*, (SELECT count(*) FROM live)::int AS population FROM live l
       ORDER BY md5($3 || ':' || l.id::text)
       LIMIT (SELECT ceil(count(*) * $4::numeric) FROM live)`,
        [tenantId, subtreePath, seed, share],
      );
    const population = rows[0]?.population ?? 0;
    return { population, items: rows.map(({ population: _population, ...item }) => item) };
  }
}
