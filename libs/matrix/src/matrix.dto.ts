import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min, Validate } from 'class-validator';
import { IsoDateConstraint } from '@govmatrix/calendar';
import { PageQueryDto } from '@govmatrix/common';
import { PLATFORMS, Platform } from '@govmatrix/ledger';
import { UNIT_LEVELS, UnitLevel } from '@govmatrix/tenancy';

export class SubtreeQueryDto {
  /** The subtree's root unit (default: your scope's root). */
  @IsOptional()
  @IsUUID()
  under?: string;
}

/** A period of days, both ends included. Default: the last 12 months, from the first of the month 11 months ago to today. */
export class PeriodQueryDto extends SubtreeQueryDto {
  /** First day, YYYY-MM-DD. */
  @IsOptional()
  @Validate(IsoDateConstraint)
  from?: string;

  /** Last day, YYYY-MM-DD (at most 3 years after `from`). */
  @IsOptional()
  @Validate(IsoDateConstraint)
  to?: string;
}

export class PlatformCoverageDto {
  @ApiProperty({ enum: PLATFORMS })
  platform: Platform;
  /** Units with a live account on the platform. */
  covered: number;
  /** covered / units, from 0 to 1. */
  coverage: number;
}

/** Coverage of a group of units: who has a live account (active or rectifying). */
export class CoverageStatsDto {
  /** Active units in the group. */
  units: number;
  /** Units with at least one live account. */
  covered: number;
  /** covered / units, from 0 to 1 (0 for an empty group). */
  coverage: number;
  /** Units with live Weibo, WeChat and app accounts at once (两微一端). */
  twoMicroOneEnd: number;
  /** twoMicroOneEnd / units, from 0 to 1. */
  twoMicroOneEndCoverage: number;
  /** Per platform, every platform listed (zeros included), in the ledger's order. */
  @ApiProperty({ type: [PlatformCoverageDto] })
  platforms: PlatformCoverageDto[];
}

export class LevelCoverageDto extends CoverageStatsDto {
  @ApiProperty({ enum: UNIT_LEVELS })
  level: UnitLevel;
}

export class SectorCoverageDto extends CoverageStatsDto {
  sector: string;
}

/** A sector system (行业系统): a unit and every unit whose sector-parent chain leads to it, within the subtree. */
export class SystemCoverageDto extends CoverageStatsDto {
  /** The top of the chain inside the subtree, e.g. the high court, or an intermediate court in a city's subtree. */
  rootUnitId: string;
  rootUnitName: string;
  sector: string;
}

export class CoverageDto {
  unitId: string;
  unitName: string;
  overall: CoverageStatsDto;
  @ApiProperty({ type: [LevelCoverageDto] })
  byLevel: LevelCoverageDto[];
  @ApiProperty({ type: [SectorCoverageDto] })
  bySector: SectorCoverageDto[];
  /** Sector systems with at least two units in the subtree, largest first. */
  @ApiProperty({ type: [SystemCoverageDto] })
  bySystem: SystemCoverageDto[];
}

export class UnitCoverageQueryDto extends PageQueryDto {
  /** The subtree's root unit (default: your scope's root). */
  @IsOptional()
  @IsUUID()
  under?: string;

  /** How many levels below `under` to list: 0 lists `under` alone, 1 adds its children (default). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(20)
  depth?: number;
}

/** A unit with the coverage of its own subtree: what the console colours the unit tree with. */
export class UnitCoverageDto {
  id: string;
  parentId: string | null;
  name: string;
  @ApiProperty({ enum: UNIT_LEVELS })
  level: UnitLevel;
  sector: string;
  /** Levels below the listed subtree's root (0 for the root). */
  depth: number;
  /** Active units directly below it. */
  children: number;
  /** Active units in its subtree, itself included. */
  units: number;
  /** Of those, units with a live account. */
  covered: number;
  coverage: number;
  /** The unit's own live accounts. */
  accounts: number;
  /** Platforms of the unit's own live accounts. */
  @ApiProperty({ enum: PLATFORMS, isArray: true })
  platforms: Platform[];
}

export class UnitCoveragePageDto {
  @ApiProperty({ type: [UnitCoverageDto] })
  items: UnitCoverageDto[];
  nextCursor?: string;
}

export const INTERACTION_SORTS = ['upper', 'lower', 'total'] as const;
export type InteractionSort = (typeof INTERACTION_SORTS)[number];

export class InteractionQueryDto extends PeriodQueryDto {
  /** Only units of this level. */
  @IsOptional()
  @ApiPropertyOptional({ enum: UNIT_LEVELS })
  @IsIn(UNIT_LEVELS)
  level?: UnitLevel;

  /** Rank by upper interaction, lower linkage or their sum (default). */
  @IsOptional()
  @ApiPropertyOptional({ enum: INTERACTION_SORTS })
  @IsIn(INTERACTION_SORTS)
  sort?: InteractionSort;

  /** How many units, at most 500 (default 50). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class InteractionCountsDto {
  reposts: number;
  comments: number;
  total: number;
}

export class UnitInteractionDto {
  unitId: string;
  unitName: string;
  @ApiProperty({ enum: UNIT_LEVELS })
  level: UnitLevel;
  sector: string;
  /** The unit's live accounts. */
  accounts: number;
  /** Upper interaction (上行互动): reposts and comments by the unit's accounts on its superiors' accounts. */
  upper: InteractionCountsDto;
  /** Lower linkage (下行联动): reposts and comments its accounts received from its subordinates' accounts. */
  lower: InteractionCountsDto;
}

export class InteractionDto {
  unitId: string;
  unitName: string;
  from: string;
  to: string;
  /** Units of the subtree (with the level filter), however many are listed. */
  units: number;
  /** Units with any upper interaction in the period. */
  unitsWithUpper: number;
  /** Sums over the subtree's units. */
  upper: InteractionCountsDto;
  lower: InteractionCountsDto;
  /** The top units, by `sort`. */
  @ApiProperty({ type: [UnitInteractionDto] })
  items: UnitInteractionDto[];
}

export const INTERACTION_KINDS = ['repost', 'comment'] as const;

export class InteractionMatrixQueryDto extends PeriodQueryDto {
  /** The N units with the most interactions with each other (2 to 50, default 20). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(2)
  @Max(50)
  top?: number;

  /** Only reposts or only comments (default both). */
  @IsOptional()
  @ApiPropertyOptional({ enum: INTERACTION_KINDS })
  @IsIn(INTERACTION_KINDS)
  kind?: (typeof INTERACTION_KINDS)[number];
}

export class MatrixUnitDto {
  id: string;
  name: string;
  @ApiProperty({ enum: UNIT_LEVELS })
  level: UnitLevel;
  /** Interactions it made and received with other units of the subtree in the period. */
  volume: number;
}

/** Unit-to-unit interactions inside a subtree: a heat map's data. */
export class InteractionMatrixDto {
  unitId: string;
  unitName: string;
  from: string;
  to: string;
  /** Rows and columns, busiest first. */
  @ApiProperty({ type: [MatrixUnitDto] })
  units: MatrixUnitDto[];
  /** values[i][j]: reposts and comments by units[i]'s accounts on units[j]'s accounts. */
  @ApiProperty({ type: 'array', items: { type: 'array', items: { type: 'integer' } } })
  values: number[][];
}

export class MonthTrendDto {
  /** YYYY-MM. */
  month: string;
  /** Posts of the subtree's accounts. */
  posts: number;
  originals: number;
  /** Reposts, comments and likes the subtree's accounts received. */
  engagement: number;
  /** Reposts and comments by the subtree's accounts on other government accounts. */
  interactions: number;
  /** Of those, on their own superiors' accounts (upper interaction). */
  upperInteractions: number;
  /** Accounts that posted at least once in the month. */
  activeAccounts: number;
  /** Accounts with any metrics reported in the month. */
  reportingAccounts: number;
}

export class TrendDto {
  unitId: string;
  unitName: string;
  from: string;
  to: string;
  /** Every month of the period, oldest first; a month's figures cover only the period's days. */
  @ApiProperty({ type: [MonthTrendDto] })
  items: MonthTrendDto[];
}
