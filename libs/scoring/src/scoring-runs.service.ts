import { Injectable } from '@nestjs/common';
import { AuditService } from '@govmatrix/audit';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { chinaToday } from '@govmatrix/calendar';
import {
  BadRequestError,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  FieldError,
  NotFoundError,
  ValidationError,
} from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { termsOf, ScoreModelDefinition } from './score-model';
import { Actor, ScoreModelsService } from './score-models.service';
import { ScoreModelsRepository } from './score-models.repository';
import { ScoreRecord, ScoringRunRecord, ScoringRunsRepository, UnitAggregateRecord } from './scoring-runs.repository';
import {
  CreateScoringRunDto,
  ListScoringRunsQueryDto,
  RankedScoreDto,
  RankingPageDto,
  RankingQueryDto,
  ScoreExplanationDto,
  ScoreTermDto,
  ScoringRunDto,
  ScoringRunPageDto,
  UnitAggregateDto,
  UnitAggregatePageDto,
  UnitAggregateQueryDto,
} from './scoring.dto';

const MAX_PERIOD_DAYS = 366;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const toScoringRunDto = (r: ScoringRunRecord): ScoringRunDto => ({
  id: r.id,
  modelId: r.modelId,
  modelKey: r.modelKey,
  modelVersion: r.modelVersion,
  scopeUnitId: r.scopeUnitId,
  from: r.from,
  to: r.to,
  kind: r.kind,
  year: r.year,
  version: r.version,
  accounts: r.accounts,
  vetoed: r.vetoed,
  triggeredBy: r.triggeredBy,
  timings: r.timings,
  startedAt: new Date(r.startedAt).toISOString(),
  publishedAt: new Date(r.publishedAt).toISOString(),
});

/** The explanation arrays zipped with the model's terms. */
function termsDto(definition: ScoreModelDefinition, s: ScoreRecord): ScoreTermDto[] {
  return termsOf(definition).map((t, i) => ({
    index: t.index,
    indicator: t.indicator,
    raw: s.raw[i],
    normalised: s.normalised[i],
    weight: s.weights[i],
    points: s.points[i],
  }));
}

function rankedDto(s: ScoreRecord, definition?: ScoreModelDefinition): RankedScoreDto {
  return {
    accountId: s.accountId,
    accountName: s.accountName,
    platform: s.platform,
    unitId: s.unitId,
    unitName: s.unitName,
    level: s.level,
    sector: s.sector,
    score: s.score,
    uncappedScore: s.uncapped,
    vetoes: s.vetoes,
    rankOverall: s.rankOverall,
    rankLevel: s.rankLevel,
    rankSector: s.rankSector,
    percentileLevel: s.percentileLevel,
    percentileSector: s.percentileSector,
    ...(definition ? { terms: termsDto(definition, s) } : {}),
  };
}

const aggregateDto = (g: UnitAggregateRecord): UnitAggregateDto => ({
  unitId: g.unitId,
  unitName: g.unitName,
  level: g.level,
  sector: g.sector,
  accounts: g.accounts,
  meanScore: g.meanScore === null ? null : Number(g.meanScore),
  subtreeAccounts: g.subtreeAccounts,
  subtreeMeanScore: Number(g.subtreeMeanScore),
  subtreeMinScore: g.subtreeMinScore,
  subtreeMaxScore: g.subtreeMaxScore,
  rankLevel: g.rankLevel,
});

const daysBetween = (from: string, to: string): number => (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;

/** Scoring runs (on demand and yearly) and reading their published, immutable results. */
@Injectable()
export class ScoringRunsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly runs: ScoringRunsRepository,
    private readonly models: ScoreModelsService,
    private readonly modelRecords: ScoreModelsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Scores the caller's subtree (or a part of it) over a period and publishes the result as a new version. */
  create(auth: AuthContext, dto: CreateScoringRunDto): Promise<ScoringRunDto> {
    const caller = requireTenantCaller(auth);
    const errors: FieldError[] = [];
    if (dto.from > dto.to) errors.push({ pointer: '/to', reason: 'must not be before from' });
    else if (daysBetween(dto.from, dto.to) >= MAX_PERIOD_DAYS)
      errors.push({ pointer: '/to', reason: `the period may span at most ${MAX_PERIOD_DAYS} days` });
    if (dto.to > chinaToday()) errors.push({ pointer: '/to', reason: 'must not be in the future' });
    if (errors.length > 0) throw new ValidationError('The period is invalid', errors);
    return this.tx.run(dbScopeOf(caller), async () => {
      const scope = dto.unitId ? await this.runs.unitInScope(caller.tenantId, caller.scopePath, dto.unitId) : await this.callerRoot(caller);
      if (!scope)
        throw new ValidationError('The unit does not exist in your scope', [{ pointer: '/unitId', reason: 'no such unit in your scope' }]);
      const run = await this.publish(caller, caller.tenantId, {
        modelId: dto.modelId,
        scope,
        from: dto.from,
        to: dto.to,
        kind: 'on_demand',
        year: null,
        triggeredBy: `${caller.kind}:${caller.subjectId}`,
      });
      return toScoringRunDto(run);
    });
  }

  /**
   * Computes and publishes a run inside the current transaction, and records the publication in the
   * audit log (the yearly assessment calls this from its job transaction).
   */
  async publish(
    actor: Actor,
    tenantId: string,
    run: {
      modelId?: string;
      scope: { id: string; path: string };
      from: string;
      to: string;
      kind: 'yearly' | 'on_demand';
      year: number | null;
      triggeredBy: string;
    },
  ): Promise<ScoringRunRecord> {
    const model = await this.models.resolve(actor, tenantId, run.modelId);
    const published = await this.runs.publish(tenantId, {
      model,
      scope: { unitId: run.scope.id, path: run.scope.path },
      from: run.from,
      to: run.to,
      kind: run.kind,
      year: run.year,
      triggeredBy: run.triggeredBy,
    });
    await this.audit.record(actor as AuthContext, tenantId, {
      entityType: 'score_run',
      entityId: published.id,
      action: 'publish',
      after: {
        modelId: published.modelId,
        modelKey: published.modelKey,
        modelVersion: published.modelVersion,
        scopeUnitId: published.scopeUnitId,
        from: published.from,
        to: published.to,
        kind: published.kind,
        year: published.year,
        version: published.version,
        accounts: published.accounts,
        vetoed: published.vetoed,
      },
    });
    return published;
  }

  list(auth: AuthContext, query: ListScoringRunsQueryDto): Promise<ScoringRunPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(
      query.cursor,
      2,
      ([at, id]) => typeof at === 'string' && !Number.isNaN(Date.parse(at)) && UUID.test(String(id)),
    );
    return this.tx.run(dbScopeOf(caller), async () => {
      const rows = await this.runs.listRuns(
        caller.tenantId,
        caller.scopePath,
        { kind: query.kind, year: query.year },
        limit + 1,
        position ? { publishedAt: position[0] as string, id: position[1] as string } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toScoringRunDto),
        nextCursor: rows.length > limit ? encodeCursor([new Date(last.publishedAt).toISOString(), last.id]) : undefined,
      };
    });
  }

  get(auth: AuthContext, id: string): Promise<ScoringRunDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toScoringRunDto(await this.requireRun(caller, id)));
  }

  ranking(auth: AuthContext, runId: string, query: RankingQueryDto): Promise<RankingPageDto> {
    const caller = requireTenantCaller(auth);
    const value = query.by === 'level' ? query.level : query.sector;
    if (value === undefined)
      throw new BadRequestError(`Name the ${query.by} to rank within`, [
        { pointer: `/${query.by}`, reason: `required with by=${query.by}` },
      ]);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(query.cursor, 2, ([rank, id]) => Number.isInteger(rank) && UUID.test(String(id)));
    return this.tx.run(dbScopeOf(caller), async () => {
      const run = await this.requireRun(caller, runId);
      const subtree = await this.subtree(caller, query.under);
      const definition = query.explain ? (await this.modelRecords.get(caller.tenantId, run.modelId))!.definition : undefined;
      const rows = await this.runs.ranking(
        caller.tenantId,
        subtree,
        run.id,
        { column: query.by, value },
        query.explain ?? false,
        limit + 1,
        position ? { rank: position[0] as number, accountId: position[1] as string } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map((s) => rankedDto(s, definition)),
        nextCursor:
          rows.length > limit ? encodeCursor([query.by === 'level' ? last.rankLevel : last.rankSector, last.accountId]) : undefined,
      };
    });
  }

  /** Why an account has its score and rank ("why is this account 37th"). */
  explain(auth: AuthContext, runId: string, accountId: string): Promise<ScoreExplanationDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const run = await this.requireRun(caller, runId);
      const score = await this.runs.score(caller.tenantId, caller.scopePath, run.id, accountId);
      if (!score) throw new NotFoundError('Score of account', accountId);
      const model = (await this.modelRecords.get(caller.tenantId, run.modelId))!;
      const caps = new Map(model.definition.vetoes.map((v) => [v.when, v.cap]));
      return {
        runId: run.id,
        accountId: score.accountId,
        accountName: score.accountName,
        unitId: score.unitId,
        unitName: score.unitName,
        level: score.level,
        sector: score.sector,
        platform: score.platform,
        modelId: model.id,
        modelKey: model.key,
        modelVersion: model.version,
        transform: model.definition.transform,
        scale: model.definition.scale,
        terms: termsDto(model.definition, score),
        uncappedScore: score.uncapped,
        vetoes: score.vetoes.map((when) => ({ when, cap: caps.get(when)! })),
        vetoAdjustment: score.score - score.uncapped,
        score: score.score,
        rankOverall: score.rankOverall,
        rankLevel: score.rankLevel,
        rankSector: score.rankSector,
        percentileLevel: score.percentileLevel,
        percentileSector: score.percentileSector,
      };
    });
  }

  unitAggregates(auth: AuthContext, runId: string, query: UnitAggregateQueryDto): Promise<UnitAggregatePageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(query.cursor, 2, ([rank, id]) => Number.isInteger(rank) && UUID.test(String(id)));
    return this.tx.run(dbScopeOf(caller), async () => {
      const run = await this.requireRun(caller, runId);
      const rows = await this.runs.unitAggregates(
        caller.tenantId,
        caller.scopePath,
        run.id,
        query.level,
        limit + 1,
        position ? { rank: position[0] as number, unitId: position[1] as string } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return { items: items.map(aggregateDto), nextCursor: rows.length > limit ? encodeCursor([last.rankLevel, last.unitId]) : undefined };
    });
  }

  unitAggregate(auth: AuthContext, runId: string, unitId: string): Promise<UnitAggregateDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const run = await this.requireRun(caller, runId);
      const row = await this.runs.unitAggregate(caller.tenantId, caller.scopePath, run.id, unitId);
      if (!row) throw new NotFoundError('Unit aggregate', unitId);
      return aggregateDto(row);
    });
  }

  private async requireRun(caller: TenantAuthContext, id: string): Promise<ScoringRunRecord> {
    const run = await this.runs.getRun(caller.tenantId, caller.scopePath, id);
    if (!run) throw new NotFoundError('Scoring run', id);
    return run;
  }

  private async callerRoot(caller: TenantAuthContext): Promise<{ id: string; path: string } | undefined> {
    return this.runs.unitAt(caller.tenantId, caller.scopePath);
  }

  private async subtree(caller: TenantAuthContext, under?: string): Promise<string> {
    if (!under) return caller.scopePath;
    const unit = await this.runs.unitInScope(caller.tenantId, caller.scopePath, under);
    if (!unit) throw new NotFoundError('Unit', under);
    return unit.path;
  }
}
