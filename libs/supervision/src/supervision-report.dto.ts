import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { ACCOUNT_STATUSES, AccountStatus, EXPORT_FORMATS, ExportFormat } from '@govmatrix/ledger';
import { MEASURES, Measure } from '@govmatrix/sanctions';
import { UNIT_LEVELS, UnitLevel } from '@govmatrix/tenancy';

export const DEFAULT_RANKING_SIZE = 10;
export const MAX_RANKING_SIZE = 50;

export class SupervisionReportQueryDto {
  /**
   * The region reported on: a unit of your scope, or a supervising office (网信办, a unit flagged
   * `supervisor`), which stands for its region (the office's parent). Default: your scope's root
   * (for an auditor, the region of its office). A unit outside your scope is a 404.
   */
  @IsOptional()
  @IsUUID()
  unitId?: string;

  /** How many accounts each of the top and bottom lists holds (1–50, default 10). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_RANKING_SIZE)
  n?: number;
}

export class SupervisionReportExportQueryDto extends SupervisionReportQueryDto {
  /** `xlsx` (default): one worksheet per section with Chinese headers; `csv`: every table in one UTF-8 file with a BOM. */
  @ApiProperty({ enum: EXPORT_FORMATS, required: false, default: 'xlsx' })
  @IsOptional()
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;
}

export class ReportRegionDto {
  /** The region's unit (the root of the subtree reported on). */
  unitId: string;
  name: string;
  /** The unit's code in the tenant's tree, if it has one. */
  code: string | null;
  /** 6-digit administrative division code (GB/T 2260); null for a bureau. */
  divisionCode: string | null;
  @ApiProperty({ enum: UNIT_LEVELS })
  level: UnitLevel;
}

export class ReportOfficeDto {
  /** The region's supervising office (the child unit flagged `supervisor`). */
  unitId: string;
  name: string;
}

export class AccountStatusCountDto {
  @ApiProperty({ enum: ACCOUNT_STATUSES })
  status: AccountStatus;
  /** Accounts of the subtree opened on or before 31 December that had this status at the year's end (`asOf`). */
  accounts: number;
}

export class FilingKindCountsDto {
  @ApiProperty({ enum: ['opening', 'change', 'closure'] })
  kind: 'opening' | 'change' | 'closure';
  /** Filings of this kind submitted in the year (China time), resubmissions included. */
  submitted: number;
  /** Filings of this kind accepted in the year (reviewed in the year, whenever submitted). */
  accepted: number;
  /** Filings of this kind returned in the year (reviewed in the year, whenever submitted). */
  returned: number;
  /**
   * Filing obligations of this kind whose deadline fell in the year and has passed (before today
   * in China), for which no filing of the kind submitted on or before the deadline is accepted or
   * still pending: filed late, or not at all (R1, R2). Always 0 for `change`, which has no deadline.
   */
  overdue: number;
}

export class ReportFilingsDto {
  /** Sum of `byKind[].submitted`. */
  submitted: number;
  /** Sum of `byKind[].accepted`. */
  accepted: number;
  /** Sum of `byKind[].returned`. */
  returned: number;
  /** Sum of `byKind[].overdue` (opening and closure obligations). */
  overdue: number;
  /** Opening, change and closure filings, in that order. */
  @ApiProperty({ type: [FilingKindCountsDto] })
  byKind: FilingKindCountsDto[];
}

/**
 * The ledger of the subtree. An account's status at the year's end is its status before its first
 * change after that moment (account entries of the audit log and accepted opening/closure filings),
 * or its current status when it has not changed since.
 */
export class ReportCountsDto {
  /** Active units of the subtree (its root included) created before the year's end. */
  units: number;
  /** Accounts of the subtree opened (`openedOn`) on or before 31 December, whatever their status: the sum of `accountsByStatus`. */
  accounts: number;
  /** `accounts` by their status at the year's end, every status listed in the ledger's order (zeros included). */
  @ApiProperty({ type: [AccountStatusCountDto] })
  accountsByStatus: AccountStatusCountDto[];
  /** Accounts whose `openedOn` falls in the year. */
  accountsOpened: number;
  /** Accounts `closed` (closure filing accepted) at the year's end that were not closed when it began. */
  accountsClosed: number;
  /** Accounts `force_closed` (责令关闭) at the year's end that were not closed when it began. */
  accountsForceClosed: number;
  filings: ReportFilingsDto;
}

export class FindingKindCountsDto {
  /** The finding kind (`inactive_14d`, `content_error`, …). */
  kind: string;
  /** A single-veto item of the 2019 indicators: one such finding fails the account (see `singleVetoKinds`). */
  singleVeto: boolean;
  /** Findings of this kind opened in the year. */
  opened: number;
  /** Findings of this kind closed in the year (whenever opened). */
  closed: number;
  /** Findings of this kind opened before the year's end and not closed by then (`asOf`). */
  openAtYearEnd: number;
  /** Accounts with a finding of this kind open at some moment of the year. */
  accounts: number;
}

/**
 * Inspection (检查) over the year. A finding counts for the year when it was open at some moment
 * of it: opened before the year's end and not closed before it began.
 */
export class ReportInspectionDto {
  /**
   * Accounts inspected in the year: accounts the daily inspection looks at (`active` or
   * `rectifying`) at some moment of the year, plus any account with a finding in the year.
   */
  accountsInspected: number;
  /** Inspected accounts with at least one finding (of any kind) in the year. */
  accountsWithFindings: number;
  /** Inspected accounts with at least one single-veto finding in the year: they fail. */
  accountsFailed: number;
  /** accountsInspected − accountsFailed: accounts with no single-veto finding in the year. */
  accountsPassed: number;
  /**
   * Pass rate (合格率) = accountsPassed / accountsInspected, from 0 to 1, rounded to 4 decimals;
   * null when no account was inspected.
   */
  passRate: number | null;
  /** The finding kinds that fail an account (单项否决): no update in 2 weeks, no working interaction, serious content error, secrecy incident, faked influence. */
  singleVetoKinds: string[];
  /** Findings opened in the year (sum of `byKind[].opened`). */
  findingsOpened: number;
  /** Findings closed in the year (sum of `byKind[].closed`). */
  findingsClosed: number;
  /** Findings open at the year's end (sum of `byKind[].openAtYearEnd`). */
  findingsOpenAtYearEnd: number;
  /** Every known kind (zeros included) in the inspection's order, then any other kind found. */
  @ApiProperty({ type: [FindingKindCountsDto] })
  byKind: FindingKindCountsDto[];
}

export class MeasureCountsDto {
  @ApiProperty({ enum: MEASURES })
  measure: Measure;
  /** Cases decided (`decidedOn`) in the year with this measure first. */
  opened: number;
  /** Cases escalated to this measure in the year (escalation steps dated in the year, by the run's moment). */
  escalatedTo: number;
}

/** Sanctions (处置, R9) of the subtree's accounts. A case is dated by its decision (`decidedOn`). */
export class ReportSanctionsDto {
  /** Cases decided in the year. */
  casesOpened: number;
  /** Cases resolved (rectification accepted) in the year, whenever decided. */
  casesResolved: number;
  /** Cases with at least one escalation in the year. */
  casesEscalated: number;
  /** Escalation steps in the year (a case may climb more than once). */
  escalations: number;
  /** Cases whose measure became `forced_closure` in the year: decided so, or escalated to it. */
  forcedClosures: number;
  /** Cases decided on or before 31 December and not resolved by the year's end. */
  casesOpenAtYearEnd: number;
  /** Every measure, from the mildest to the most severe (zeros included). */
  @ApiProperty({ type: [MeasureCountsDto] })
  byMeasure: MeasureCountsDto[];
}

export class ReportRunDto {
  /** The score run's id. */
  id: string;
  @ApiProperty({ enum: ['yearly', 'on_demand'] })
  kind: 'yearly' | 'on_demand';
  /** First day of the period scored. */
  from: string;
  /** Last day of the period scored. */
  to: string;
  modelId: string;
  modelKey: string;
  modelName: string;
  modelVersion: number;
  /** The run's version among runs of the same scope, period and model. */
  version: number;
  /** The unit whose subtree the run scored (the report's region or one containing it). */
  scopeUnitId: string;
  publishedAt: string;
  /** Accounts of the report's subtree scored by the run. */
  accountsScored: number;
}

export class ReportRankedAccountDto {
  /** Rank within the report's subtree by score, highest first (ties share a rank). */
  position: number;
  accountId: string;
  accountName: string;
  platform: string;
  unitId: string;
  unitName: string;
  score: number;
  /** Vetoes that capped the score (`finding:inactive_14d`, `status:force_closed` …). */
  vetoes: string[];
  /** The run's own overall rank (over the run's whole scope). */
  rankOverall: number;
}

export class ReportUnitRankDto {
  /** Rank among the region's direct sub-units by the mean score of their subtrees (ties share a rank). */
  position: number;
  unitId: string;
  unitName: string;
  @ApiProperty({ enum: UNIT_LEVELS })
  level: UnitLevel;
  /** Scored accounts in the unit's subtree. */
  accounts: number;
  /** Mean score of the unit's subtree (6 decimals). */
  meanScore: number;
  minScore: number;
  maxScore: number;
}

export class ReportRankingsDto {
  /**
   * The score run ranked: over the region or a subtree containing it, the latest yearly run of the
   * year, else the latest on-demand run whose period lies within the year; null when there is none
   * (then the lists are empty).
   */
  run: ReportRunDto | null;
  /** The size asked for each list. */
  n: number;
  /** The n best-scored accounts of the subtree, best first (ties by the run's overall rank, then id). */
  @ApiProperty({ type: [ReportRankedAccountDto] })
  top: ReportRankedAccountDto[];
  /** The n worst-scored accounts of the subtree, worst first. Overlaps `top` when the subtree has fewer than 2n. */
  @ApiProperty({ type: [ReportRankedAccountDto] })
  bottom: ReportRankedAccountDto[];
  /** The region's direct sub-units with scored accounts, best mean first (the run's unit aggregates). */
  @ApiProperty({ type: [ReportUnitRankDto] })
  units: ReportUnitRankDto[];
}

/**
 * The yearly supervision report (年度监管报告) of a supervising office: its region's ledger,
 * filings, inspection, sanctions and rankings over a calendar year in China time
 * (1 January 00:00 to 31 December 24:00, UTC+8).
 */
export class SupervisionReportDto {
  year: number;
  region: ReportRegionDto;
  /** The region's supervising office, if it has one. */
  office: ReportOfficeDto | null;
  /** 1 January of the year. */
  from: string;
  /** 31 December of the year. */
  to: string;
  /** The moment the "at year end" figures describe: the year's end, or `generatedAt` while the year is running. */
  asOf: string;
  /** Whether the year is over (otherwise the figures are the year so far). */
  complete: boolean;
  generatedAt: string;
  counts: ReportCountsDto;
  inspection: ReportInspectionDto;
  sanctions: ReportSanctionsDto;
  rankings: ReportRankingsDto;
}
