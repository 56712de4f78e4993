import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

export interface AuditRecord {
  tenantId: string;
  seq: number;
  occurredAt: Date;
  actorKind: string;
  actorId: string | null;
  entityType: string;
  entityId: string;
  action: string;
  before: unknown;
  after: unknown;
  prevHash: Buffer;
  hash: Buffer;
}

const COLUMNS = `tenant_id AS "tenantId", seq::int AS seq, occurred_at AS "occurredAt", actor_kind AS "actorKind", actor_id AS "actorId",
  entity_type AS "entityType", entity_id AS "entityId", action, before, after, prev_hash AS "prevHash", hash`;

@Injectable()
export class AuditRepository {
  constructor(private readonly tx: TransactionHost) {}

  /**
   * The chain's head, with the tenant's chain locked until the transaction ends: entries are
   * numbered and linked one at a time per tenant.
   */
  async lockHead(tenantId: string): Promise<{ seq: number; hash: Buffer } | undefined> {
    await this.tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('audit:' || $1, 0))`, [tenantId]);
    const rows: { seq: number; hash: Buffer }[] = await this.tx.manager.query(
      `SELECT seq::int AS seq, hash FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`,
      [tenantId],
    );
    return rows[0];
  }

  async head(tenantId: string): Promise<{ seq: number; hash: Buffer; occurredAt: Date } | undefined> {
    const rows: { seq: number; hash: Buffer; occurredAt: Date }[] = await this.tx.manager.query(
      `SELECT seq::int AS seq, hash, occurred_at AS "occurredAt" FROM audit_log WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1`,
      [tenantId],
    );
    return rows[0];
  }

  async insert(record: AuditRecord): Promise<void> {
    await this.tx.manager.query(
      `INSERT INTO audit_log (tenant_id, seq, occurred_at, actor_kind, actor_id, entity_type, entity_id, action, before, after, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        record.tenantId,
        record.seq,
        record.occurredAt,
        record.actorKind,
        record.actorId,
        record.entityType,
        record.entityId,
        record.action,
        record.before === undefined ? null : JSON.stringify(record.before),
        record.after === undefined ? null : JSON.stringify(record.after),
        record.prevHash,
        record.hash,
      ],
    );
  }

  async page(tenantId: string, afterSeq: number, limit: number): Promise<AuditRecord[]> {
    return this.tx.manager.query(`SELECT ${COLUMNS} FROM audit_log WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [
      tenantId,
      afterSeq,
      limit,
    ]);
  }

  async forEntities(tenantId: string, entityIds: string[], limit: number, afterSeq = 0): Promise<AuditRecord[]> {
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM audit_log WHERE tenant_id = $1 AND entity_id = ANY($2::uuid[]) AND seq > $3 ORDER BY seq LIMIT $4`,
      [tenantId, entityIds, afterSeq, limit],
    );
  }
}
