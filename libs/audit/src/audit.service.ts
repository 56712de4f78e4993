import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuthContext } from '@govmatrix/auth';
import { canonicalJson } from './canonical-json';
import { AuditRecord, AuditRepository } from './audit.repository';

export interface AuditEntry {
  entityType: string;
  entityId: string;
  action: string;
  before?: unknown;
  after?: unknown;
}

export interface ChainVerification {
  ok: boolean;
  /** Entries checked (all of them when ok). */
  checked: number;
  /** The first entry whose link or content does not hold. */
  firstBroken?: { seq: number; reason: 'hash_mismatch' | 'broken_link' | 'sequence_gap' | 'truncated' | 'anchor_mismatch' };
}

/** An entry of the chain recorded earlier outside the database. */
export interface ChainAnchor {
  seq: number;
  hash: Buffer;
}

const GENESIS = Buffer.alloc(32);
const VERIFY_PAGE = 5000;

/** JSON as stored (jsonb): what is hashed must be exactly what reads back. */
const asStored = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)));

export function entryHash(prevHash: Buffer, record: Omit<AuditRecord, 'prevHash' | 'hash'>): Buffer {
  const body = canonicalJson({
    tenantId: record.tenantId,
    seq: Number(record.seq),
    occurredAt: new Date(record.occurredAt),
    actorKind: record.actorKind,
    actorId: record.actorId,
    entityType: record.entityType,
    entityId: record.entityId,
    action: record.action,
    before: record.before ?? null,
    after: record.after ?? null,
  });
  return createHash('sha256').update(prevHash).update(body).digest();
}

/**
 * The tamper-evident audit log: every change is written in the caller's transaction, numbered
 * per tenant and chained by SHA-256 over canonical JSON.
 */
@Injectable()
export class AuditService {
  constructor(private readonly repository: AuditRepository) {}

  /** Must run inside the transaction that makes the change. */
  async record(auth: AuthContext, tenantId: string, entry: AuditEntry): Promise<void> {
    const head = await this.repository.lockHead(tenantId);
    const base = {
      tenantId,
      seq: (head?.seq ?? 0) + 1,
      occurredAt: new Date(),
      actorKind: auth.kind,
      actorId: auth.subjectId,
      entityType: entry.entityType,
      entityId: entry.entityId,
      action: entry.action,
      before: asStored(entry.before),
      after: asStored(entry.after),
    };
    const prevHash = head?.hash ?? GENESIS;
    await this.repository.insert({ ...base, prevHash, hash: entryHash(prevHash, base) });
  }

  /** Walks the tenant's whole chain and reports the first entry that does not hold. */
  async verify(tenantId: string, anchor?: ChainAnchor): Promise<ChainVerification> {
    let expectedPrev: Buffer = GENESIS;
    let expectedSeq = 1;
    let checked = 0;
    for (;;) {
      const page = await this.repository.page(tenantId, expectedSeq - 1, VERIFY_PAGE);
      for (const record of page) {
        if (Number(record.seq) !== expectedSeq) return { ok: false, checked, firstBroken: { seq: expectedSeq, reason: 'sequence_gap' } };
        if (!record.prevHash.equals(expectedPrev)) return { ok: false, checked, firstBroken: { seq: expectedSeq, reason: 'broken_link' } };
        if (!entryHash(record.prevHash, record).equals(record.hash)) {
          return { ok: false, checked, firstBroken: { seq: expectedSeq, reason: 'hash_mismatch' } };
        }
        if (anchor && anchor.seq === expectedSeq && !anchor.hash.equals(record.hash)) {
          return { ok: false, checked, firstBroken: { seq: expectedSeq, reason: 'anchor_mismatch' } };
        }
        expectedPrev = record.hash;
        expectedSeq += 1;
        checked += 1;
      }
      if (page.length < VERIFY_PAGE) break;
    }
    // Entries removed from the end leave a whole chain; only a head recorded before shows them missing.
    if (anchor && checked < anchor.seq) return { ok: false, checked, firstBroken: { seq: checked + 1, reason: 'truncated' } };
    return { ok: true, checked };
  }

  /** The last entry, to be recorded outside the database and given back to `verify` as an anchor. */
  async head(tenantId: string): Promise<{ seq: number; hash: Buffer; occurredAt: Date | null }> {
    const head = await this.repository.head(tenantId);
    return head ?? { seq: 0, hash: GENESIS, occurredAt: null };
  }

  history(tenantId: string, entityIds: string[], limit: number, afterSeq?: number): Promise<AuditRecord[]> {
    return this.repository.forEntities(tenantId, entityIds, limit, afterSeq);
  }
}
