import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';
import { Measure } from './case-rules';

export interface NewNotice {
  unitId: string;
  accountId: string;
  caseId: string;
  stepSeq: number;
  kind: string;
  measure: Measure;
  dueOn: string;
  title: string;
  message: string;
}

export interface NoticeRecord extends NewNotice {
  id: string;
  accountName: string;
  unitName: string;
  createdAt: Date;
  readAt: Date | null;
  readBy: string | null;
}

const COLUMNS = `n.id, n.unit_id AS "unitId", u.name AS "unitName", n.account_id AS "accountId", a.name AS "accountName", n.case_id AS "caseId",
  n.step_seq AS "stepSeq", n.kind, n.measure, to_char(n.due_on, 'YYYY-MM-DD') AS "dueOn", n.title, n.message, n.created_at AS "createdAt",
  n.read_at AS "readAt", n.read_by AS "readBy"`;
const FROM = `notices n JOIN units u ON u.tenant_id = n.tenant_id AND u.id = n.unit_id
  JOIN accounts a ON a.tenant_id = n.tenant_id AND a.id = n.account_id`;
/** $1 tenant, $2 subtree path. */
const IN_SUBTREE = `n.tenant_id = $1 AND u.path <@ $2::ltree`;

@Injectable()
export class NoticesRepository {
  constructor(private readonly tx: TransactionHost) {}

  /** One notice per step, in one statement. */
  async insert(tenantId: string, notices: NewNotice[]): Promise<void> {
    if (notices.length === 0) return;
    await this.tx.manager.query(
      `INSERT INTO notices (tenant_id, unit_id, account_id, case_id, step_seq, kind, measure, due_on, title, message)
       SELECT $1, n."unitId", n."accountId", n."caseId", n."stepSeq", n.kind, n.measure, n."dueOn", n.title, n.message
       FROM jsonb_to_recordset($2::jsonb) AS n("unitId" uuid, "accountId" uuid, "caseId" uuid, "stepSeq" int, kind text, measure text,
         "dueOn" date, title text, message text)`,
      [tenantId, JSON.stringify(notices)],
    );
  }

  async list(
    tenantId: string,
    subtreePath: string,
    filter: { unread?: boolean; caseId?: string; accountId?: string },
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<NoticeRecord[]> {
    const sql = new SqlParts([tenantId, subtreePath], [IN_SUBTREE])
      .and('(n.read_at IS NULL) = ?', filter.unread)
      .and('n.case_id = ?', filter.caseId)
      .and('n.account_id = ?', filter.accountId);
    if (after) sql.and(`(n.created_at, n.id) < (?::timestamptz, ${sql.param(after.id)}::uuid)`, after.createdAt);
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE ${sql.where} ORDER BY n.created_at DESC, n.id DESC LIMIT ${sql.param(limit)}`,
      sql.params,
    );
  }

  async findInScope(tenantId: string, scopePath: string, id: string): Promise<NoticeRecord | undefined> {
    const rows: NoticeRecord[] = await this.tx.manager.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${IN_SUBTREE} AND n.id = $3`, [
      tenantId,
      scopePath,
      id,
    ]);
    return rows[0];
  }

  async byIds(tenantId: string, scopePath: string, ids: string[]): Promise<NoticeRecord[]> {
    if (ids.length === 0) return [];
    return this.tx.manager.query(`SELECT ${COLUMNS} FROM ${FROM} WHERE ${IN_SUBTREE} AND n.id = ANY($3::uuid[])`, [
      tenantId,
      scopePath,
      ids,
    ]);
  }

  /** The first reading counts; reading again changes nothing. */
  async markRead(tenantId: string, id: string, readBy: string): Promise<void> {
    await this.tx.manager.query(`UPDATE notices SET read_at = now(), read_by = $3 WHERE tenant_id = $1 AND id = $2 AND read_at IS NULL`, [
      tenantId,
      id,
      readBy,
    ]);
  }
}
