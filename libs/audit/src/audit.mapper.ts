import { AuditEntryDto, AuditHeadDto } from './audit.dto';
import { AuditRecord } from './audit.repository';

export const toAuditEntryDto = (r: AuditRecord): AuditEntryDto => ({
  seq: Number(r.seq),
  occurredAt: new Date(r.occurredAt).toISOString(),
  actorKind: r.actorKind,
  actorId: r.actorId,
  entityType: r.entityType,
  entityId: r.entityId,
  action: r.action,
  before: r.before,
  after: r.after,
  hash: r.hash.toString('hex'),
});

export const toAuditHeadDto = (h: { seq: number; hash: Buffer; occurredAt: Date | null }): AuditHeadDto => ({
  seq: h.seq,
  hash: h.hash.toString('hex'),
  occurredAt: h.occurredAt ? new Date(h.occurredAt).toISOString() : null,
});
