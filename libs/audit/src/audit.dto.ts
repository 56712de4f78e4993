import { ApiProperty } from '@nestjs/swagger';

export class BrokenLinkDto {
  seq: number;
  @ApiProperty({ enum: ['hash_mismatch', 'broken_link', 'sequence_gap'] })
  reason: 'hash_mismatch' | 'broken_link' | 'sequence_gap';
}

export class ChainVerificationDto {
  ok: boolean;
  checked: number;
  firstBroken?: BrokenLinkDto;
}

export class AuditEntryDto {
  seq: number;
  occurredAt: string;
  actorKind: string;
  actorId: string | null;
  entityType: string;
  entityId: string;
  action: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  before: unknown;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  after: unknown;
  /** SHA-256 of this entry, hex. */
  hash: string;
}

export class AuditEntryPageDto {
  items: AuditEntryDto[];
  nextCursor?: string;
}
