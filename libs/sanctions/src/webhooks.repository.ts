import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';

export interface WebhookEndpointRecord {
  id: string;
  unitId: string;
  unitName: string;
  url: string;
  description: string | null;
  active: boolean;
  createdAt: Date;
  deactivatedAt: Date | null;
}

export interface WebhookDeliveryRecord {
  id: string;
  noticeId: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** A delivery claimed for one attempt, with what it takes to make it. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  payload: string;
  url: string;
  secret: string;
}

export interface NewDelivery {
  id: string;
  endpointId: string;
  noticeId: string;
  unitId: string;
  payload: string;
}

const ENDPOINT_COLUMNS = `e.id, e.unit_id AS "unitId", u.name AS "unitName", e.url, e.description, e.active, e.created_at AS "createdAt",
  e.deactivated_at AS "deactivatedAt"`;
const ENDPOINTS = `webhook_endpoints e JOIN units u ON u.tenant_id = e.tenant_id AND u.id = e.unit_id`;

const DELIVERY_COLUMNS = `d.id, d.notice_id AS "noticeId", d.status, d.attempts, d.next_attempt_at AS "nextAttemptAt",
  d.last_attempt_at AS "lastAttemptAt", d.last_status AS "lastStatus", d.last_error AS "lastError", d.delivered_at AS "deliveredAt",
  d.created_at AS "createdAt"`;

@Injectable()
export class WebhooksRepository {
  constructor(private readonly tx: TransactionHost) {}

  async insertEndpoint(
    tenantId: string,
    endpoint: { unitId: string; url: string; secret: string; description: string | null; createdBy: string },
  ): Promise<string> {
    const [row]: { id: string }[] = await this.tx.manager.query(
      `INSERT INTO webhook_endpoints (tenant_id, unit_id, url, secret, description, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [tenantId, endpoint.unitId, endpoint.url, endpoint.secret, endpoint.description, endpoint.createdBy],
    );
    return row.id;
  }

  async listEndpoints(tenantId: string, scopePath: string): Promise<WebhookEndpointRecord[]> {
    return this.tx.manager.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM ${ENDPOINTS} WHERE e.tenant_id = $1 AND u.path <@ $2::ltree ORDER BY e.created_at, e.id`,
      [tenantId, scopePath],
    );
  }

  async findEndpoint(tenantId: string, scopePath: string, id: string, forUpdate = false): Promise<WebhookEndpointRecord | undefined> {
    const rows: WebhookEndpointRecord[] = await this.tx.manager.query(
      `SELECT ${ENDPOINT_COLUMNS} FROM ${ENDPOINTS} WHERE e.tenant_id = $1 AND u.path <@ $2::ltree AND e.id = $3 ${forUpdate ? 'FOR UPDATE OF e' : ''}`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  async deactivateEndpoint(tenantId: string, id: string): Promise<void> {
    await this.tx.manager.query(
      `UPDATE webhook_endpoints SET active = false, deactivated_at = now() WHERE tenant_id = $1 AND id = $2 AND active`,
      [tenantId, id],
    );
  }

  /** The unit at the root of a scope. */
  async unitAt(tenantId: string, path: string): Promise<string | undefined> {
    const rows: { id: string }[] = await this.tx.manager.query(`SELECT id FROM units WHERE tenant_id = $1 AND path = $2::ltree`, [
      tenantId,
      path,
    ]);
    return rows[0]?.id;
  }

  async deliveries(
    tenantId: string,
    scopePath: string,
    endpointId: string,
    limit: number,
    after?: { createdAt: string; id: string },
  ): Promise<WebhookDeliveryRecord[]> {
    const sql = new SqlParts([tenantId, scopePath, endpointId], ['d.tenant_id = $1', 'u.path <@ $2::ltree', 'd.endpoint_id = $3']);
    if (after) sql.and(`(d.created_at, d.id) < (?::timestamptz, ${sql.param(after.id)}::uuid)`, after.createdAt);
    return this.tx.manager.query(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries d JOIN units u ON u.tenant_id = d.tenant_id AND u.id = d.unit_id
       WHERE ${sql.where} ORDER BY d.created_at DESC, d.id DESC LIMIT ${sql.param(limit)}`,
      sql.params,
    );
  }

  /** Every active tenant's id and root path (the delivery worker goes through them one by one). */
  async tenantScopes(): Promise<{ tenantId: string; rootPath: string }[]> {
    return this.tx.manager.query(`SELECT tenant_id AS "tenantId", root_path::text AS "rootPath" FROM tenant_root_scopes()`);
  }

  /**
   * Notices not yet handed to the endpoints, locked (SKIP LOCKED: another worker takes the next
   * ones), each with the active endpoints whose subtree holds the notice's unit and that existed
   * when the notice was made.
   */
  async noticesToFanOut(
    tenantId: string,
    rootPath: string,
    limit: number,
  ): Promise<{ noticeId: string; unitId: string; endpointIds: string[] }[]> {
    return this.tx.manager.query(
      `WITH pending AS (
         SELECT n.id, n.unit_id, n.created_at, u.path
         FROM notices n JOIN units u ON u.tenant_id = n.tenant_id AND u.id = n.unit_id
         WHERE n.tenant_id = $1 AND u.path <@ $2::ltree AND NOT n.webhooks_enqueued
         ORDER BY n.created_at LIMIT $3
         FOR UPDATE OF n SKIP LOCKED)
       SELECT p.id AS "noticeId", p.unit_id AS "unitId",
         ARRAY(SELECT e.id FROM webhook_endpoints e JOIN units eu ON eu.tenant_id = e.tenant_id AND eu.id = e.unit_id
               WHERE e.tenant_id = $1 AND e.active AND e.created_at <= p.created_at AND eu.path @> p.path ORDER BY e.id) AS "endpointIds"
       FROM pending p ORDER BY p.created_at, p.id`,
      [tenantId, rootPath, limit],
    );
  }

  /** New deliveries, due at `dueAt`. */
  async insertDeliveries(tenantId: string, deliveries: NewDelivery[], dueAt: Date): Promise<void> {
    if (deliveries.length === 0) return;
    await this.tx.manager.query(
      `INSERT INTO webhook_deliveries (tenant_id, id, endpoint_id, notice_id, unit_id, payload, next_attempt_at)
       SELECT $1, d.id, d."endpointId", d."noticeId", d."unitId", d.payload, $3::timestamptz
       FROM jsonb_to_recordset($2::jsonb) AS d(id uuid, "endpointId" uuid, "noticeId" uuid, "unitId" uuid, payload text)
       ON CONFLICT (tenant_id, endpoint_id, notice_id) DO NOTHING`,
      [tenantId, JSON.stringify(deliveries), dueAt],
    );
  }

  async markFannedOut(tenantId: string, noticeIds: string[]): Promise<void> {
    if (noticeIds.length === 0) return;
    await this.tx.manager.query(`UPDATE notices SET webhooks_enqueued = true WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
      tenantId,
      noticeIds,
    ]);
  }

  /**
   * Claims due deliveries for one attempt each: locked with SKIP LOCKED (another worker takes
   * others), counted, and leased — pushed `leaseSeconds` ahead so that no one else tries them
   * while the attempt runs outside the transaction, yet they come back if this worker dies.
   */
  async claimDue(tenantId: string, rootPath: string, now: Date, leaseSeconds: number, limit: number): Promise<ClaimedDelivery[]> {
    const [rows]: [ClaimedDelivery[], number] = await this.tx.manager.query(
      `WITH due AS (
         SELECT x.tenant_id, x.id
         FROM webhook_deliveries x
         JOIN units u ON u.tenant_id = x.tenant_id AND u.id = x.unit_id
         JOIN webhook_endpoints xe ON xe.tenant_id = x.tenant_id AND xe.id = x.endpoint_id AND xe.active
         WHERE x.tenant_id = $1 AND u.path <@ $2::ltree AND x.status = 'pending' AND x.next_attempt_at <= $3::timestamptz
         ORDER BY x.next_attempt_at, x.id LIMIT $5
         FOR UPDATE OF x SKIP LOCKED)
       UPDATE webhook_deliveries d
       SET attempts = d.attempts + 1, last_attempt_at = now(), next_attempt_at = $3::timestamptz + make_interval(secs => $4::double precision)
       FROM due, webhook_endpoints e
       WHERE d.tenant_id = due.tenant_id AND d.id = due.id AND e.tenant_id = d.tenant_id AND e.id = d.endpoint_id
       RETURNING d.id, d.attempts, d.payload, e.url, e.secret`,
      [tenantId, rootPath, now, leaseSeconds, limit],
    );
    return rows;
  }

  /** The attempt's outcome; ignored if the lease ran out and another worker claimed the delivery since. */
  async recordAttempt(
    tenantId: string,
    claim: { id: string; attempts: number },
    outcome: { status: 'pending' | 'delivered' | 'failed'; httpStatus: number | null; error: string | null; nextAttemptAt: Date },
  ): Promise<void> {
    await this.tx.manager.query(
      `UPDATE webhook_deliveries
       SET status = $4, last_status = $5, last_error = $6, next_attempt_at = $7,
           delivered_at = CASE WHEN $4 = 'delivered' THEN now() END
       WHERE tenant_id = $1 AND id = $2 AND attempts = $3 AND status = 'pending'`,
      [tenantId, claim.id, claim.attempts, outcome.status, outcome.httpStatus, outcome.error, outcome.nextAttemptAt],
    );
  }
}
