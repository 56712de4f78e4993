import { IndicatorKey, ModelTerm, ScoreModelDefinition, termsOf } from './score-model';

/**
 * The SQL of a scoring run, set-based from the first statement to the last. Every stage is a temporary
 * table of the run's transaction (ON COMMIT DROP), keyed by account:
 *
 *   sc_accounts  the accounts of the subtree that existed during the period, with unit, level, sector
 *   (months_refresh: the months corrections marked stale, recounted — daily_metrics_monthly_refresh)
 *   sc_metrics   one scan of daily_metrics: per account sums of the period and of the same period a
 *                year before (CREATE TABLE AS, so PostgreSQL runs it with parallel workers)
 *   sc_pairs     interactions of the period summed per (source, target), with both accounts' units
 *   sc_superiors every unit's superiors: tree ancestors and the sector-parent chain
 *   sc_links     per account: reposts it made, upper interaction, lower linkage
 *   sc_coverage  per unit: share of subordinate units with a live account
 *   sc_task_list, sc_task_reposts  repost tasks due in the period, and the reposts of their posts
 *   sc_tasks     per account: repost tasks due in the period, and those completed by the deadline
 *   sc_vetoes    per account: the veto conditions that held during the period
 *   sc_final     every indicator's raw value (NULL = not applicable) and the model applied to them,
 *                generated from the model version (see modelSql)
 *
 * Parameters of the stages: $1 tenant, $2 subtree path, $3 first day, $4 last day.
 */

/** Followers at the period's end: the value of the latest day with a value, packed with its day into one max(). */
const FOLLOWERS_MASK = '1099511627775';

type MetricColumn =
  | 'posts'
  | 'post_days'
  | 'originals'
  | 'reposts'
  | 'comments'
  | 'likes'
  | 'reads'
  | 'peak_reads'
  | 'peak_likes'
  | 'new_followers'
  | 'posts_government'
  | 'posts_livelihood'
  | 'posts_b_class'
  | 'followers_key';

/**
 * How each metric is read: per day from daily_metrics (m), per month from daily_metrics_monthly (r), and
 * how days and months combine into the period's value (sums add up; peaks and the followers key take the
 * greatest).
 */
const METRIC_SOURCES: Record<MetricColumn, { day: string; month: string; combine: 'sum' | 'max' }> = {
  posts: { day: 'm.posts', month: 'r.posts', combine: 'sum' },
  post_days: { day: '(m.posts > 0)::int', month: 'r.post_days', combine: 'sum' },
  originals: { day: 'm.originals', month: 'r.originals', combine: 'sum' },
  reposts: { day: 'm.reposts', month: 'r.reposts', combine: 'sum' },
  comments: { day: 'm.comments', month: 'r.comments', combine: 'sum' },
  likes: { day: 'm.likes', month: 'r.likes', combine: 'sum' },
  reads: { day: 'm.reads', month: 'r.reads', combine: 'sum' },
  peak_reads: { day: 'm.reads', month: 'r.peak_reads', combine: 'max' },
  peak_likes: { day: 'm.likes', month: 'r.peak_likes', combine: 'max' },
  new_followers: { day: 'm.new_followers', month: 'r.new_followers', combine: 'sum' },
  posts_government: { day: 'm.posts_government', month: 'r.posts_government', combine: 'sum' },
  posts_livelihood: { day: 'm.posts_livelihood', month: 'r.posts_livelihood', combine: 'sum' },
  posts_b_class: { day: 'm.posts_b_class', month: 'r.posts_b_class', combine: 'sum' },
  followers_key: { day: `((m.day - DATE '2000-01-01')::bigint << 40) | m.followers`, month: 'r.followers_key', combine: 'max' },
};

/** What each indicator needs: metric sums, the same period a year before, and the matrix stages. */
interface Needs {
  metrics?: MetricColumn[];
  previousYear?: boolean;
  links?: boolean;
  coverage?: boolean;
  superiors?: boolean;
  tasks?: boolean;
}

const NEEDS: Record<IndicatorKey, Needs> = {
  engagement: { metrics: ['reposts', 'comments', 'likes'] },
  reposts: { metrics: ['reposts'] },
  comments: { metrics: ['comments'] },
  likes: { metrics: ['likes'] },
  comment_repost_ratio: { metrics: ['comments', 'reposts'] },
  followers: { metrics: ['followers_key'] },
  verified_days: {},
  active_followers: { metrics: ['followers_key', 'reposts', 'comments', 'likes'] },
  posts: { metrics: ['posts'] },
  post_days: { metrics: ['post_days'] },
  originals: { metrics: ['originals'] },
  reposts_of_gov: { links: true, superiors: true },
  original_share: { metrics: ['originals', 'posts'] },
  daily_new_followers_ratio: { metrics: ['new_followers'] },
  posts_yoy_ratio: { metrics: ['posts'], previousYear: true },
  originals_yoy_ratio: { metrics: ['originals'], previousYear: true },
  engagement_yoy_ratio: { metrics: ['reposts', 'comments', 'likes'], previousYear: true },
  government_share: { metrics: ['posts_government', 'posts'] },
  livelihood_share: { metrics: ['posts_livelihood', 'posts'] },
  b_class_share: { metrics: ['posts_b_class', 'posts'] },
  coverage: { coverage: true },
  upper_interaction: { links: true, superiors: true },
  lower_linkage: { links: true, superiors: true, coverage: true },
  repost_task_completion: { tasks: true },
  reads_per_day: { metrics: ['reads'] },
  likes_per_day: { metrics: ['likes'] },
  reads_per_post: { metrics: ['reads', 'posts'] },
  likes_per_post: { metrics: ['likes', 'posts'] },
  peak_day_reads: { metrics: ['peak_reads'] },
  peak_day_likes: { metrics: ['peak_likes'] },
};

const ACCOUNTS_STAGE = `
  CREATE TEMP TABLE sc_accounts ON COMMIT DROP AS
  SELECT a.id AS account_id, a.unit_id, u.path, u.level, u.sector, a.platform, a.verified_on, a.status, a.opened_on, a.closed_on
  FROM accounts a JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
  WHERE a.tenant_id = $1 AND u.path <@ $2::ltree AND a.opened_on <= $4::date
    AND (a.closed_on IS NULL OR a.closed_on >= $3::date)`;

interface Period {
  from: string;
  to: string;
}

/** A period as the whole months the rollup holds and the days outside them (first to last, inclusive). */
export interface PeriodReads {
  months?: [string, string];
  days: [string, string][];
}

export function periodReads(from: string, to: string): PeriodReads {
  const start = from.endsWith('-01') ? from : monthAfter(from);
  const next = dayAfter(to);
  const end = next.endsWith('-01') ? next : `${to.slice(0, 8)}01`;
  if (start >= end) return { days: [[from, to]] };
  const days: [string, string][] = [];
  if (from < start) days.push([from, dayBefore(start)]);
  if (end <= to) days.push([end, to]);
  return { months: [start, `${dayBefore(end).slice(0, 8)}01`], days };
}

/**
 * The period's metrics per account (and, with year-on-year indicators, the same period a year before,
 * cur = false): whole months from daily_metrics_monthly, kept at ingest, and only the days of partial
 * months from daily_metrics — a calendar year reads ~12 rows per account instead of ~365. The subtree is
 * applied by joining sc_accounts later: a subtree condition here turned into a nested loop over the
 * units' index; row-level security already narrows a subtree caller's rows.
 */
function metricsStage(columns: MetricColumn[], periods: Period[]): string {
  // Every model reads at least one column; a row of the year before exists when the account reported then.
  const used = columns.length > 0 ? columns : (['posts'] as MetricColumn[]);
  const aggregates = used.map((c) => `${METRIC_SOURCES[c].combine}(s.${c})${c === 'followers_key' ? '' : '::float8'} AS ${c}`).join(', ');
  const split = periods.length > 1;
  const reads = periods.map((p) => periodReads(p.from, p.to));
  const months = reads.flatMap((p) => (p.months ? [p.months] : []));
  const days = reads.flatMap((p) => p.days);
  const between = (column: string, ranges: [string, string][]) =>
    ranges.map(([first, last]) => `${column} BETWEEN ${dateLiteral(first)} AND ${dateLiteral(last)}`).join(' OR ');
  const branches: string[] = [];
  if (months.length > 0) {
    branches.push(`
        SELECT r.account_id, ${split ? `r.month >= ${dateLiteral(periods[0].from)}` : 'true'} AS cur, ${used.map((c) => `${METRIC_SOURCES[c].month} AS ${c}`).join(', ')}
        FROM daily_metrics_monthly r WHERE r.tenant_id = $1 AND (${between('r.month', months)})`);
  }
  if (days.length > 0) {
    branches.push(`
        SELECT m.account_id, ${split ? `m.day >= ${dateLiteral(periods[0].from)}` : 'true'} AS cur, ${used.map((c) => `${METRIC_SOURCES[c].day} AS ${c}`).join(', ')}
        FROM daily_metrics m WHERE m.tenant_id = $1 AND (${between('m.day', days)})`);
  }
  return `
      CREATE TEMP TABLE sc_metrics ON COMMIT DROP AS
      SELECT s.account_id, s.cur, ${aggregates}
      FROM (${branches.join('\n        UNION ALL')}) s
      GROUP BY s.account_id, s.cur`;
}

/** Interactions of the period per (source, target), with both accounts' units. */
const PAIRS_STAGE = `
  CREATE TEMP TABLE sc_pairs ON COMMIT DROP AS
  SELECT p.source, p.target, s.unit_id AS source_unit, t.unit_id AS target_unit, p.reposts, p.total
  FROM (SELECT i.source_account_id AS source, i.target_account_id AS target,
               coalesce(sum(i.count) FILTER (WHERE i.kind = 'repost'), 0)::float8 AS reposts, sum(i.count)::float8 AS total
        FROM interactions i
        WHERE i.tenant_id = $1 AND i.day BETWEEN $3::date AND $4::date
        GROUP BY 1, 2) p
  JOIN sc_accounts s ON s.account_id = p.source
  LEFT JOIN accounts t ON t.tenant_id = $1 AND t.id = p.target`;

/**
 * Superiors as the matrix sees them: every ancestor in the tree, and the sector-parent chain (a county
 * court → its intermediate court → the high court). Within the run's subtree only.
 */
const SUPERIORS_STAGE = `
  CREATE TEMP TABLE sc_superiors ON COMMIT DROP AS
  WITH RECURSIVE scope_units AS (
    SELECT u.id, u.path, u.sector_parent_id FROM units u WHERE u.tenant_id = $1 AND u.path <@ $2::ltree
  ),
  sector_chain AS (
    SELECT s.id AS unit_id, s.sector_parent_id AS superior_id, 1 AS depth FROM scope_units s WHERE s.sector_parent_id IS NOT NULL
    UNION ALL
    SELECT c.unit_id, p.sector_parent_id, c.depth + 1
    FROM sector_chain c JOIN units p ON p.tenant_id = $1 AND p.id = c.superior_id
    WHERE p.sector_parent_id IS NOT NULL AND c.depth < 16
  )
  SELECT s.id AS unit_id, a.id AS superior_id
  FROM (SELECT s.id, subpath(s.path, 0, k) AS ancestor
        FROM scope_units s CROSS JOIN LATERAL generate_series(nlevel($2::ltree), nlevel(s.path) - 1) AS k) s
  JOIN units a ON a.tenant_id = $1 AND a.path = s.ancestor
  UNION
  SELECT c.unit_id, c.superior_id FROM sector_chain c JOIN scope_units a ON a.id = c.superior_id`;

const LINKS_STAGE = `
  CREATE TEMP TABLE sc_links ON COMMIT DROP AS
  WITH out AS (
    SELECT p.source AS account_id, sum(p.reposts) AS reposts_out,
           coalesce(sum(p.total) FILTER (WHERE sup.unit_id IS NOT NULL), 0) AS upper
    FROM sc_pairs p LEFT JOIN sc_superiors sup ON sup.unit_id = p.source_unit AND sup.superior_id = p.target_unit
    GROUP BY p.source
  ),
  inc AS (
    SELECT p.target AS account_id, sum(p.total) AS lower
    FROM sc_pairs p JOIN sc_superiors sup ON sup.unit_id = p.source_unit AND sup.superior_id = p.target_unit
    GROUP BY p.target
  )
  SELECT coalesce(o.account_id, i.account_id) AS account_id, coalesce(o.reposts_out, 0) AS reposts_out,
         coalesce(o.upper, 0) AS upper, coalesce(i.lower, 0) AS lower
  FROM out o FULL JOIN inc i ON i.account_id = o.account_id`;

/**
 * A unit's subordinates: its children and the units naming it their sector parent (active ones). A
 * subordinate is covered when it has a live account opened by the period's end.
 */
const COVERAGE_STAGE = `
  CREATE TEMP TABLE sc_coverage ON COMMIT DROP AS
  WITH subordinates AS (
    SELECT c.parent_id AS unit_id, c.id AS sub_id FROM units c
    WHERE c.tenant_id = $1 AND c.path <@ $2::ltree AND c.active AND c.parent_id IS NOT NULL
    UNION
    SELECT c.sector_parent_id, c.id FROM units c
    WHERE c.tenant_id = $1 AND c.path <@ $2::ltree AND c.active AND c.sector_parent_id IS NOT NULL
  ),
  live AS (
    SELECT DISTINCT a.unit_id FROM sc_accounts a WHERE a.status IN ('pending_filing', 'active', 'rectifying')
  )
  SELECT s.unit_id, count(*) AS subordinates, count(l.unit_id) AS covered
  FROM subordinates s LEFT JOIN live l ON l.unit_id = s.sub_id
  GROUP BY s.unit_id`;

/**
 * Repost tasks due in the period: every account of the task's subtree open by the deadline (and not
 * closed before the task was issued) must repost the designated post, the designating account excepted;
 * a reported repost of that post by the deadline completes it (as GET /v1/repost-tasks/:id/completion).
 * Three stages, the first two analysed: the tasks (sc_task_list), the designated posts' reposts gathered
 * once (sc_task_reposts), then each account's tasks and completions (sc_tasks). As CTEs of one statement
 * the tasks were estimated at one row under row-level security, and the reposts were joined by a nested
 * loop over their aggregate: 250 s for 1,800 accounts with 60 tasks and 33,000 reposts (35 ms now).
 * Accounts meet their tasks by equality of path prefixes (one hash join per task depth), not by
 * `path <@ scope_path` in a nested loop; probed per assigned account, the target's index returned every
 * interaction with the target (6 s for 5,000 accounts).
 */
const TASK_LIST_STAGE = `
  CREATE TEMP TABLE sc_task_list ON COMMIT DROP AS
  SELECT t.id, t.account_id, t.post_id, t.issued_on, t.deadline, t.scope_path, nlevel(t.scope_path) AS depth FROM repost_tasks t
  WHERE t.tenant_id = $1 AND t.deadline BETWEEN $3::date AND $4::date AND t.cancelled_at IS NULL
    AND (t.scope_path <@ $2::ltree OR t.scope_path @> $2::ltree)`;

const TASK_REPOSTS_STAGE = `
  CREATE TEMP TABLE sc_task_reposts ON COMMIT DROP AS
  SELECT i.source_account_id AS source, i.target_account_id AS target, i.target_post_id AS post_id, min(i.day) AS first_day
  FROM interactions i
  WHERE i.tenant_id = $1 AND i.kind = 'repost' AND i.target_post_id IS NOT NULL
    AND i.target_account_id IN (SELECT DISTINCT account_id FROM sc_task_list)
  GROUP BY 1, 2, 3`;

const TASKS_STAGE = `
  CREATE TEMP TABLE sc_tasks ON COMMIT DROP AS
  WITH depths AS (SELECT DISTINCT depth FROM sc_task_list)
  SELECT a.account_id, count(*) AS assigned, count(r.first_day) AS completed
  FROM sc_accounts a
  JOIN depths d ON nlevel(a.path) >= d.depth
  JOIN sc_task_list k ON k.scope_path = subpath(a.path, 0, d.depth)
  LEFT JOIN sc_task_reposts r ON r.source = a.account_id AND r.target = k.account_id AND r.post_id = k.post_id AND r.first_day <= k.deadline
  WHERE a.account_id <> k.account_id AND a.opened_on <= k.deadline AND (a.closed_on IS NULL OR a.closed_on >= k.issued_on)
  GROUP BY a.account_id`;

/**
 * A finding counts for the period when it was open at some time in it, or was confirmed by an
 * inspection of a day in it (an inspection re-run for a past date opens findings "now").
 */
const VETOES_STAGE = `
  CREATE TEMP TABLE sc_vetoes ON COMMIT DROP AS
  SELECT a.account_id,
    array_remove(array_agg(DISTINCT 'finding:' || f.kind), NULL) ||
      CASE WHEN min(a.status) IN ('force_closed', 'rectifying') THEN ARRAY['status:' || min(a.status)] ELSE '{}'::text[] END AS vetoes
  FROM sc_accounts a
  LEFT JOIN findings f ON f.tenant_id = $1 AND f.account_id = a.account_id AND (
    f.checked_on BETWEEN $3::date AND $4::date
    OR ((f.opened_at AT TIME ZONE 'Asia/Shanghai')::date <= $4::date
        AND (f.closed_at IS NULL OR (f.closed_at AT TIME ZONE 'Asia/Shanghai')::date >= $3::date)))
  WHERE a.status IN ('force_closed', 'rectifying') OR f.id IS NOT NULL
  GROUP BY a.account_id`;

/** The raw value of every indicator per account, from the stages above (float8; NULL = not applicable). */
const RAW: Record<IndicatorKey, string> = {
  engagement: `coalesce(c.reposts + c.comments + c.likes, 0)`,
  reposts: `coalesce(c.reposts, 0)`,
  comments: `coalesce(c.comments, 0)`,
  likes: `coalesce(c.likes, 0)`,
  comment_repost_ratio: `coalesce(c.comments, 0) / greatest(coalesce(c.reposts, 0), 1)`,
  followers: `coalesce((c.followers_key & ${FOLLOWERS_MASK})::float8, 0)`,
  verified_days: `CASE WHEN a.verified_on IS NULL OR a.verified_on > $4::date THEN 0 ELSE ($4::date - a.verified_on)::float8 END`,
  active_followers: `least(coalesce((c.followers_key & ${FOLLOWERS_MASK})::float8, 0), coalesce(c.reposts + c.comments + c.likes, 0))`,
  posts: `coalesce(c.posts, 0)`,
  post_days: `coalesce(c.post_days, 0)`,
  originals: `coalesce(c.originals, 0)`,
  reposts_of_gov: `coalesce(l.reposts_out, 0)`,
  original_share: `CASE WHEN c.posts > 0 THEN c.originals / c.posts END`,
  daily_new_followers_ratio: `g.new_followers_ratio`,
  posts_yoy_ratio: `g.posts_yoy_ratio`,
  originals_yoy_ratio: `g.originals_yoy_ratio`,
  engagement_yoy_ratio: `g.engagement_yoy_ratio`,
  government_share: `CASE WHEN c.posts > 0 THEN c.posts_government / c.posts END`,
  livelihood_share: `CASE WHEN c.posts > 0 THEN c.posts_livelihood / c.posts END`,
  b_class_share: `CASE WHEN c.posts > 0 THEN c.posts_b_class / c.posts END`,
  coverage: `CASE WHEN cv.subordinates > 0 THEN cv.covered::float8 / cv.subordinates END`,
  upper_interaction: `CASE WHEN hs.unit_id IS NOT NULL THEN coalesce(l.upper, 0) END`,
  lower_linkage: `CASE WHEN cv.subordinates > 0 THEN coalesce(l.lower, 0) END`,
  repost_task_completion: `CASE WHEN k.assigned > 0 THEN k.completed::float8 / k.assigned END`,
  reads_per_day: `coalesce(c.reads, 0) / ($4::date - $3::date + 1)`,
  likes_per_day: `coalesce(c.likes, 0) / ($4::date - $3::date + 1)`,
  reads_per_post: `CASE WHEN c.posts > 0 THEN coalesce(c.reads, 0) / c.posts ELSE 0 END`,
  likes_per_post: `CASE WHEN c.posts > 0 THEN c.likes / c.posts ELSE 0 END`,
  peak_day_reads: `coalesce(c.peak_reads, 0)`,
  peak_day_likes: `coalesce(c.peak_likes, 0)`,
};

/**
 * Growth indicators are ratios to the average of the account's sector within the run (the 2014 report:
 * "each a ratio to the sector average"). Averages are taken in numeric, so they do not depend on the
 * order rows arrive in (parallel plans): the same data gives the same bits.
 */
const GROWTH: Partial<Record<IndicatorKey, { base: string; column: string }>> = {
  daily_new_followers_ratio: {
    base: `greatest(coalesce(c.new_followers, 0), 0) / ($4::date - $3::date + 1)`,
    column: 'new_followers_ratio',
  },
  posts_yoy_ratio: {
    base: `CASE WHEN p.account_id IS NOT NULL THEN (coalesce(c.posts, 0) + 1) / (p.posts + 1) END`,
    column: 'posts_yoy_ratio',
  },
  originals_yoy_ratio: {
    base: `CASE WHEN p.account_id IS NOT NULL THEN (coalesce(c.originals, 0) + 1) / (p.originals + 1) END`,
    column: 'originals_yoy_ratio',
  },
  engagement_yoy_ratio: {
    base: `CASE WHEN p.account_id IS NOT NULL THEN (coalesce(c.reposts + c.comments + c.likes, 0) + 1) / (p.reposts + p.comments + p.likes + 1) END`,
    column: 'engagement_yoy_ratio',
  },
};

function growthSql(indicators: IndicatorKey[]): string | undefined {
  const used = indicators.filter((key) => GROWTH[key]).map((key) => GROWTH[key]!);
  if (used.length === 0) return undefined;
  return `
  growth_base AS (
    SELECT a.account_id, a.sector, ${used.map((g) => `round((${g.base})::numeric, 9) AS ${g.column}`).join(', ')}
    FROM sc_accounts a
    LEFT JOIN sc_metrics c ON c.account_id = a.account_id AND c.cur
    LEFT JOIN sc_metrics p ON p.account_id = a.account_id AND NOT p.cur
  ),
  sector_avg AS (
    SELECT sector, ${used.map((g) => `avg(${g.column}) AS ${g.column}`).join(', ')} FROM growth_base GROUP BY sector
  ),
  growth AS (
    SELECT b.account_id, ${used
      .map(
        (g) =>
          `(CASE WHEN s.${g.column} > 0 THEN b.${g.column} / s.${g.column} ${g.column === 'new_followers_ratio' ? 'ELSE 1 ' : ''}END)::float8 AS ${g.column}`,
      )
      .join(', ')}
    FROM growth_base b JOIN sector_avg s ON s.sector = b.sector
  )`;
}

/** The raw values of the indicators a model uses, one float8 column each (and the growth CTEs they need). */
function rawSelect(indicators: IndicatorKey[], needs: Needs): { ctes?: string; select: string } {
  const columns = indicators.map((key) => `(${RAW[key]})::float8 AS ${key}`).join(',\n      ');
  const growth = growthSql(indicators);
  return {
    ctes: growth,
    select: `
    SELECT a.account_id, a.unit_id, a.level, a.sector, a.platform, coalesce(v.vetoes, '{}'::text[]) AS vetoes,
      ${columns}
    FROM sc_accounts a
    LEFT JOIN sc_metrics c ON c.account_id = a.account_id AND c.cur
    LEFT JOIN sc_vetoes v ON v.account_id = a.account_id
    ${needs.links ? 'LEFT JOIN sc_links l ON l.account_id = a.account_id' : ''}
    ${needs.superiors ? 'LEFT JOIN (SELECT DISTINCT unit_id FROM sc_superiors) hs ON hs.unit_id = a.unit_id' : ''}
    ${needs.coverage ? 'LEFT JOIN sc_coverage cv ON cv.unit_id = a.unit_id' : ''}
    ${needs.tasks ? 'LEFT JOIN sc_tasks k ON k.account_id = a.account_id' : ''}
    ${growth ? 'LEFT JOIN growth g ON g.account_id = a.account_id' : ''}`,
  };
}

export interface Stage {
  name: string;
  /** SQL over the stage parameters: $1 tenant, $2 subtree path, $3 first day, $4 last day. */
  sql: string;
  /** Analyse the temporary table after it: later stages join it and need its statistics. */
  analyze: boolean;
  /** Planner settings for this stage only (SET LOCAL before it, back to the default after it). */
  settings?: Record<string, string>;
}

/**
 * The metrics stage groups a tenant's rows per account, which the planner kept in one process: it expects
 * one group per account of the whole table (ndistinct is not scaled down by the tenant condition), so
 * gathering the workers' partial aggregates looked expensive. Gathered rows cost nothing here (a few per
 * account): with a zero tuple cost the scan and the grouping run in parallel — 3.9 s → 2.7 s for 3.76M
 * daily rows on 2 cores, before whole months came from the rollup; it still holds for long partial spans.
 */
const METRICS_SETTINGS = { parallel_tuple_cost: '0' };

/**
 * The statement with only the parameters it uses, renumbered in order (PostgreSQL cannot type a
 * parameter a statement does not mention).
 */
export function bindStage(sql: string, values: unknown[]): { sql: string; params: unknown[] } {
  const used = [...new Set([...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);
  const renumber = new Map(used.map((n, i) => [n, i + 1]));
  return { sql: sql.replace(/\$(\d+)/g, (_, n: string) => `$${renumber.get(Number(n))}`), params: used.map((n) => values[n - 1]) };
}

/**
 * The stages a model needs for a period, in order, ending with sc_final (the model applied); with
 * year-on-year indicators the metrics stage reads the same period a year before too.
 */
export function stagesFor(model: ScoreModelDefinition, period: Period): Stage[] {
  const { needs, metrics } = needsOf(model);
  const periods: Period[] = [{ from: period.from, to: period.to }];
  if (needs.previousYear) periods.push({ from: yearBefore(period.from), to: yearBefore(period.to) });
  const stages: Stage[] = [
    { name: 'sc_accounts', sql: ACCOUNTS_STAGE, analyze: true },
    // The months that corrections marked stale, recounted before the metrics stage reads them.
    { name: 'months_refresh', sql: `SELECT daily_metrics_monthly_refresh($1)`, analyze: false },
    {
      name: 'sc_metrics',
      sql: metricsStage([...metrics].sort(), periods),
      analyze: true,
      settings: METRICS_SETTINGS,
    },
    { name: 'sc_vetoes', sql: VETOES_STAGE, analyze: false },
  ];
  if (needs.superiors) stages.push({ name: 'sc_superiors', sql: SUPERIORS_STAGE, analyze: true });
  if (needs.links) {
    stages.push({ name: 'sc_pairs', sql: PAIRS_STAGE, analyze: true });
    stages.push({ name: 'sc_links', sql: LINKS_STAGE, analyze: false });
  }
  if (needs.coverage) stages.push({ name: 'sc_coverage', sql: COVERAGE_STAGE, analyze: false });
  if (needs.tasks) {
    stages.push({ name: 'sc_task_list', sql: TASK_LIST_STAGE, analyze: true });
    stages.push({ name: 'sc_task_reposts', sql: TASK_REPOSTS_STAGE, analyze: true });
    stages.push({ name: 'sc_tasks', sql: TASKS_STAGE, analyze: false });
  }
  stages.push({ name: 'sc_final', sql: modelSql(model), analyze: false });
  return stages;
}

/** PostgreSQL's `date - interval '1 year'`: the same day a year before, 29 February → 28 February. */
function yearBefore(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const last = new Date(Date.UTC(y - 1, m, 0)).getUTCDate();
  return `${String(y - 1).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

const shiftDays = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const dayAfter = (date: string): string => shiftDays(date, 1);
const dayBefore = (date: string): string => shiftDays(date, -1);
/** The first day of the month after the date's. */
const monthAfter = (date: string): string => {
  const [y, m] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString().slice(0, 10);
};

/** A validated day as a date literal (periods come validated; the SQL must never carry anything else). */
function dateLiteral(date: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`not a date: ${date}`);
  return `DATE '${date}'`;
}

function needsOf(model: ScoreModelDefinition): { indicators: IndicatorKey[]; needs: Needs; metrics: Set<MetricColumn> } {
  const indicators = [...new Set(termsOf(model).map((t) => t.indicator))];
  const needs: Needs = {};
  const metrics = new Set<MetricColumn>();
  for (const key of indicators) {
    const need = NEEDS[key];
    need.metrics?.forEach((m) => metrics.add(m));
    needs.previousYear ||= need.previousYear;
    needs.links ||= need.links;
    needs.superiors ||= need.superiors;
    needs.coverage ||= need.coverage;
    needs.tasks ||= need.tasks;
  }
  return { indicators, needs, metrics };
}

/**
 * sc_final: the raw values (r) and the model applied to them, generated from the model version (its
 * numbers are validated finite numbers, written into the SQL as literals). All in float8, whose operations give the same bits for the
 * same inputs (no aggregate here depends on row order), so a re-run reproduces every value exactly:
 *
 * - v_k: the value to normalise, raw × factor (ln forms: ln(1 + max(v, 0))); NULL where not applicable.
 * - n_k: normalised; NULL where not applicable.
 * - w_k: the term's effective weight for this account: its index's weight and its own, re-divided over
 *   the applicable terms (a leaf unit's coverage weight goes to the rest of the cluster index, a wholly
 *   inapplicable index's to the other indices); × scale for linear models; rounded to 9 decimals.
 * - p_k: the points the term adds: w_k · n_k (square: scale · inner · (w_k · n_k), inner = Σ w_k · n_k,
 *   so that the points add up to scale · inner²).
 * - uncapped = p_1 + p_2 + … in term order; the score is that, capped by the lowest cap of the vetoes
 *   that hold. Summing the explanation's points in order gives the score to the last bit.
 *
 * One pass over the raw values (kept in memory, not a table) plus one aggregate for the min–max bounds. Each layer ends in OFFSET 0 so that
 * PostgreSQL keeps it a layer: pulled up, every reference to a column would repeat the expression
 * behind it (a weight names every normalised value of its index), 20 s instead of 0.3 s for 10,000 rows.
 */
export function modelSql(model: ScoreModelDefinition): string {
  const terms = termsOf(model);
  const { indicators, needs } = needsOf(model);
  const raw = rawSelect(indicators, needs);
  const ks = terms.map((_, k) => k + 1);
  const indices = [...new Set(terms.map((t) => t.index))];
  const indexNo = (index: string) => indices.indexOf(index) + 1;
  const linear = model.transform === 'linear';
  const scale = literal(model.scale);

  const value = (t: ModelTerm): string => {
    const x = `(r.${t.indicator} * ${literal(t.factor)})`;
    const v = t.normalization === 'ln' || t.normalization === 'log_minmax' ? `ln(1 + greatest(${x}, 0))` : x;
    return `CASE WHEN r.${t.indicator} IS NULL THEN NULL ELSE ${v} END`;
  };
  const normalised = (t: ModelTerm, k: number): string => {
    const v = `v.v${k}`;
    let n: string;
    switch (t.normalization) {
      case 'ln':
      case 'none':
        n = v;
        break;
      case 'ratio':
        n = `least(greatest(${v}, 0), 1)`;
        break;
      case 'minmax':
      case 'log_minmax':
        n = `CASE WHEN s.hi${k} > s.lo${k} THEN (${v} - s.lo${k}) / (s.hi${k} - s.lo${k}) WHEN s.hi${k} > 0 THEN 1 ELSE 0 END`;
        break;
      case 'percentile':
        n = `CASE WHEN s.cnt${k} = 1 THEN 1 ELSE percent_rank() OVER (PARTITION BY ${v} IS NULL ORDER BY ${v}) END`;
        break;
    }
    if (t.lowerIsBetter) n = `1 - (${n})`;
    return `CASE WHEN ${v} IS NULL THEN NULL ELSE (${n})::float8 END`;
  };
  // Per index: the weight of its applicable indicators; over indices: the weight of the applicable ones.
  const applicable = indices.map((index) => {
    const sum = ks
      .filter((k) => terms[k - 1].index === index)
      .map((k) => `CASE WHEN n.n${k} IS NULL THEN 0 ELSE ${literal(terms[k - 1].weight)} END`)
      .join(' + ');
    return `${sum} AS a${indexNo(index)}`;
  });
  const total = indices
    .map((index) => `CASE WHEN x.a${indexNo(index)} > 0 THEN ${literal(terms.find((t) => t.index === index)!.indexWeight)} ELSE 0 END`)
    .join(' + ');
  const weight = (t: ModelTerm, k: number) =>
    `CASE WHEN y.n${k} IS NULL THEN 0 ELSE round(${literal(t.indexWeight)} / y.total * ${literal(t.weight)} / y.a${indexNo(t.index)}` +
    `${linear ? ` * ${scale}` : ''} * 1e9) / 1e9 END`;
  const product = (k: number) => `coalesce(w.w${k} * w.n${k}, 0)`;
  const points = (k: number) => (linear ? product(k) : `${scale} * w.inner_sum * (${product(k)})`);
  const vetoes = model.vetoes.map((v) => ({ when: quote(v.when), cap: literal(v.cap) }));
  const cap =
    vetoes.length > 0 ? `least(${vetoes.map((v) => `CASE WHEN ${v.when} = ANY (q.vetoes) THEN ${v.cap} END`).join(', ')})` : 'NULL::float8';
  const held =
    vetoes.length > 0
      ? `array_remove(ARRAY[${vetoes.map((v) => `CASE WHEN ${v.when} = ANY (q.vetoes) THEN ${v.when} END`).join(', ')}], NULL)`
      : `'{}'::text[]`;
  const base = (alias: string) => ['account_id', 'unit_id', 'level', 'sector', 'platform', 'vetoes'].map((c) => `${alias}.${c}`).join(', ');
  const list = (f: (k: number) => string) => ks.map(f).join(', ');

  return `
    CREATE TEMP TABLE sc_final ON COMMIT DROP AS
    WITH ${raw.ctes ? `${raw.ctes},` : ''}
    r AS (${raw.select}),
    v AS (
      SELECT ${base('r')}, ${list((k) => `r.${terms[k - 1].indicator} AS raw${k}, ${value(terms[k - 1])} AS v${k}`)}
      FROM r
    ),
    s AS (SELECT ${list((k) => `min(v${k}) AS lo${k}, max(v${k}) AS hi${k}, count(v${k}) AS cnt${k}`)} FROM v),
    n AS (SELECT ${base('v')}, ${list((k) => `v.raw${k}, ${normalised(terms[k - 1], k)} AS n${k}`)} FROM v CROSS JOIN s OFFSET 0),
    x AS (SELECT n.*, ${applicable.join(', ')} FROM n OFFSET 0),
    y AS (SELECT x.*, ${total} AS total FROM x OFFSET 0),
    w AS (SELECT y.*, ${list((k) => `${weight(terms[k - 1], k)} AS w${k}`)} FROM y OFFSET 0),
    q AS (
      SELECT w.*, ${list((k) => `${points(k)} AS p${k}`)}
      FROM (SELECT w.*, ${ks.map(product).join(' + ')} AS inner_sum FROM w OFFSET 0) w OFFSET 0
    ),
    z AS (
      SELECT ${base('q')},
        ARRAY[${list((k) => `q.raw${k}`)}]::float8[] AS raw,
        ARRAY[${list((k) => `q.n${k}`)}]::float8[] AS normalised,
        ARRAY[${list((k) => `q.w${k}`)}]::float8[] AS weights,
        ARRAY[${list((k) => `q.p${k}`)}]::float8[] AS points,
        ${ks.map((k) => `q.p${k}`).join(' + ')} AS uncapped,
        ${held} AS held, ${cap} AS cap
      FROM q OFFSET 0
    )
    SELECT z.*, CASE WHEN z.cap IS NOT NULL AND z.cap < z.uncapped THEN z.cap ELSE z.uncapped END AS score FROM z`;
}

/** A model number as a float8 literal: only finite numbers get here (validated), whose text is digits, '.', 'e', '+', '-'. */
function literal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return `${String(value)}::float8`;
}

/** A string literal of code-made text (veto conditions are validated against VETO_PATTERN first). */
function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * sc_final ranked and written as the run's scores. Ranks are computed over the narrow (account, level,
 * sector, score) rows and joined back: sorting the wide rows with their arrays three times cost more
 * than the insert. $1 tenant, $2 run, $3 model.
 */
export const INSERT_SCORES = `
  INSERT INTO scores (tenant_id, run_id, account_id, unit_id, model_id, level, sector, platform, score, uncapped, vetoes,
    rank_overall, rank_level, rank_sector, percentile_level, percentile_sector, raw, normalised, weights, points)
  WITH ranked AS (
    SELECT s.account_id, s.score,
      rank() OVER (ORDER BY s.score DESC) AS rank_overall,
      rank() OVER (PARTITION BY s.level ORDER BY s.score DESC) AS rank_level,
      rank() OVER (PARTITION BY s.sector ORDER BY s.score DESC) AS rank_sector,
      CASE WHEN count(*) OVER (PARTITION BY s.level) = 1 THEN 1 ELSE percent_rank() OVER (PARTITION BY s.level ORDER BY s.score) END
        AS percentile_level,
      CASE WHEN count(*) OVER (PARTITION BY s.sector) = 1 THEN 1 ELSE percent_rank() OVER (PARTITION BY s.sector ORDER BY s.score) END
        AS percentile_sector
    FROM (SELECT f.account_id, f.level, f.sector, f.score FROM sc_final f) s
  )
  SELECT $1, $2, f.account_id, f.unit_id, $3, f.level, f.sector, f.platform, r.score, f.uncapped, f.held,
    r.rank_overall, r.rank_level, r.rank_sector, r.percentile_level, r.percentile_sector, f.raw, f.normalised, f.weights, f.points
  FROM sc_final f JOIN ranked r ON r.account_id = f.account_id`;

/**
 * Each unit's own accounts and its whole subtree's, within the run's subtree: scores are summed per unit
 * first, then every unit's sums count for it and each of its ancestors down from the run's root. Means
 * are taken in numeric (exact sums: the same data gives the same means). $1 tenant, $2 run, $3 subtree.
 */
export const INSERT_UNIT_AGGREGATES = `
  INSERT INTO score_unit_aggregates (tenant_id, run_id, unit_id, level, sector, accounts, mean_score, subtree_accounts,
    subtree_mean_score, subtree_min_score, subtree_max_score, rank_level)
  WITH own AS (
    SELECT f.unit_id, count(*) AS n, sum(f.score::numeric) AS total, min(f.score) AS lo, max(f.score) AS hi
    FROM sc_final f GROUP BY f.unit_id
  ),
  expanded AS (
    SELECT subpath(u.path, 0, k) AS path, o.n, o.total, o.lo, o.hi, k = nlevel(u.path) AS own
    FROM own o JOIN units u ON u.tenant_id = $1 AND u.id = o.unit_id
    CROSS JOIN LATERAL generate_series(nlevel($3::ltree), nlevel(u.path)) AS k
  ),
  agg AS (
    SELECT e.path, sum(e.n) FILTER (WHERE e.own) AS accounts, sum(e.total) FILTER (WHERE e.own) AS own_total,
      sum(e.n) AS subtree_accounts, round(sum(e.total) / sum(e.n), 6) AS subtree_mean, min(e.lo) AS lo, max(e.hi) AS hi
    FROM expanded e GROUP BY e.path
  )
  SELECT $1, $2, u.id, u.level, u.sector, coalesce(g.accounts, 0), round(g.own_total / g.accounts, 6), g.subtree_accounts,
    g.subtree_mean, g.lo, g.hi, rank() OVER (PARTITION BY u.level ORDER BY g.subtree_mean DESC)
  FROM agg g JOIN units u ON u.tenant_id = $1 AND u.path = g.path`;
