import { MigrationInterface, QueryRunner } from 'typeorm';

/** Partitions of the rollup, by a hash of the tenant. */
const ROLLUP_PARTITIONS = 32;

/** A rollup row's key: an account's days of one month, under the unit that reported them. */
const KEY = ['tenant_id', 'account_id', 'unit_id', 'month'];

/**
 * What the scoring reads of a month, as aggregates of daily_metrics rows (alias m). Sums and counts add
 * up across rows and months; peaks and the followers key (the latest day's followers packed with its day,
 * as the scoring's followers_key) combine by greatest(). Nullable sums stay NULL while every day is NULL.
 */
const SUMS: Record<string, string> = {
  days: 'count(*)',
  post_days: 'count(*) FILTER (WHERE m.posts > 0)',
  posts: 'sum(m.posts)',
  originals: 'sum(m.originals)',
  reposts: 'sum(m.reposts)',
  comments: 'sum(m.comments)',
  likes: 'sum(m.likes)',
  reads: 'sum(m.reads)',
  new_followers: 'sum(m.new_followers)',
  posts_government: 'sum(m.posts_government)',
  posts_livelihood: 'sum(m.posts_livelihood)',
  posts_b_class: 'sum(m.posts_b_class)',
};
const PEAKS: Record<string, string> = {
  peak_reads: 'max(m.reads)',
  peak_likes: 'max(m.likes)',
  followers_key: `max(((m.day - DATE '2000-01-01')::bigint << 40) | m.followers)`,
};
const NULLABLE_SUMS = new Set(['reads']);
const COLUMNS = [...KEY, ...Object.keys(SUMS), ...Object.keys(PEAKS)];

/**
 * The month rows of the daily_metrics rows in `source` (alias m), grouped by key; in key order when they
 * are written beside concurrent writers (the order their row locks are taken in).
 */
const aggregateOf = (source: string, ordered = true): string => `
  SELECT m.tenant_id, m.account_id, m.unit_id, date_trunc('month', m.day)::date,
         ${[...Object.values(SUMS), ...Object.values(PEAKS)].join(', ')}
  FROM ${source}
  GROUP BY 1, 2, 3, 4${ordered ? ' ORDER BY 1, 2, 3, 4' : ''}`;

const ADDED = `
  INSERT INTO public.daily_metrics_monthly AS r (${COLUMNS.join(', ')})
  ${aggregateOf('added m')}
  ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET
    ${Object.keys(SUMS)
      .map((c) =>
        NULLABLE_SUMS.has(c)
          ? `${c} = CASE WHEN r.${c} IS NULL THEN EXCLUDED.${c} ELSE r.${c} + coalesce(EXCLUDED.${c}, 0) END`
          : `${c} = r.${c} + EXCLUDED.${c}`,
      )
      .join(',\n    ')},
    ${Object.keys(PEAKS)
      .map((c) => `${c} = greatest(r.${c}, EXCLUDED.${c})`)
      .join(',\n    ')}`;

/**
 * Corrections and deletions only mark the months they touch (a lowered value may have been a month's peak,
 * which no increment can undo): an append-only row each, no unique key, so a writer never waits on
 * another's marks. Recounting in the writer's transaction instead deadlocked under concurrent batches
 * that mixed new days and corrections of the same months (their row locks taken in two sets).
 */
const markStale = (tables: string[]): string => `
  INSERT INTO public.daily_metrics_monthly_stale (tenant_id, account_id, unit_id, month)
  SELECT DISTINCT tenant_id, account_id, unit_id, date_trunc('month', day)::date
  FROM (${tables.map((t) => `SELECT tenant_id, account_id, unit_id, day FROM ${t}`).join(' UNION ALL ')}) touched;`;

/**
 * daily_metrics_monthly_refresh(tenant): the months marked stale that the caller sees (row-level security),
 * recounted from daily_metrics; readers of the rollup call it first, in their transaction. The marks are
 * claimed (deleted), then the month rows are locked in key order (a report's increments take them in that
 * order) and only then recounted, each statement with a fresh snapshot: the recount includes every
 * committed day, and a report still in flight adds its days on top once the refresh commits. Rows are
 * updated in place, so a writer waiting on one follows it; a month whose days are all gone loses its row.
 */
const REFRESH = `
  CREATE TEMP TABLE IF NOT EXISTS daily_metrics_monthly_claimed (tenant_id uuid, account_id uuid, unit_id uuid, month date) ON COMMIT DROP;
  TRUNCATE daily_metrics_monthly_claimed;
  WITH claimed AS (
    DELETE FROM public.daily_metrics_monthly_stale s WHERE s.tenant_id = p_tenant_id
    RETURNING s.tenant_id, s.account_id, s.unit_id, s.month
  )
  INSERT INTO daily_metrics_monthly_claimed SELECT DISTINCT * FROM claimed;
  GET DIAGNOSTICS recounted = ROW_COUNT;
  IF recounted = 0 THEN
    RETURN 0;
  END IF;
  PERFORM 1 FROM public.daily_metrics_monthly r JOIN daily_metrics_monthly_claimed k USING (${KEY.join(', ')})
  ORDER BY r.tenant_id, r.account_id, r.unit_id, r.month FOR UPDATE OF r;
  INSERT INTO public.daily_metrics_monthly (${COLUMNS.join(', ')})
  ${aggregateOf(`public.daily_metrics m JOIN daily_metrics_monthly_claimed k
    ON m.tenant_id = k.tenant_id AND m.account_id = k.account_id AND m.unit_id = k.unit_id
   AND m.day >= k.month AND m.day < (k.month + interval '1 month')::date`)}
  ON CONFLICT (${KEY.join(', ')}) DO UPDATE SET
    ${[...Object.keys(SUMS), ...Object.keys(PEAKS)].map((c) => `${c} = EXCLUDED.${c}`).join(',\n    ')};
  DELETE FROM public.daily_metrics_monthly r USING daily_metrics_monthly_claimed k
  WHERE r.tenant_id = k.tenant_id AND r.account_id = k.account_id AND r.unit_id = k.unit_id AND r.month = k.month
    AND NOT EXISTS (SELECT 1 FROM public.daily_metrics m
                    WHERE m.tenant_id = k.tenant_id AND m.account_id = k.account_id AND m.unit_id = k.unit_id
                      AND m.day >= k.month AND m.day < (k.month + interval '1 month')::date);
  RETURN recounted;`;

/**
 * daily_metrics_monthly: every account's month of metrics, kept by statement triggers on daily_metrics
 * in the same transaction as the rows (a report adds its days; a correction or deletion marks the months
 * it touched, recounted by daily_metrics_monthly_refresh before the rollup is read). The yearly scoring reads a tenant's ~12 rows per account instead of ~365: the
 * year's scan of 104M rows, interleaved day after day with every other tenant's, was two thirds of a
 * national run (docs/BENCHMARKS.md).
 *
 * Row-level security as daily_metrics (unit-scoped, root-scope fast path); the triggers run as the
 * writer, whose policies already admitted the rows. daily_metrics_monthly_rebuild() recounts every month
 * from scratch: the backfill here, and the benchmark's bulk load (which loads with the triggers off).
 */
export class MetricsMonthlyRollup1732990000000 implements MigrationInterface {
  name = 'MetricsMonthlyRollup1732990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE daily_metrics_monthly (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        month date NOT NULL CHECK (month = date_trunc('month', month)::date),
        days integer NOT NULL CHECK (days BETWEEN 1 AND 31),
        post_days integer NOT NULL,
        posts bigint NOT NULL,
        originals bigint NOT NULL,
        reposts bigint NOT NULL,
        comments bigint NOT NULL,
        likes bigint NOT NULL,
        reads bigint,
        new_followers bigint NOT NULL,
        posts_government bigint NOT NULL,
        posts_livelihood bigint NOT NULL,
        posts_b_class bigint NOT NULL,
        peak_reads bigint,
        peak_likes integer NOT NULL,
        followers_key bigint,
        PRIMARY KEY (tenant_id, account_id, unit_id, month)
      ) PARTITION BY HASH (tenant_id)`);
    // Reports create a month's rows day after day, every tenant's interleaved: unpartitioned, a tenant's year
    // lay on every page of the year, and each tenant's run read them all (sc_metrics 4.5 s with the rows in
    // tenant order, 15.7 s without, at national scale). Hashed by tenant, a run reads its partition only.
    // Updated in place by the increments: room on each page for HOT updates.
    for (let i = 0; i < ROLLUP_PARTITIONS; i++) {
      await q.query(`
        CREATE TABLE daily_metrics_monthly_p${i} PARTITION OF daily_metrics_monthly
        FOR VALUES WITH (MODULUS ${ROLLUP_PARTITIONS}, REMAINDER ${i}) WITH (fillfactor = 70)`);
      // Reached only through the parent (whose policy applies); closed to direct reads all the same.
      await q.query(`ALTER TABLE daily_metrics_monthly_p${i} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    }
    // Scoring reads a tenant's months of a period; the key's account order would scan the whole tenant.
    await q.query(`CREATE INDEX daily_metrics_monthly_month ON daily_metrics_monthly (tenant_id, month)`);

    const rule = `tenant_id = app_tenant_id() AND ((SELECT app_scope_is_tenant_root()) OR unit_id IN (
      SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path()))`;
    await q.query(`ALTER TABLE daily_metrics_monthly ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY daily_metrics_monthly_scope ON daily_metrics_monthly USING (${rule}) WITH CHECK (${rule})`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON daily_metrics_monthly TO govmatrix_app`);

    await q.query(`
      CREATE TABLE daily_metrics_monthly_stale (
        tenant_id uuid NOT NULL,
        id bigint GENERATED ALWAYS AS IDENTITY,
        account_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        month date NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`ALTER TABLE daily_metrics_monthly_stale ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY daily_metrics_monthly_stale_scope ON daily_metrics_monthly_stale USING (${rule}) WITH CHECK (${rule})`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON daily_metrics_monthly_stale TO govmatrix_app`);

    await q.query(`
      CREATE FUNCTION daily_metrics_monthly_add() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${ADDED};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION daily_metrics_monthly_mark_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${markStale(['replaced', 'replacing'])}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION daily_metrics_monthly_mark_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${markStale(['removed'])}
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION daily_metrics_monthly_refresh(p_tenant_id uuid) RETURNS integer LANGUAGE plpgsql AS $$
      DECLARE
        recounted integer;
      BEGIN
        ${REFRESH}
      END $$`);
    await q.query(`
      CREATE TRIGGER daily_metrics_monthly_add AFTER INSERT ON daily_metrics
      REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION daily_metrics_monthly_add()`);
    await q.query(`
      CREATE TRIGGER daily_metrics_monthly_mark_updated AFTER UPDATE ON daily_metrics
      REFERENCING OLD TABLE AS replaced NEW TABLE AS replacing FOR EACH STATEMENT EXECUTE FUNCTION daily_metrics_monthly_mark_updated()`);
    await q.query(`
      CREATE TRIGGER daily_metrics_monthly_mark_deleted AFTER DELETE ON daily_metrics
      REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION daily_metrics_monthly_mark_deleted()`);
    // TRUNCATE fires no row or statement trigger of DELETE: empty the months with the days.
    await q.query(`
      CREATE FUNCTION daily_metrics_monthly_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        TRUNCATE public.daily_metrics_monthly, public.daily_metrics_monthly_stale;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER daily_metrics_monthly_truncate AFTER TRUNCATE ON daily_metrics
      FOR EACH STATEMENT EXECUTE FUNCTION daily_metrics_monthly_truncate()`);

    // Every month recounted from daily_metrics; the owner's tool (no grant to the app role). Alone on the
    // emptied table: no lock order to keep, and memory for a hash aggregate of every month (not a sort of every day).
    await q.query(`
      CREATE FUNCTION daily_metrics_monthly_rebuild() RETURNS bigint LANGUAGE plpgsql SET work_mem = '256MB' AS $$
      DECLARE
        written bigint;
      BEGIN
        TRUNCATE public.daily_metrics_monthly, public.daily_metrics_monthly_stale;
        INSERT INTO public.daily_metrics_monthly (${COLUMNS.join(', ')})
        ${aggregateOf('public.daily_metrics m', false)};
        GET DIAGNOSTICS written = ROW_COUNT;
        RETURN written;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION daily_metrics_monthly_rebuild() FROM PUBLIC`);
    // The owner is subject to daily_metrics' forced policies too; the backfill reads every tenant's rows.
    await q.query(`ALTER TABLE daily_metrics NO FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE daily_metrics_monthly NO FORCE ROW LEVEL SECURITY`);
    await q.query(`SELECT daily_metrics_monthly_rebuild()`);
    await q.query(`ALTER TABLE daily_metrics FORCE ROW LEVEL SECURITY`);
    await q.query(`ALTER TABLE daily_metrics_monthly FORCE ROW LEVEL SECURITY`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const trigger of ['add', 'mark_updated', 'mark_deleted', 'truncate']) {
      await q.query(`DROP TRIGGER daily_metrics_monthly_${trigger} ON daily_metrics`);
      await q.query(`DROP FUNCTION daily_metrics_monthly_${trigger}()`);
    }
    await q.query(`DROP FUNCTION daily_metrics_monthly_rebuild(), daily_metrics_monthly_refresh(uuid)`);
    await q.query(`DROP TABLE daily_metrics_monthly_stale, daily_metrics_monthly`);
  }
}
