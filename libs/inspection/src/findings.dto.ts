import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsNumber, IsObject, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { Omittable, PageQueryDto } from '@govmatrix/common';

/** Findings an auditor enters by hand (single-veto items of the 2019 indicators). */
export const AUDITOR_FINDING_KINDS = ['content_error', 'secrecy_incident', 'faked_influence', 'other'] as const;
export const FINDING_KINDS = [
  'filing_overdue',
  'inactive_14d',
  'low_activity',
  'unanswered_messages',
  'naming',
  'no_interaction_function',
  ...AUDITOR_FINDING_KINDS,
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export class CreateFindingDto {
  @IsUUID()
  accountId: string;

  @ApiProperty({ enum: AUDITOR_FINDING_KINDS })
  @IsIn(AUDITOR_FINDING_KINDS)
  kind: (typeof AUDITOR_FINDING_KINDS)[number];

  @IsString()
  @Length(1, 2000)
  detail: string;

  /** Screenshots' URLs, post ids, notes. */
  @Omittable()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  evidence?: Record<string, unknown>;
}

export class CloseFindingDto {
  @IsString()
  @Length(1, 2000)
  note: string;
}

export class ListFindingsQueryDto extends PageQueryDto {
  @Omittable()
  @IsUUID()
  under?: string;

  @Omittable()
  @IsUUID()
  accountId?: string;

  @Omittable()
  @ApiProperty({ enum: FINDING_KINDS, required: false })
  @IsIn(FINDING_KINDS)
  kind?: FindingKind;

  @Omittable()
  @ApiProperty({ enum: ['open', 'closed'], required: false })
  @IsIn(['open', 'closed'])
  status?: 'open' | 'closed';
}

export class FindingDto {
  id: string;
  accountId: string;
  accountName: string;
  unitId: string;
  unitName: string;
  kind: string;
  @ApiProperty({ enum: ['open', 'closed'] })
  status: 'open' | 'closed';
  detail: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  evidence: Record<string, unknown>;
  @ApiProperty({ enum: ['inspection', 'auditor'] })
  source: 'inspection' | 'auditor';
  /** The check date that last confirmed (or closed) it. */
  checkedOn: string | null;
  openedAt: string;
  closedAt: string | null;
}

export class FindingPageDto {
  items: FindingDto[];
  nextCursor?: string;
}

export class SpotCheckQueryDto {
  /** Root of the subtree to sample (default: your scope). */
  @Omittable()
  @IsUUID()
  under?: string;

  /** Share of live accounts to sample (default: the tenant's, 10%). */
  @Omittable()
  @Transform(({ value }) => (value === undefined ? undefined : Number(value)))
  @IsNumber()
  @Min(0.01)
  @Max(1)
  share?: number;

  /** The same seed gives the same sample (e.g. 2026-Q4). */
  @IsString()
  @Length(1, 100)
  seed: string;
}

export class SpotCheckAccountDto {
  id: string;
  name: string;
  platform: string;
  unitId: string;
  unitName: string;
}

export class SpotCheckDto {
  seed: string;
  share: number;
  /** Live accounts in the subtree. */
  population: number;
  items: SpotCheckAccountDto[];
}
