import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { RepostTaskStatus } from './repost-tasks.dto';

export interface RepostTaskRecord {
  id: string;
  unitId: string;
  unitName: string;
  scopePath: string;
  accountId: string;
  accountName: string | null;
  postId: string;
  title: string | null;
  issuedOn: string;
  deadline: string;
  createdAt: Date;
  cancelledAt: Date | null;
  cancelReason: string | null;
  assigned: number;
  completed: number;
}

export interface CompletionRecord {
  accountId: string;
  accountName: string;
  platform: string;
  unitId: string;
  unitName: string;
  completedOn: string | null;
}

const TODAY = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;

/**
 * The accounts a task assigns, within the caller's subtree ($2): every account of the task's subtree
 * open by the deadline and not closed before the task was issued, the designating account excepted.
 */
const ASSIGNED = `accounts a JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
  WHERE a.tenant_id = $1 AND u.path <@ $2::ltree AND u.path <@ t.scope_path AND a.id <> t.account_id
    AND a.opened_on <= t.deadline AND (a.closed_on IS NULL OR a.closed_on >= t.issued_on)`;

/** A reported repost of the task's post by the account, by the deadline. */
const REPOSTED = `SELECT min(i.day) FROM interactions i
  WHERE i.tenant_id = $1 AND i.target_account_id = t.account_id AND i.source_account_id = a.id AND i.kind = 'repost'
    AND i.target_post_id = t.post_id AND i.day <= t.deadline`;

const COLUMNS = `t.id, t.unit_id AS "unitId", t.unit_name AS "unitName", t.scope_path::text AS "scopePath", t.account_id AS "accountId",
  t.account_name AS "accountName", t.post_id AS "postId", t.title, to_char(t.issued_on, 'YYYY-MM-DD') AS "issuedOn",
  to_char(t.deadline, 'YYYY-MM-DD') AS deadline, t.created_at AS "createdAt", t.cancelled_at AS "cancelledAt",
  t.cancel_reason AS "cancelReason", c.assigned, c.completed`;
const COUNTS = `LEFT JOIN LATERAL (
    SELECT count(*)::int AS assigned, count(*) FILTER (WHERE (${REPOSTED}) IS NOT NULL)::int AS completed FROM ${ASSIGNED}
  ) c ON true`;
/** A task the caller may read: for its subtree or a subtree containing it. */
const VISIBLE = `t.tenant_id = $1 AND (t.scope_path <@ $2::ltree OR t.scope_path @> $2::ltree)`;

const STATUS: Record<RepostTaskStatus, string> = {
  open: `t.cancelled_at IS NULL AND t.deadline >= ${TODAY}`,
  due: `t.cancelled_at IS NULL AND t.deadline < ${TODAY}`,
  cancelled: `t.cancelled_at IS NOT NULL`,
};

@Injectable()
export class RepostTasksRepository {
  constructor(private readonly tx: TransactionHost) {}

  async insert(
    tenantId: string,
    task: {
      unitId: string;
      accountId: string;
      accountName: string | null;
      postId: string;
      title: string | null;
      deadline: string;
      createdByKind: string;
      createdBy: string;
    },
  ): Promise<string> {
    const [{ id }]: { id: string }[] = await this.tx.manager.query(
      `INSERT INTO repost_tasks (tenant_id, unit_id, unit_name, scope_path, account_id, account_name, post_id, title, issued_on, deadline,
         created_by_kind, created_by)
       SELECT $1, u.id, u.name, u.path, $3, $4, $5, $6, ${TODAY}, $7, $8, $9 FROM units u WHERE u.tenant_id = $1 AND u.id = $2
       RETURNING id`,
      [tenantId, task.unitId, task.accountId, task.accountName, task.postId, task.title, task.deadline, task.createdByKind, task.createdBy],
    );
    return id;
  }

  async get(tenantId: string, scopePath: string, id: string): Promise<RepostTaskRecord | undefined> {
    const rows: RepostTaskRecord[] = await this.tx.manager.query(
      `SELECT ${COLUMNS} FROM repost_tasks t ${COUNTS} WHERE ${VISIBLE} AND t.id = $3`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  /** Newest first; the counts cover the caller's subtree. */
  async list(
    tenantId: string,
    scopePath: string,
    status: RepostTaskStatus | undefined,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<RepostTaskRecord[]> {
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM repost_tasks t ${COUNTS}
       WHERE ${VISIBLE} AND ${status ? STATUS[status] : 'true'}
         AND ($3::timestamptz IS NULL OR (t.created_at, t.id) < ($3::timestamptz, $4::uuid))
       ORDER BY t.created_at DESC, t.id DESC LIMIT $5`,
      [tenantId, scopePath, after?.createdAt ?? null, after?.id ?? null, limit],
    );
  }

  /** Each assigned account of the caller's subtree, by id, with the day its repost was first reported. */
  async completion(
    tenantId: string,
    scopePath: string,
    taskId: string,
    completed: boolean | undefined,
    limit: number,
    afterAccountId?: string,
  ): Promise<CompletionRecord[]> {
    return this.tx.manager.query(
      `SELECT a.id AS "accountId", a.name AS "accountName", a.platform, a.unit_id AS "unitId", u.name AS "unitName",
              to_char(d.completed_on, 'YYYY-MM-DD') AS "completedOn"
       FROM repost_tasks t
       JOIN accounts a ON a.tenant_id = t.tenant_id AND a.id <> t.account_id AND a.opened_on <= t.deadline
        AND (a.closed_on IS NULL OR a.closed_on >= t.issued_on)
       JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id AND u.path <@ $2::ltree AND u.path <@ t.scope_path
       LEFT JOIN LATERAL (${REPOSTED.replace('SELECT min(i.day)', 'SELECT min(i.day) AS completed_on')}) d ON true
       WHERE t.tenant_id = $1 AND t.id = $3 AND ($4::boolean IS NULL OR (d.completed_on IS NOT NULL) = $4)
         AND ($5::uuid IS NULL OR a.id > $5::uuid)
       ORDER BY a.id LIMIT $6`,
      [tenantId, scopePath, taskId, completed ?? null, afterAccountId ?? null, limit],
    );
  }

  async cancel(tenantId: string, id: string, by: string, reason: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE repost_tasks SET cancelled_at = now(), cancelled_by = $3, cancel_reason = $4 WHERE tenant_id = $1 AND id = $2`,
      [tenantId, id, by, reason],
    );
  }

  /** The designated account: whether it is the tenant's, and its name when the caller may read it. */
  async designatedAccount(tenantId: string, scopePath: string, id: string): Promise<{ exists: boolean; name: string | null }> {
    const [{ exists }]: { exists: boolean }[] = await this.tx.manager.query(
      `SELECT EXISTS (SELECT 1 FROM tenant_accounts_existing(ARRAY[$1::uuid])) AS exists`,
      [id],
    );
    const rows: { name: string }[] = await this.tx.manager.query(
      `SELECT a.name FROM accounts a JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
       WHERE a.tenant_id = $1 AND u.path <@ $2::ltree AND a.id = $3`,
      [tenantId, scopePath, id],
    );
    return { exists, name: rows[0]?.name ?? null };
  }

  async unitInScope(tenantId: string, scopePath: string, id: string): Promise<{ id: string; path: string } | undefined> {
    const rows: { id: string; path: string }[] = await this.tx.manager.query(
      `SELECT id, path::text AS path FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND id = $3`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }
}
