import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min, ValidateIf } from 'class-validator';

export class BrokenLinkDto {
  seq: number;
  /** `truncated`: the chain ends before the anchor; `anchor_mismatch`: the anchored entry's hash differs. */
  @ApiProperty({ enum: ['hash_mismatch', 'broken_link', 'sequence_gap', 'truncated', 'anchor_mismatch'] })
  reason: 'hash_mismatch' | 'broken_link' | 'sequence_gap' | 'truncated' | 'anchor_mismatch';
}

/**
 * A head recorded earlier (from `GET /v1/audit/head`, kept outside the database): the chain must still
 * reach it with the same hash, so entries cut off the end are found too.
 */
export class AuditAnchorQueryDto {
  @ValidateIf((q: AuditAnchorQueryDto) => q.anchorHash !== undefined || q.anchorSeq !== undefined)
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  anchorSeq?: number;

  /** SHA-256 of the anchored entry, hex. */
  @ValidateIf((q: AuditAnchorQueryDto) => q.anchorHash !== undefined || q.anchorSeq !== undefined)
  @Matches(/^[0-9a-f]{64}$/, { message: 'anchorHash must be 64 lowercase hex digits' })
  anchorHash?: string;
}

export class AuditHeadDto {
  /** Entries in the tenant's chain; 0 when it is empty. */
  seq: number;
  /** SHA-256 of the last entry, hex (64 zeros for an empty chain). */
  hash: string;
  occurredAt: string | null;
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
