import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

export interface FindingRecord {
  id: string;
  accountId: string;
  kind: string;
  status: 'open' | 'closed';
  detail: string;
  evidence: Record<string, unknown>;
  openedAt: Date;
  closedAt: Date | null;
}

const COLUMNS = `id, account_id AS "accountId", kind, status, detail, evidence, opened_at AS "openedAt", closed_at AS "closedAt"`;

/** Findings open and close themselves as the data changes; at most one open finding per kind and account. */
@Injectable()
export class FindingsRepository {
  constructor(private readonly tx: TransactionHost) {}

  /** Opens the finding, or refreshes the evidence of the one already open. Returns true when newly opened. */
  async open(tenantId: string, accountId: string, unitId: string, kind: string, detail: string, evidence: object): Promise<boolean> {
    const [row]: { inserted: boolean }[] = await this.tx.manager.query(
      `INSERT INTO findings (tenant_id, account_id, unit_id, kind, detail, evidence) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, account_id, kind) WHERE status = 'open'
       DO UPDATE SET detail = EXCLUDED.detail, evidence = EXCLUDED.evidence
       RETURNING (xmax = 0) AS inserted`,
      [tenantId, accountId, unitId, kind, detail, JSON.stringify(evidence)],
    );
    return row.inserted;
  }

  /** Closes the open finding of that kind, if any. Returns true when one was closed. */
  async close(tenantId: string, accountId: string, kind: string): Promise<boolean> {
    const [, count] = await this.tx.manager.query(
      `UPDATE findings SET status = 'closed', closed_at = now() WHERE tenant_id = $1 AND account_id = $2 AND kind = $3 AND status = 'open'`,
      [tenantId, accountId, kind],
    );
    return Number(count) > 0;
  }

  async openOf(tenantId: string, accountIds: string[]): Promise<FindingRecord[]> {
    if (accountIds.length === 0) return [];
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM findings WHERE tenant_id = $1 AND account_id = ANY($2::uuid[]) AND status = 'open' ORDER BY opened_at`,
      [tenantId, accountIds],
    );
  }

  async namingContext(
    unitId: string,
  ): Promise<
    { unit_name: string; unit_short_name: string | null; region_name: string | null; region_short_name: string | null } | undefined
  > {
    const rows = await this.tx.manager.query(`SELECT * FROM unit_naming_context($1)`, [unitId]);
    return rows[0];
  }
}
