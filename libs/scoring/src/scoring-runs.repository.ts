import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { ScoreModelDefinition } from './score-model';
import { bindStage, INSERT_SCORES, INSERT_UNIT_AGGREGATES, stagesFor } from './scoring-sql';

export interface ScoringRunRecord {
  id: string;
  modelId: string;
  modelKey: string;
  modelVersion: number;
  scopeUnitId: string;
  scopePath: string;
  from: string;
  to: string;
  kind: 'yearly' | 'on_demand';
  year: number | null;
  version: number;
  accounts: number;
  vetoed: number;
  triggeredBy: string;
  /** Milliseconds per stage of the computation. */
  timings: Record<string, number>;
  startedAt: Date;
  publishedAt: Date;
}

export interface ScoreRecord {
  accountId: string;
  accountName: string;
  platform: string;
  unitId: string;
  unitName: string;
  level: string;
  sector: string;
  score: number;
  uncapped: number;
  vetoes: string[];
  rankOverall: number;
  rankLevel: number;
  rankSector: number;
  percentileLevel: number;
  percentileSector: number;
  raw: (number | null)[];
  normalised: (number | null)[];
  weights: number[];
  points: number[];
}

export interface UnitAggregateRecord {
  unitId: string;
  unitName: string;
  level: string;
  sector: string;
  accounts: number;
  meanScore: string | null;
  subtreeAccounts: number;
  subtreeMeanScore: string;
  subtreeMinScore: number;
  subtreeMaxScore: number;
  rankLevel: number;
}

export interface NewRun {
  model: { id: string; definition: ScoreModelDefinition };
  scope: { unitId: string; path: string };
  from: string;
  to: string;
  kind: 'yearly' | 'on_demand';
  year: number | null;
  triggeredBy: string;
}

const RUN_COLUMNS = `r.id, r.model_id AS "modelId", m.key AS "modelKey", m.version AS "modelVersion", r.scope_unit_id AS "scopeUnitId",
  r.scope_path::text AS "scopePath", to_char(r.period_from, 'YYYY-MM-DD') AS "from", to_char(r.period_to, 'YYYY-MM-DD') AS "to",
  r.kind, r.year, r.version, r.accounts, r.vetoed, r.triggered_by AS "triggeredBy", r.timings, r.started_at AS "startedAt",
  r.published_at AS "publishedAt"`;
const RUNS = `score_runs r JOIN score_models m ON m.tenant_id = r.tenant_id AND m.id = r.model_id`;
/** A run the caller may read: over its subtree or over one containing it. */
const RUN_VISIBLE = `(r.scope_path <@ $2::ltree OR r.scope_path @> $2::ltree)`;

const SCORE_COLUMNS = `s.account_id AS "accountId", a.name AS "accountName", s.platform, s.unit_id AS "unitId", u.name AS "unitName",
  s.level, s.sector, s.score, s.uncapped, s.vetoes, s.rank_overall AS "rankOverall", s.rank_level AS "rankLevel",
  s.rank_sector AS "rankSector", s.percentile_level AS "percentileLevel", s.percentile_sector AS "percentileSector"`;
const EXPLANATION_COLUMNS = `s.raw, s.normalised, s.weights, s.points`;
const SCORES = `scores s JOIN accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
  JOIN units u ON u.tenant_id = s.tenant_id AND u.id = s.unit_id`;

const AGGREGATE_COLUMNS = `g.unit_id AS "unitId", u.name AS "unitName", g.level, g.sector, g.accounts, g.mean_score AS "meanScore",
  g.subtree_accounts AS "subtreeAccounts", g.subtree_mean_score AS "subtreeMeanScore", g.subtree_min_score AS "subtreeMinScore",
  g.subtree_max_score AS "subtreeMaxScore", g.rank_level AS "rankLevel"`;

/** All SQL of scoring runs: the set-based computation (scoring-sql.ts) and the reads of published results. */
@Injectable()
export class ScoringRunsRepository {
  constructor(private readonly tx: TransactionHost) {}

  /**
   * Computes and publishes a run in the current transaction: the stages, the model, the scores with
   * their ranks, the unit and subtree aggregates, and last the run row with its counts and the time each
   * step took. The version is the next of the runs of the same subtree, period and model (numbered one at
   * a time under a transaction-level lock).
   */
  async publish(tenantId: string, run: NewRun): Promise<ScoringRunRecord> {
    const startedAt = new Date();
    const manager = this.tx.manager;
    const timings: Record<string, number> = {};
    const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const result = await work();
      timings[name] = Math.round((timings[name] ?? 0) + performance.now() - t0);
      return result;
    };
    // A whole tenant's year is minutes of work at national scale: not the API's 30 s statement limit.
    await manager.query(`SET LOCAL statement_timeout = '30min'`);
    await manager.query(`SET LOCAL work_mem = '128MB'`);
    await manager.query(
      `SELECT pg_advisory_xact_lock(hashtextextended('score-run:' || $1 || ':' || $2 || ':' || $3 || ':' || $4 || ':' || $5, 0))`,
      [tenantId, run.scope.path, run.from, run.to, run.model.id],
    );
    const values = [tenantId, run.scope.path, run.from, run.to];
    for (const stage of stagesFor(run.model.definition, run)) {
      const { sql, params } = bindStage(stage.sql, values);
      await step(stage.name, async () => {
        const settings = Object.entries(stage.settings ?? {});
        // Names and values are code constants (scoring-sql.ts), not input.
        for (const [name, value] of settings) await manager.query(`SET LOCAL ${name} = ${value}`);
        await manager.query(sql, params);
        for (const [name] of settings) await manager.query(`SET LOCAL ${name} TO DEFAULT`);
        // Temporary tables have no statistics until analysed; the next stages' joins need them.
        if (stage.analyze) await manager.query(`ANALYZE ${stage.name}`);
      });
    }
    const id = randomUUID();
    await step('scores', () => manager.query(INSERT_SCORES, [tenantId, id, run.model.id]));
    await step('unit_aggregates', () => manager.query(INSERT_UNIT_AGGREGATES, [tenantId, id, run.scope.path]));
    await manager.query(
      `INSERT INTO score_runs (tenant_id, id, model_id, scope_unit_id, scope_path, period_from, period_to, kind, year, version, accounts,
         vetoed, triggered_by, timings, started_at, published_at)
       SELECT $1, $2, $3, $4, $5::ltree, $6, $7, $8, $9,
         (SELECT coalesce(max(version), 0) + 1 FROM score_runs
          WHERE tenant_id = $1 AND scope_path = $5::ltree AND period_from = $6 AND period_to = $7 AND model_id = $3),
         count(*), count(*) FILTER (WHERE cardinality(f.held) > 0), $10, $11, $12,
         -- The run's end, not its transaction's start (now()), which precedes started_at.
         clock_timestamp()
       FROM sc_final f`,
      [
        tenantId,
        id,
        run.model.id,
        run.scope.unitId,
        run.scope.path,
        run.from,
        run.to,
        run.kind,
        run.year,
        run.triggeredBy,
        JSON.stringify(timings),
        startedAt,
      ],
    );
    return (await this.getRun(tenantId, run.scope.path, id))!;
  }

  async getRun(tenantId: string, scopePath: string, id: string): Promise<ScoringRunRecord | undefined> {
    const rows: ScoringRunRecord[] = await this.tx.manager.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUNS} WHERE r.tenant_id = $1 AND ${RUN_VISIBLE} AND r.id = $3`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  /** Newest first; `after` is the last row of the previous page. */
  async listRuns(
    tenantId: string,
    scopePath: string,
    filter: { kind?: string; year?: number },
    limit: number,
    after?: { publishedAt: string; id: string },
  ): Promise<ScoringRunRecord[]> {
    return this.tx.manager.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUNS}
       WHERE r.tenant_id = $1 AND ${RUN_VISIBLE} AND ($3::text IS NULL OR r.kind = $3) AND ($4::int IS NULL OR r.year = $4)
         AND ($5::timestamptz IS NULL OR (r.published_at, r.id) < ($5::timestamptz, $6::uuid))
       ORDER BY r.published_at DESC, r.id DESC LIMIT $7`,
      [tenantId, scopePath, filter.kind ?? null, filter.year ?? null, after?.publishedAt ?? null, after?.id ?? null, limit],
    );
  }

  /** The latest yearly run of a year with a model, if any (the scheduled assessment publishes one per year). */
  async yearlyRun(tenantId: string, scopePath: string, year: number, modelId: string): Promise<ScoringRunRecord | undefined> {
    const rows: ScoringRunRecord[] = await this.tx.manager.query(
      `SELECT ${RUN_COLUMNS} FROM ${RUNS}
       WHERE r.tenant_id = $1 AND r.scope_path = $2::ltree AND r.kind = 'yearly' AND r.year = $3 AND r.model_id = $4
       ORDER BY r.version DESC LIMIT 1`,
      [tenantId, scopePath, year, modelId],
    );
    return rows[0];
  }

  /**
   * One page of a ranking within a level or a sector, by rank then account; only the caller's subtree
   * (`subtreePath`), the ranks being the run's.
   */
  async ranking(
    tenantId: string,
    subtreePath: string,
    runId: string,
    by: { column: 'level' | 'sector'; value: string },
    withExplanation: boolean,
    limit: number,
    after?: { rank: number; accountId: string },
  ): Promise<ScoreRecord[]> {
    const rank = by.column === 'level' ? 's.rank_level' : 's.rank_sector';
    return this.tx.manager.query(
      `SELECT ${SCORE_COLUMNS}${withExplanation ? `, ${EXPLANATION_COLUMNS}` : ''} FROM ${SCORES}
       WHERE s.tenant_id = $1 AND u.path <@ $2::ltree AND s.run_id = $3 AND s.${by.column} = $4
         AND ($5::int IS NULL OR (${rank}, s.account_id) > ($5::int, $6::uuid))
       ORDER BY ${rank}, s.account_id LIMIT $7`,
      [tenantId, subtreePath, runId, by.value, after?.rank ?? null, after?.accountId ?? null, limit],
    );
  }

  async score(tenantId: string, subtreePath: string, runId: string, accountId: string): Promise<ScoreRecord | undefined> {
    const rows: ScoreRecord[] = await this.tx.manager.query(
      `SELECT ${SCORE_COLUMNS}, ${EXPLANATION_COLUMNS} FROM ${SCORES}
       WHERE s.tenant_id = $1 AND u.path <@ $2::ltree AND s.run_id = $3 AND s.account_id = $4`,
      [tenantId, subtreePath, runId, accountId],
    );
    return rows[0];
  }

  async unitAggregates(
    tenantId: string,
    subtreePath: string,
    runId: string,
    level: string,
    limit: number,
    after?: { rank: number; unitId: string },
  ): Promise<UnitAggregateRecord[]> {
    return this.tx.manager.query(
      `SELECT ${AGGREGATE_COLUMNS} FROM score_unit_aggregates g JOIN units u ON u.tenant_id = g.tenant_id AND u.id = g.unit_id
       WHERE g.tenant_id = $1 AND u.path <@ $2::ltree AND g.run_id = $3 AND g.level = $4
         AND ($5::int IS NULL OR (g.rank_level, g.unit_id) > ($5::int, $6::uuid))
       ORDER BY g.rank_level, g.unit_id LIMIT $7`,
      [tenantId, subtreePath, runId, level, after?.rank ?? null, after?.unitId ?? null, limit],
    );
  }

  async unitAggregate(tenantId: string, subtreePath: string, runId: string, unitId: string): Promise<UnitAggregateRecord | undefined> {
    const rows: UnitAggregateRecord[] = await this.tx.manager.query(
      `SELECT ${AGGREGATE_COLUMNS} FROM score_unit_aggregates g JOIN units u ON u.tenant_id = g.tenant_id AND u.id = g.unit_id
       WHERE g.tenant_id = $1 AND u.path <@ $2::ltree AND g.run_id = $3 AND g.unit_id = $4`,
      [tenantId, subtreePath, runId, unitId],
    );
    return rows[0];
  }

  /** The unit whose path is the scope (the root of a caller's subtree). */
  async unitAt(tenantId: string, path: string): Promise<{ id: string; path: string } | undefined> {
    const rows: { id: string; path: string }[] = await this.tx.manager.query(
      `SELECT id, path::text AS path FROM units WHERE tenant_id = $1 AND path = $2::ltree`,
      [tenantId, path],
    );
    return rows[0];
  }

  /** A unit of the caller's subtree. */
  async unitInScope(tenantId: string, scopePath: string, id: string): Promise<{ id: string; path: string } | undefined> {
    const rows: { id: string; path: string }[] = await this.tx.manager.query(
      `SELECT id, path::text AS path FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND id = $3`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }
}
