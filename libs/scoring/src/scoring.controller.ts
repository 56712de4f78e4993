import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { UuidParam } from '@govmatrix/common';
import { ScoreModelsService } from './score-models.service';
import { ScoringRunsService } from './scoring-runs.service';
import {
  CreateScoreModelDto,
  CreateScoringRunDto,
  IndicatorListDto,
  ListScoreModelsQueryDto,
  ListScoringRunsQueryDto,
  RankingPageDto,
  RankingQueryDto,
  ScoreExplanationDto,
  ScoreModelDto,
  ScoreModelListDto,
  ScoreModelPresetListDto,
  ScoringRunDto,
  ScoringRunPageDto,
  UnitAggregateDto,
  UnitAggregatePageDto,
  UnitAggregateQueryDto,
} from './scoring.dto';

/** Score models: versioned data per tenant (normalisation, weights, vetoes), with the six-index, WCI and BCI presets. */
@ApiTags('scoring')
@Controller('v1/scoring')
export class ScoringModelsController {
  constructor(private readonly service: ScoreModelsService) {}

  /** The published formulas a model can start from. */
  @RequirePermission(Permission.ScoresRead)
  @Get('presets')
  presets(): ScoreModelPresetListDto {
    return this.service.presets();
  }

  /** The measurements a model can weigh, and how each is computed. */
  @RequirePermission(Permission.ScoresRead)
  @Get('indicators')
  indicators(): IndicatorListDto {
    return this.service.indicators();
  }

  /** Every version of the tenant's models, newest version first within a key. */
  @RequirePermission(Permission.ScoresRead)
  @Get('models')
  list(@Auth() auth: AuthContext, @Query() query: ListScoreModelsQueryDto): Promise<ScoreModelListDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.ScoresRead)
  @Get('models/:id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<ScoreModelDto> {
    return this.service.get(auth, id);
  }

  /** A new version of a model (from a preset or a definition); versions never change once made. */
  @RequirePermission(Permission.ModelsWrite)
  @Post('models')
  create(@Auth() auth: AuthContext, @Body() dto: CreateScoreModelDto): Promise<ScoreModelDto> {
    return this.service.create(auth, dto);
  }
}

/** Scoring runs and their published results: scores with explanations, rankings, unit and subtree aggregates. */
@ApiTags('scoring')
@Controller('v1/scoring/runs')
export class ScoringRunsController {
  constructor(private readonly service: ScoringRunsService) {}

  /** Score your subtree over a period now; the result is published as a new version (201 once computed). */
  @RequirePermission(Permission.ScoresWrite)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateScoringRunDto): Promise<ScoringRunDto> {
    return this.service.create(auth, dto);
  }

  /** Runs over your subtree or a subtree containing it, newest first. */
  @RequirePermission(Permission.ScoresRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListScoringRunsQueryDto): Promise<ScoringRunPageDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.ScoresRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<ScoringRunDto> {
    return this.service.get(auth, id);
  }

  /** A ranking within a level or a sector, by rank (keyset pages); your subtree's accounts with the run's ranks. */
  @RequirePermission(Permission.ScoresRead)
  @Get(':id/rankings')
  ranking(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: RankingQueryDto): Promise<RankingPageDto> {
    return this.service.ranking(auth, id, query);
  }

  /** One account's score with its explanation: every term's raw value, normalised value, weight and points, and the vetoes. */
  @RequirePermission(Permission.ScoresRead)
  @Get(':id/scores/:accountId')
  explain(@Auth() auth: AuthContext, @UuidParam() id: string, @UuidParam('accountId') accountId: string): Promise<ScoreExplanationDto> {
    return this.service.explain(auth, id, accountId);
  }

  /** Units of a level ranked by the mean score of their subtree. */
  @RequirePermission(Permission.ScoresRead)
  @Get(':id/units')
  units(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: UnitAggregateQueryDto): Promise<UnitAggregatePageDto> {
    return this.service.unitAggregates(auth, id, query);
  }

  /** A unit's own accounts and its whole subtree in the run. */
  @RequirePermission(Permission.ScoresRead)
  @Get(':id/units/:unitId')
  unit(@Auth() auth: AuthContext, @UuidParam() id: string, @UuidParam('unitId') unitId: string): Promise<UnitAggregateDto> {
    return this.service.unitAggregate(auth, id, unitId);
  }
}
