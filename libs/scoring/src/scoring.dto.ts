import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  Validate,
  ValidateNested,
} from 'class-validator';
import { IsoDateConstraint } from '@govmatrix/calendar';
import { Omittable, PageQueryDto } from '@govmatrix/common';
import {
  INDICATOR_KEYS,
  IndicatorKey,
  Normalization,
  NORMALIZATIONS,
  PRESET_KEYS,
  Transform as ModelTransform,
  TRANSFORMS,
  VETO_PATTERN,
} from './score-model';

export class ScoreModelIndicatorDto {
  /** A measurement of the catalogue (GET /v1/scoring/indicators). */
  @ApiProperty({ enum: INDICATOR_KEYS })
  @IsIn(INDICATOR_KEYS)
  indicator: IndicatorKey;

  /** Share of its index (the indicators of an index add up to 1). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1)
  weight: number;

  /** Overrides the model's normalisation. */
  @Omittable()
  @ApiPropertyOptional({ enum: NORMALIZATIONS })
  @IsIn(NORMALIZATIONS)
  normalization?: Normalization;

  /** Multiplies the raw value before normalising (WCI counts likes × 10). */
  @Omittable()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1_000_000)
  factor?: number;

  /** Lower raw values score higher (the "B-class" share); bounded normalisations only. */
  @Omittable()
  @IsBoolean()
  lowerIsBetter?: boolean;
}

export class ScoreModelIndexDto {
  @Matches(/^[a-z][a-z0-9_]{1,39}$/)
  key: string;

  @Omittable()
  @IsString()
  @Length(1, 100)
  label?: string;

  /** Share of the score (the indices add up to 1). */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1)
  weight: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(12)
  @ValidateNested({ each: true })
  @Type(() => ScoreModelIndicatorDto)
  indicators: ScoreModelIndicatorDto[];
}

export class ScoreModelVetoDto {
  /** `finding:<kind>` — a finding of that kind open during the period (inactive_14d, content_error …) — or `status:force_closed`. */
  @Matches(VETO_PATTERN)
  when: string;

  /** The score is at most this. */
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1_000_000)
  cap: number;
}

/** A model as data: normalisation, weights per index and indicator, veto caps. */
export class ScoreModelDefinitionDto {
  /** Default normalisation of the indicators. */
  @ApiProperty({ enum: NORMALIZATIONS })
  @IsIn(NORMALIZATIONS)
  normalization: Normalization;

  /** `linear`: scale × Σ weight·normalised; `square` (WCI): scale × (Σ weight·normalised)². */
  @ApiProperty({ enum: TRANSFORMS })
  @IsIn(TRANSFORMS)
  transform: ModelTransform;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.000001)
  @Max(1_000_000)
  scale: number;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => ScoreModelIndexDto)
  indices: ScoreModelIndexDto[];

  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => ScoreModelVetoDto)
  vetoes: ScoreModelVetoDto[];
}

export class CreateScoreModelDto {
  /** The model's family; a new version of an existing key is version + 1. */
  @Matches(/^[a-z][a-z0-9_-]{1,39}$/)
  key: string;

  @IsString()
  @Length(1, 200)
  name: string;

  @Omittable()
  @IsString()
  @Length(1, 2000)
  description?: string;

  /** Start from a preset (its definition, unless one is given). */
  @Omittable()
  @ApiPropertyOptional({ enum: PRESET_KEYS })
  @IsIn(PRESET_KEYS)
  preset?: string;

  /** Required unless a preset is named. */
  @Omittable()
  @ValidateNested()
  @Type(() => ScoreModelDefinitionDto)
  definition?: ScoreModelDefinitionDto;
}

export class ScoreModelDto {
  id: string;
  key: string;
  version: number;
  name: string;
  description: string | null;
  /** The preset it was made from, if any. */
  preset: string | null;
  definition: ScoreModelDefinitionDto;
  createdAt: string;
}

export class ScoreModelListDto {
  items: ScoreModelDto[];
}

export class ListScoreModelsQueryDto {
  @Omittable()
  @Matches(/^[a-z][a-z0-9_-]{1,39}$/)
  key?: string;
}

export class ScoreModelPresetDto {
  key: string;
  name: string;
  description: string;
  definition: ScoreModelDefinitionDto;
}

export class ScoreModelPresetListDto {
  items: ScoreModelPresetDto[];
}

export class IndicatorDto {
  @ApiProperty({ enum: INDICATOR_KEYS })
  key: IndicatorKey;
  description: string;
}

export class IndicatorListDto {
  items: IndicatorDto[];
}

export class CreateScoringRunDto {
  /** First day of the period (YYYY-MM-DD). */
  @Validate(IsoDateConstraint)
  from: string;

  /** Last day of the period, at most 366 days after the first and not after today. */
  @Validate(IsoDateConstraint)
  to: string;

  /** The model version; the latest version of the tenant's configured model (default six_index) when omitted. */
  @Omittable()
  @IsUUID()
  modelId?: string;

  /** Root of the subtree to score (default: your whole scope). */
  @Omittable()
  @IsUUID()
  unitId?: string;
}

export class ScoringRunDto {
  id: string;
  modelId: string;
  modelKey: string;
  modelVersion: number;
  /** Root of the scored subtree. */
  scopeUnitId: string;
  from: string;
  to: string;
  @ApiProperty({ enum: ['yearly', 'on_demand'] })
  kind: 'yearly' | 'on_demand';
  /** The assessed year (yearly runs). */
  year: number | null;
  /** Result version among the runs of the same subtree, period and model (a re-run is a new version). */
  version: number;
  accounts: number;
  /** Accounts whose score a veto capped. */
  vetoed: number;
  triggeredBy: string;
  /** Milliseconds per step of the computation (sc_metrics: the scan of the daily metrics …). */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  timings: Record<string, number>;
  startedAt: string;
  publishedAt: string;
}

export class ScoringRunPageDto {
  items: ScoringRunDto[];
  nextCursor?: string;
}

export class ListScoringRunsQueryDto extends PageQueryDto {
  @Omittable()
  @ApiPropertyOptional({ enum: ['yearly', 'on_demand'] })
  @IsIn(['yearly', 'on_demand'])
  kind?: 'yearly' | 'on_demand';

  /** The assessed year (yearly runs). */
  @Omittable()
  @Type(() => Number)
  @IsInt()
  @Min(2000)
  @Max(2100)
  year?: number;
}

export class ScoreTermDto {
  index: string;
  indicator: string;
  /** The measured value (null: not applicable to this account). */
  raw: number | null;
  /** The value after normalisation (null: not applicable). */
  normalised: number | null;
  /** The term's effective weight for this account (× scale for linear models; 0 when not applicable). */
  weight: number;
  /** What the term adds to the score: weight × normalised (square models: scale × Σ × weight × normalised). */
  points: number;
}

export class ScoreVetoDto {
  when: string;
  cap: number;
}

/** Why an account has its score and rank: every term, the vetoes that held, the cap. */
export class ScoreExplanationDto {
  runId: string;
  accountId: string;
  accountName: string;
  unitId: string;
  unitName: string;
  level: string;
  sector: string;
  platform: string;
  modelId: string;
  modelKey: string;
  modelVersion: number;
  @ApiProperty({ enum: TRANSFORMS })
  transform: ModelTransform;
  scale: number;
  terms: ScoreTermDto[];
  /** Σ points. */
  uncappedScore: number;
  /** The vetoes that held, with their caps. */
  vetoes: ScoreVetoDto[];
  /** score − uncappedScore (≤ 0): what the lowest cap took away. */
  vetoAdjustment: number;
  score: number;
  rankOverall: number;
  rankLevel: number;
  rankSector: number;
  /** Share of the level's accounts scoring lower (1 = the top). */
  percentileLevel: number;
  percentileSector: number;
}

export class RankedScoreDto {
  accountId: string;
  accountName: string;
  platform: string;
  unitId: string;
  unitName: string;
  level: string;
  sector: string;
  score: number;
  uncappedScore: number;
  vetoes: string[];
  rankOverall: number;
  rankLevel: number;
  rankSector: number;
  percentileLevel: number;
  percentileSector: number;
  /** With `explain=true`. */
  terms?: ScoreTermDto[];
}

export class RankingPageDto {
  items: RankedScoreDto[];
  nextCursor?: string;
}

export class RankingQueryDto extends PageQueryDto {
  /** Rank within a level or within a sector (行业系统). */
  @ApiProperty({ enum: ['level', 'sector'] })
  @IsIn(['level', 'sector'])
  by: 'level' | 'sector';

  /** The level to list (with by=level). */
  @Omittable()
  @ApiPropertyOptional({ enum: ['province', 'city', 'county', 'bureau'] })
  @IsIn(['province', 'city', 'county', 'bureau'])
  level?: string;

  /** The sector to list (with by=sector). */
  @Omittable()
  @Matches(/^[a-z][a-z_]{1,39}$/)
  sector?: string;

  /** Only accounts of this subtree (ranks stay the run's). */
  @Omittable()
  @IsUUID()
  under?: string;

  /** Include every score's terms. */
  @Omittable()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  explain?: boolean;
}

export class UnitAggregateDto {
  unitId: string;
  unitName: string;
  level: string;
  sector: string;
  /** The unit's own accounts scored, and their mean (null without accounts). */
  accounts: number;
  meanScore: number | null;
  /** Every account of the unit's subtree within the run. */
  subtreeAccounts: number;
  subtreeMeanScore: number;
  subtreeMinScore: number;
  subtreeMaxScore: number;
  /** Rank of the subtree mean among the run's units of the same level. */
  rankLevel: number;
}

export class UnitAggregatePageDto {
  items: UnitAggregateDto[];
  nextCursor?: string;
}

export class UnitAggregateQueryDto extends PageQueryDto {
  @ApiProperty({ enum: ['province', 'city', 'county', 'bureau'] })
  @IsIn(['province', 'city', 'county', 'bureau'])
  level: string;
}

export class ScoringSettingsDto {
  /** Month and day (MM-DD) from which the yearly assessment of the previous year runs. */
  assessmentDate: string;
  /** The model key the yearly assessment and runs without a model use (its latest version). */
  modelKey: string;
}

export class UpdateScoringSettingsDto {
  @Omittable()
  @Matches(/^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/)
  assessmentDate?: string;

  @Omittable()
  @Matches(/^[a-z][a-z0-9_-]{1,39}$/)
  modelKey?: string;
}
