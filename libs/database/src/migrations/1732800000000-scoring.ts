import { MigrationInterface, QueryRunner } from 'typeorm';

/** The units of the caller's subtree, as the reporting and ledger policies have always written it. */
const SUBTREE_UNITS = `ARRAY(SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())`;

/**
 * A unit-owned row is visible when its unit is in the caller's subtree. The policies of the ledger and
 * reporting tables say `unit_id = ANY(ARRAY(subtree units))`, which as a filter is a linear search of
 * the array for every row: a whole-tenant scan of 3.65M metric rows took 60 s instead of 1 s with 3,500
 * units (and grows with the units), a city's scan 10 s; as an index condition inside a nested loop the
 * array is re-sorted on every loop (5.4 s instead of 0.08 s to join 10,000 accounts to their units).
 * So: when the scope is the tenant's root (the tenant admin, the scheduled jobs) every unit is in it and
 * nothing is searched — the scalar subquery runs once per statement (an InitPlan); otherwise `unit_id
 * IN (subtree units)` inside the OR stays a hashed subplan, one hash probe per row (the city's scan:
 * 1.5 s). Queries that reach rows by their own keys (an account's days) keep their index scans.
 */
const unitScopedFast = (table: string): string => {
  const rule = `tenant_id = app_tenant_id() AND ((SELECT app_scope_is_tenant_root()) OR unit_id IN (
    SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path()))`;
  return `CREATE POLICY ${table}_scope ON ${table} USING (${rule}) WITH CHECK (${rule})`;
};

/** Existing unit-owned tables (ledger, reporting) whose policies get the root-scope fast path. */
const FAST_PATH_TABLES = ['accounts', 'findings', 'daily_metrics', 'interactions'];

/** Rows that concern a subtree (a run, a repost task): seen from inside that subtree and from above it. */
const subtreeShared = (table: string): string => `
  CREATE POLICY ${table}_scope ON ${table}
  USING (tenant_id = app_tenant_id() AND (scope_path <@ app_scope_path() OR scope_path @> app_scope_path()))
  WITH CHECK (tenant_id = app_tenant_id() AND scope_path <@ app_scope_path())`;

const ORIGINAL_POLICY = (table: string): string => `
  CREATE POLICY ${table}_scope ON ${table}
  USING (tenant_id = app_tenant_id() AND unit_id = ANY (${SUBTREE_UNITS}))
  WITH CHECK (tenant_id = app_tenant_id() AND unit_id = ANY (${SUBTREE_UNITS}))`;

/**
 * Scoring (SPEC §4): score models as immutable versions per tenant, published runs with every account's
 * score, explanation and ranks, unit and subtree aggregates, and repost tasks (转发任务).
 *
 * Published results never change: models, runs, scores and aggregates are INSERT-only for the app role
 * and refuse UPDATE/DELETE/TRUNCATE by trigger, even for the owner. A re-run is a new run (a new
 * version of the same scope, period and model).
 */
export class Scoring1732800000000 implements MigrationInterface {
  name = 'Scoring1732800000000';

  async up(q: QueryRunner): Promise<void> {
    // Whether the transaction's scope is its tenant's root (units' own policy applies inside).
    await q.query(`
      CREATE FUNCTION app_scope_is_tenant_root() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT EXISTS (SELECT 1 FROM units r
                       WHERE r.tenant_id = app_tenant_id() AND r.parent_id IS NULL AND r.path = app_scope_path())
      $$`);
    // Scoring reads a tenant's whole ledger, year of metrics and interactions under the root scope.
    for (const table of FAST_PATH_TABLES) {
      await q.query(`DROP POLICY ${table}_scope ON ${table}`);
      await q.query(unitScopedFast(table));
    }

    await q.query(`
      CREATE TABLE score_models (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        key text NOT NULL CHECK (key ~ '^[a-z][a-z0-9_-]{1,39}$'),
        version integer NOT NULL CHECK (version >= 1),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description text CHECK (length(description) <= 2000),
        preset text CHECK (preset ~ '^[a-z][a-z0-9_]{1,39}$'),
        definition jsonb NOT NULL,
        created_by_kind text NOT NULL,
        created_by uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, key, version)
      )`);

    await q.query(`
      CREATE TABLE score_runs (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        model_id uuid NOT NULL,
        scope_unit_id uuid NOT NULL,
        scope_path ltree NOT NULL,
        period_from date NOT NULL,
        period_to date NOT NULL,
        kind text NOT NULL CHECK (kind IN ('yearly', 'on_demand')),
        year integer CHECK (year BETWEEN 2000 AND 2100),
        version integer NOT NULL CHECK (version >= 1),
        accounts integer NOT NULL CHECK (accounts >= 0),
        vetoed integer NOT NULL CHECK (vetoed >= 0),
        triggered_by text NOT NULL,
        timings jsonb NOT NULL DEFAULT '{}'::jsonb,
        started_at timestamptz NOT NULL,
        published_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, scope_path, period_from, period_to, model_id, version),
        FOREIGN KEY (tenant_id, model_id) REFERENCES score_models (tenant_id, id),
        FOREIGN KEY (tenant_id, scope_unit_id) REFERENCES units (tenant_id, id),
        CHECK (period_from <= period_to),
        CHECK ((kind = 'yearly') = (year IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX score_runs_published ON score_runs (tenant_id, published_at DESC, id DESC)`);
    await q.query(`CREATE INDEX score_runs_yearly ON score_runs (tenant_id, year) WHERE kind = 'yearly'`);

    // One row per account and run. The explanation is four arrays in the order of the model's terms
    // (index by index, indicator by indicator): points = weights × normalised, and the points summed in
    // order are the uncapped score, to the last bit (float8 throughout, so re-runs reproduce it).
    // No foreign key to score_runs: the run row is written last, in the same transaction (with its counts
    // and timings), and a per-row key check would cost more than the rest of the insert.
    await q.query(`
      CREATE TABLE scores (
        tenant_id uuid NOT NULL,
        run_id uuid NOT NULL,
        account_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        model_id uuid NOT NULL,
        level text NOT NULL,
        sector text NOT NULL,
        platform text NOT NULL,
        score double precision NOT NULL,
        uncapped double precision NOT NULL,
        vetoes text[] NOT NULL,
        rank_overall integer NOT NULL,
        rank_level integer NOT NULL,
        rank_sector integer NOT NULL,
        percentile_level double precision NOT NULL,
        percentile_sector double precision NOT NULL,
        raw double precision[] NOT NULL,
        normalised double precision[] NOT NULL,
        weights double precision[] NOT NULL,
        points double precision[] NOT NULL,
        PRIMARY KEY (tenant_id, run_id, account_id)
      )`);
    await q.query(`CREATE INDEX scores_level_rank ON scores (tenant_id, run_id, level, rank_level, account_id)`);
    await q.query(`CREATE INDEX scores_sector_rank ON scores (tenant_id, run_id, sector, rank_sector, account_id)`);

    await q.query(`
      CREATE TABLE score_unit_aggregates (
        tenant_id uuid NOT NULL,
        run_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        level text NOT NULL,
        sector text NOT NULL,
        accounts integer NOT NULL,
        mean_score numeric,
        subtree_accounts integer NOT NULL,
        subtree_mean_score numeric NOT NULL,
        subtree_min_score double precision NOT NULL,
        subtree_max_score double precision NOT NULL,
        rank_level integer NOT NULL,
        PRIMARY KEY (tenant_id, run_id, unit_id)
      )`);
    await q.query(`CREATE INDEX score_unit_aggregates_rank ON score_unit_aggregates (tenant_id, run_id, level, rank_level, unit_id)`);

    await q.query(`
      CREATE FUNCTION scoring_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is immutable once published (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['score_models', 'score_runs', 'scores', 'score_unit_aggregates']) {
      await q.query(
        `CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION scoring_refuse_change()`,
      );
      await q.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION scoring_refuse_change()`,
      );
    }

    // 转发任务: the accounts of a subtree must repost a designated post by a deadline. The names are those
    // at issue (the designating account is often a superior's, which the subtree's users cannot read).
    await q.query(`
      CREATE TABLE repost_tasks (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL,
        scope_path ltree NOT NULL,
        unit_name text NOT NULL,
        account_id uuid NOT NULL,
        account_name text,
        post_id text NOT NULL CHECK (length(post_id) BETWEEN 1 AND 200),
        title text CHECK (length(title) BETWEEN 1 AND 500),
        issued_on date NOT NULL,
        deadline date NOT NULL,
        created_by_kind text NOT NULL,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        cancelled_at timestamptz,
        cancelled_by uuid,
        cancel_reason text CHECK (length(cancel_reason) BETWEEN 1 AND 2000),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
        CHECK (deadline >= issued_on),
        CHECK ((cancelled_at IS NULL) = (cancelled_by IS NULL))
      )`);
    await q.query(`CREATE INDEX repost_tasks_deadline ON repost_tasks (tenant_id, deadline)`);
    // Completion of a task: an account's reposts of one post of one account.
    await q.query(`
      CREATE INDEX interactions_reposts_of_post ON interactions (tenant_id, target_account_id, target_post_id, source_account_id, day)
      WHERE kind = 'repost' AND target_post_id IS NOT NULL`);
    await q.query(`CREATE INDEX repost_tasks_created ON repost_tasks (tenant_id, created_at DESC, id DESC)`);

    await q.query(`ALTER TABLE score_models ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY score_models_scope ON score_models
      USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    for (const table of ['score_runs', 'repost_tasks']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      await q.query(subtreeShared(table));
    }
    for (const table of ['scores', 'score_unit_aggregates']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      await q.query(unitScopedFast(table));
    }

    await q.query(`GRANT SELECT, INSERT ON score_models, score_runs, scores, score_unit_aggregates TO govmatrix_app`);
    await q.query(`GRANT SELECT, INSERT ON repost_tasks TO govmatrix_app`);
    await q.query(`GRANT UPDATE (cancelled_at, cancelled_by, cancel_reason) ON repost_tasks TO govmatrix_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interactions_reposts_of_post`);
    await q.query(`DROP TABLE repost_tasks, score_unit_aggregates, scores, score_runs, score_models`);
    await q.query(`DROP FUNCTION scoring_refuse_change()`);
    for (const table of FAST_PATH_TABLES) {
      await q.query(`DROP POLICY ${table}_scope ON ${table}`);
      await q.query(ORIGINAL_POLICY(table));
    }
    await q.query(`DROP FUNCTION app_scope_is_tenant_root()`);
  }
}
