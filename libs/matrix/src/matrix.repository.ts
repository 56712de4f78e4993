import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { PLATFORMS, Platform } from '@govmatrix/ledger';
import { UnitLevel } from '@govmatrix/tenancy';
import { InteractionSort } from './matrix.dto';
import { Period } from './matrix-period';

/** Accounts that count for coverage: opened and not closed (a rectifying account still runs). */
const LIVE = `a.status IN ('active', 'rectifying')`;
/** 两微一端: Weibo, WeChat and an app. */
const TWO_MICRO_ONE_END = `ARRAY['weibo', 'wechat', 'app']::text[]`;

export interface SubtreeRoot {
  id: string;
  name: string;
  path: string;
}

/** A subtree as the views read it: its root's path, and the ids of its active units (read once, first). */
export interface Subtree {
  path: string;
  unitIds: string[];
}

export interface CoverageCounts {
  units: number;
  covered: number;
  twoMicroOneEnd: number;
  platforms: Record<Platform, number>;
}

export interface CoverageGroupRow extends CoverageCounts {
  dimension: 'all' | 'level' | 'sector' | 'system';
  key: string | null;
  /** For a system: its root unit's name and sector. */
  rootName: string | null;
  rootSector: string | null;
}

export interface UnitCoverageRow {
  id: string;
  parentId: string | null;
  path: string;
  name: string;
  level: UnitLevel;
  sector: string;
  depth: number;
  children: number;
  units: number;
  covered: number;
  accounts: number;
  platforms: Platform[];
}

export interface UnitInteractionRow {
  unitId: string;
  unitName: string;
  level: UnitLevel;
  sector: string;
  accounts: number;
  upperReposts: number;
  upperComments: number;
  lowerReposts: number;
  lowerComments: number;
}

export interface InteractionTotalsRow {
  units: number;
  unitsWithUpper: number;
  upperReposts: number;
  upperComments: number;
  lowerReposts: number;
  lowerComments: number;
}

export interface MatrixUnitRow {
  id: string;
  name: string;
  level: UnitLevel;
  volume: number;
  /** Interactions by this unit's accounts on the other listed units' accounts, by unit id. */
  cells: Record<string, number>;
}

export interface MonthTrendRow {
  month: string;
  posts: number;
  originals: number;
  engagement: number;
  interactions: number;
  upperInteractions: number;
  activeAccounts: number;
  reportingAccounts: number;
}

/** Per-platform counters over the grouped units' platform arrays (constants, not input). */
const PLATFORM_COUNTS = PLATFORMS.map((p) => `count(*) FILTER (WHERE '${p}' = ANY (pu.platforms))::int AS "p_${p}"`).join(',\n       ');

/** The active units of a subtree ($1 tenant, $2 their ids, read by `subtree()` from the path). */
const SUBTREE_UNITS = `SELECT u.id, u.parent_id, u.path, u.name, u.level, u.sector, u.sector_parent_id
  FROM units u WHERE u.tenant_id = $1 AND u.id = ANY ($2::uuid[])`;

/**
 * Interactions of a period touching a subtree ($1 tenant, $2 its unit ids, $3 the caller's scope,
 * $4–$5 the period): made by its units' accounts, or received by them from anywhere in the
 * caller's scope (a county court's intermediate court may sit in another subtree). Needs
 * `sub_accounts`. Each half is served by an index (acting unit, target account).
 */
const INTERACTIONS_TOUCHING = `
  SELECT i.unit_id AS source_unit_id, i.target_account_id, i.kind, sum(i.count)::bigint AS n
  FROM interactions i
  WHERE i.tenant_id = $1 AND i.unit_id = ANY ($2::uuid[]) AND i.day BETWEEN $4::date AND $5::date
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT i.unit_id, i.target_account_id, i.kind, sum(i.count)::bigint
  FROM interactions i
  JOIN units su ON su.tenant_id = i.tenant_id AND su.id = i.unit_id
  WHERE i.tenant_id = $1 AND su.path <@ $3::ltree AND i.day BETWEEN $4::date AND $5::date
    AND i.target_account_id = ANY (ARRAY(SELECT sa.id FROM sub_accounts sa)) AND i.unit_id <> ALL ($2::uuid[])
  GROUP BY 1, 2, 3`;

/**
 * Which of those interactions went up: the target is an account of one of the acting unit's
 * superiors (its ancestors and its sector parents), which may lie above the caller's scope.
 */
const UPWARD = `
  SELECT x.* FROM x
  JOIN matrix_superior_accounts(ARRAY(SELECT DISTINCT source_unit_id FROM x)) sup
    ON sup.unit_id = x.source_unit_id AND sup.account_id = x.target_account_id`;

const SORT_EXPRESSIONS: Record<InteractionSort, string> = {
  upper: `coalesce(up.reposts + up.comments, 0)`,
  lower: `coalesce(lo.reposts + lo.comments, 0)`,
  total: `coalesce(up.reposts + up.comments, 0) + coalesce(lo.reposts + lo.comments, 0)`,
};

const toInt = (value: unknown): number => Number(value ?? 0);

/** The first day of a date's month, in date arithmetic (date_trunc goes through timestamps and time zones). */
const MONTH_OF = (day: string): string => `(${day} - extract(day FROM ${day})::int + 1)`;

/** The matrix views: coverage, upper–lower interaction and trends of a subtree, all set-based. */
@Injectable()
export class MatrixRepository {
  constructor(private readonly tx: TransactionHost) {}

  /**
   * The views aggregate whole subtrees, but under row-level security the planner estimates any set
   * of units at a handful of rows, whatever the subtree's size, and picks nested loops that go
   * quadratic over a province. Hash and merge joins are linear here, so this transaction (a
   * read-only view) uses them, with room to hash a year of a province in memory; and no JIT, whose
   * compile time the inflated estimates would trigger for queries that run in milliseconds.
   */
  private async analyticPlans(): Promise<void> {
    await this.tx.manager.query(
      `SELECT set_config('enable_nestloop', 'off', true), set_config('jit', 'off', true), set_config('work_mem', '64MB', true)`,
    );
  }

  /** The unit at a path: the root of a caller's scope. */
  async unitAt(tenantId: string, path: string): Promise<SubtreeRoot | undefined> {
    const rows: SubtreeRoot[] = await this.tx.manager.query(
      `SELECT u.id, u.name, u.path::text AS path FROM units u WHERE u.tenant_id = $1 AND u.path = $2::ltree AND u.path <@ $2::ltree`,
      [tenantId, path],
    );
    return rows[0];
  }

  /**
   * The active units of a subtree. The views take them as an id array: the planner then knows how
   * many there are (under row-level security it estimates a subtree at a handful of units), and
   * the big tables are read through their unit and account indexes.
   */
  async subtree(tenantId: string, path: string): Promise<Subtree> {
    const rows: { id: string }[] = await this.tx.manager.query(
      `SELECT u.id FROM units u WHERE u.tenant_id = $1 AND u.path <@ $2::ltree AND u.active`,
      [tenantId, path],
    );
    return { path, unitIds: rows.map((r) => r.id) };
  }

  /** Coverage of the subtree overall, by level, by sector and by sector system, in one pass. */
  async coverage(tenantId: string, subtree: Subtree): Promise<CoverageGroupRow[]> {
    await this.analyticPlans();
    const rows: Record<string, unknown>[] = await this.tx.manager.query(
      `WITH RECURSIVE sub AS (${SUBTREE_UNITS}),
       live AS (
         SELECT a.unit_id, array_agg(DISTINCT a.platform) AS platforms
         FROM accounts a
         WHERE a.tenant_id = $1 AND a.unit_id = ANY ($2::uuid[]) AND ${LIVE}
         GROUP BY a.unit_id
       ),
       -- Each unit climbs its sector-parent chain as far as the subtree goes.
       chain AS (
         SELECT s.id AS unit_id, s.id AS top_id, s.sector_parent_id AS next_id, 0 AS depth FROM sub s
         UNION ALL
         SELECT c.unit_id, p.id, p.sector_parent_id, c.depth + 1
         FROM chain c JOIN sub p ON p.id = c.next_id
         WHERE c.depth < 16
       ),
       system_of AS (
         SELECT DISTINCT ON (c.unit_id) c.unit_id, c.top_id FROM chain c ORDER BY c.unit_id, c.depth DESC
       ),
       pu AS (
         SELECT s.id, s.level, s.sector, so.top_id AS system_id, coalesce(l.platforms, '{}') AS platforms
         FROM sub s LEFT JOIN live l ON l.unit_id = s.id JOIN system_of so ON so.unit_id = s.id
       ),
       grouped AS (
         SELECT CASE WHEN GROUPING(pu.level) = 0 THEN 'level' WHEN GROUPING(pu.sector) = 0 THEN 'sector'
                     WHEN GROUPING(pu.system_id) = 0 THEN 'system' ELSE 'all' END AS dimension,
                coalesce(pu.level, pu.sector, pu.system_id::text) AS key,
                count(*)::int AS units,
                count(*) FILTER (WHERE cardinality(pu.platforms) > 0)::int AS covered,
                count(*) FILTER (WHERE pu.platforms @> ${TWO_MICRO_ONE_END})::int AS "twoMicroOneEnd",
                ${PLATFORM_COUNTS}
         FROM pu
         GROUP BY GROUPING SETS ((), (pu.level), (pu.sector), (pu.system_id))
         -- A unit outside every chain is a "system" of its own: not one.
         HAVING GROUPING(pu.system_id) = 1 OR count(*) > 1
       )
       SELECT g.*, r.name AS "rootName", r.sector AS "rootSector"
       FROM grouped g LEFT JOIN sub r ON g.dimension = 'system' AND r.id::text = g.key
       ORDER BY g.dimension, g.units DESC, g.key`,
      [tenantId, subtree.unitIds],
    );
    return rows.map((r) => ({
      dimension: r.dimension as CoverageGroupRow['dimension'],
      key: (r.key as string | null) ?? null,
      rootName: (r.rootName as string | null) ?? null,
      rootSector: (r.rootSector as string | null) ?? null,
      units: toInt(r.units),
      covered: toInt(r.covered),
      twoMicroOneEnd: toInt(r.twoMicroOneEnd),
      platforms: Object.fromEntries(PLATFORMS.map((p) => [p, toInt(r[`p_${p}`])])) as Record<Platform, number>,
    }));
  }

  /**
   * Units of the subtree down to `maxDepth` levels below its root, each with the coverage of its
   * own subtree (rolled up over ancestor paths, one pass), in path order from `afterPath`.
   */
  async unitCoverage(tenantId: string, subtree: Subtree, maxDepth: number, limit: number, afterPath?: string): Promise<UnitCoverageRow[]> {
    await this.analyticPlans();
    const rows: Record<string, unknown>[] = await this.tx.manager.query(
      `WITH sub AS (${SUBTREE_UNITS}),
       own AS (
         SELECT a.unit_id, count(*)::int AS accounts, array_agg(DISTINCT a.platform ORDER BY a.platform) AS platforms
         FROM accounts a
         WHERE a.tenant_id = $1 AND a.unit_id = ANY ($2::uuid[]) AND ${LIVE}
         GROUP BY a.unit_id
       ),
       rollup AS (
         SELECT subpath(s.path, 0, k) AS path, count(*)::int AS units, count(o.unit_id)::int AS covered
         FROM sub s LEFT JOIN own o ON o.unit_id = s.id
         CROSS JOIN LATERAL generate_series(nlevel($6::ltree), nlevel(s.path)) AS k
         GROUP BY 1
       ),
       kids AS (SELECT s.parent_id AS id, count(*)::int AS children FROM sub s GROUP BY s.parent_id)
       SELECT s.id, s.parent_id AS "parentId", s.path::text AS path, s.name, s.level, s.sector,
              nlevel(s.path) - nlevel($6::ltree) AS depth, coalesce(k.children, 0) AS children,
              r.units, r.covered, coalesce(o.accounts, 0) AS accounts, coalesce(o.platforms, '{}') AS platforms
       FROM sub s JOIN rollup r ON r.path = s.path
       LEFT JOIN own o ON o.unit_id = s.id
       LEFT JOIN kids k ON k.id = s.id
       WHERE nlevel(s.path) - nlevel($6::ltree) <= $3 AND ($4::ltree IS NULL OR s.path > $4::ltree)
       ORDER BY s.path
       LIMIT $5`,
      [tenantId, subtree.unitIds, maxDepth, afterPath ?? null, limit, subtree.path],
    );
    return rows.map((r) => ({
      id: r.id as string,
      parentId: (r.parentId as string | null) ?? null,
      path: r.path as string,
      name: r.name as string,
      level: r.level as UnitLevel,
      sector: r.sector as string,
      depth: toInt(r.depth),
      children: toInt(r.children),
      units: toInt(r.units),
      covered: toInt(r.covered),
      accounts: toInt(r.accounts),
      platforms: r.platforms as Platform[],
    }));
  }

  /**
   * Upper interaction and lower linkage of the subtree's units in a period: the top `limit` by
   * `sort`, and the sums over all of them. `scopePath` is the caller's scope (where the acting units
   * of lower linkage may sit); `level` narrows the units listed and summed.
   */
  async interaction(
    tenantId: string,
    subtree: Subtree,
    scopePath: string,
    period: Period,
    options: { level?: UnitLevel; sort: InteractionSort; limit: number },
  ): Promise<{ items: UnitInteractionRow[]; totals: InteractionTotalsRow }> {
    await this.analyticPlans();
    const rows: Record<string, unknown>[] = await this.tx.manager.query(
      `WITH sub AS (${SUBTREE_UNITS}),
       sub_accounts AS (SELECT a.id, a.unit_id, ${LIVE} AS live FROM accounts a WHERE a.tenant_id = $1 AND a.unit_id = ANY ($2::uuid[])),
       x AS (${INTERACTIONS_TOUCHING}),
       upward AS (${UPWARD}),
       up AS (
         SELECT w.source_unit_id AS unit_id, coalesce(sum(w.n) FILTER (WHERE w.kind = 'repost'), 0)::bigint AS reposts,
                coalesce(sum(w.n) FILTER (WHERE w.kind = 'comment'), 0)::bigint AS comments
         FROM upward w JOIN sub s ON s.id = w.source_unit_id GROUP BY 1
       ),
       lo AS (
         SELECT sa.unit_id, coalesce(sum(w.n) FILTER (WHERE w.kind = 'repost'), 0)::bigint AS reposts,
                coalesce(sum(w.n) FILTER (WHERE w.kind = 'comment'), 0)::bigint AS comments
         FROM upward w JOIN sub_accounts sa ON sa.id = w.target_account_id GROUP BY 1
       ),
       live AS (SELECT sa.unit_id, count(*)::int AS accounts FROM sub_accounts sa WHERE sa.live GROUP BY 1),
       per_unit AS (
         SELECT s.id AS "unitId", s.name AS "unitName", s.level, s.sector, s.path, coalesce(lv.accounts, 0) AS accounts,
                coalesce(up.reposts, 0) AS "upperReposts", coalesce(up.comments, 0) AS "upperComments",
                coalesce(lo.reposts, 0) AS "lowerReposts", coalesce(lo.comments, 0) AS "lowerComments",
                ${SORT_EXPRESSIONS[options.sort]} AS rank_value
         FROM sub s LEFT JOIN up ON up.unit_id = s.id LEFT JOIN lo ON lo.unit_id = s.id LEFT JOIN live lv ON lv.unit_id = s.id
         WHERE $6::text IS NULL OR s.level = $6::text
       ),
       totals AS (
         SELECT count(*)::int AS units, count(*) FILTER (WHERE "upperReposts" + "upperComments" > 0)::int AS "unitsWithUpper",
                coalesce(sum("upperReposts"), 0) AS "upperReposts", coalesce(sum("upperComments"), 0) AS "upperComments",
                coalesce(sum("lowerReposts"), 0) AS "lowerReposts", coalesce(sum("lowerComments"), 0) AS "lowerComments"
         FROM per_unit
       ),
       top AS (SELECT * FROM per_unit ORDER BY rank_value DESC, path LIMIT $7)
       SELECT 'item' AS row_kind, t."unitId", t."unitName", t.level, t.sector, t.accounts, t."upperReposts", t."upperComments",
              t."lowerReposts", t."lowerComments", NULL::int AS units, NULL::int AS "unitsWithUpper", t.rank_value, t.path
       FROM top t
       UNION ALL
       SELECT 'totals', NULL, NULL, NULL, NULL, NULL, tt."upperReposts", tt."upperComments", tt."lowerReposts", tt."lowerComments",
              tt.units, tt."unitsWithUpper", NULL, NULL
       FROM totals tt
       ORDER BY row_kind, rank_value DESC, path`,
      [tenantId, subtree.unitIds, scopePath, period.from, period.to, options.level ?? null, options.limit],
    );
    const totalsRow = rows.find((r) => r.row_kind === 'totals')!;
    return {
      items: rows
        .filter((r) => r.row_kind === 'item')
        .map((r) => ({
          unitId: r.unitId as string,
          unitName: r.unitName as string,
          level: r.level as UnitLevel,
          sector: r.sector as string,
          accounts: toInt(r.accounts),
          upperReposts: toInt(r.upperReposts),
          upperComments: toInt(r.upperComments),
          lowerReposts: toInt(r.lowerReposts),
          lowerComments: toInt(r.lowerComments),
        })),
      totals: {
        units: toInt(totalsRow.units),
        unitsWithUpper: toInt(totalsRow.unitsWithUpper),
        upperReposts: toInt(totalsRow.upperReposts),
        upperComments: toInt(totalsRow.upperComments),
        lowerReposts: toInt(totalsRow.lowerReposts),
        lowerComments: toInt(totalsRow.lowerComments),
      },
    };
  }

  /**
   * Unit-to-unit interactions inside the subtree: the `top` units with the most interactions with
   * each other (made and received), and what each made on each of the others.
   */
  async interactionMatrix(
    tenantId: string,
    subtree: Subtree,
    period: Period,
    options: { top: number; kind?: string },
  ): Promise<MatrixUnitRow[]> {
    await this.analyticPlans();
    const rows: Record<string, unknown>[] = await this.tx.manager.query(
      `WITH sub AS (${SUBTREE_UNITS}),
       pairs AS (
         SELECT x.unit_id AS source_id, a.unit_id AS target_id, sum(x.count)::bigint AS n
         FROM interactions x
         JOIN accounts a ON a.tenant_id = x.tenant_id AND a.id = x.target_account_id
         WHERE x.tenant_id = $1 AND x.unit_id = ANY ($2::uuid[]) AND a.unit_id = ANY ($2::uuid[])
           AND x.day BETWEEN $3::date AND $4::date AND ($5::text IS NULL OR x.kind = $5::text) AND a.unit_id <> x.unit_id
         GROUP BY 1, 2
       ),
       volume AS (
         SELECT v.id, sum(v.n)::bigint AS n
         FROM (SELECT source_id AS id, n FROM pairs UNION ALL SELECT target_id, n FROM pairs) v
         GROUP BY v.id ORDER BY n DESC, v.id LIMIT $6
       )
       SELECT v.id, s.name, s.level, v.n AS volume,
              (SELECT coalesce(jsonb_object_agg(p.target_id, p.n), '{}'::jsonb) FROM pairs p
               WHERE p.source_id = v.id AND p.target_id IN (SELECT id FROM volume)) AS cells
       FROM volume v JOIN sub s ON s.id = v.id
       ORDER BY v.n DESC, v.id`,
      [tenantId, subtree.unitIds, period.from, period.to, options.kind ?? null, options.top],
    );
    return rows.map((r) => ({
      id: r.id as string,
      name: r.name as string,
      level: r.level as UnitLevel,
      volume: toInt(r.volume),
      cells: Object.fromEntries(Object.entries(r.cells as Record<string, unknown>).map(([k, v]) => [k, toInt(v)])),
    }));
  }

  /** Month by month over the period: posts, engagement, interactions (upper ones apart), active accounts. */
  async trends(tenantId: string, subtree: Subtree, period: Period): Promise<MonthTrendRow[]> {
    await this.analyticPlans();
    const rows: Record<string, unknown>[] = await this.tx.manager.query(
      `WITH months AS (
         SELECT m::date AS month FROM generate_series(date_trunc('month', $3::date), $4::date, interval '1 month') AS m
       ),
       -- Per account and month first (a hash aggregate), then per month: no sort of a year of days.
       account_months AS (
         SELECT m.account_id, ${MONTH_OF('m.day')} AS month, sum(m.posts)::bigint AS posts,
                sum(m.originals)::bigint AS originals, sum(m.reposts + m.comments + m.likes)::bigint AS engagement
         FROM daily_metrics m
         WHERE m.tenant_id = $1 AND m.unit_id = ANY ($2::uuid[]) AND m.day BETWEEN $3::date AND $4::date
         GROUP BY 1, 2
       ),
       metrics AS (
         SELECT am.month, sum(am.posts)::bigint AS posts, sum(am.originals)::bigint AS originals, sum(am.engagement)::bigint AS engagement,
                count(*) FILTER (WHERE am.posts > 0)::int AS "activeAccounts", count(*)::int AS "reportingAccounts"
         FROM account_months am GROUP BY am.month
       ),
       x AS (
         SELECT i.unit_id AS source_unit_id, i.target_account_id, ${MONTH_OF('i.day')} AS month, sum(i.count)::bigint AS n
         FROM interactions i
         WHERE i.tenant_id = $1 AND i.unit_id = ANY ($2::uuid[]) AND i.day BETWEEN $3::date AND $4::date
         GROUP BY 1, 2, 3
       ),
       inter AS (
         SELECT x.month, sum(x.n)::bigint AS interactions, coalesce(sum(x.n) FILTER (WHERE sup.account_id IS NOT NULL), 0)::bigint AS upper
         FROM x LEFT JOIN matrix_superior_accounts(ARRAY(SELECT DISTINCT source_unit_id FROM x)) sup
           ON sup.unit_id = x.source_unit_id AND sup.account_id = x.target_account_id
         GROUP BY 1
       )
       SELECT to_char(mo.month, 'YYYY-MM') AS month, coalesce(me.posts, 0) AS posts, coalesce(me.originals, 0) AS originals,
              coalesce(me.engagement, 0) AS engagement, coalesce(i.interactions, 0) AS interactions, coalesce(i.upper, 0) AS "upperInteractions",
              coalesce(me."activeAccounts", 0) AS "activeAccounts", coalesce(me."reportingAccounts", 0) AS "reportingAccounts"
       FROM months mo LEFT JOIN metrics me ON me.month = mo.month LEFT JOIN inter i ON i.month = mo.month
       ORDER BY mo.month`,
      [tenantId, subtree.unitIds, period.from, period.to],
    );
    return rows.map((r) => ({
      month: r.month as string,
      posts: toInt(r.posts),
      originals: toInt(r.originals),
      engagement: toInt(r.engagement),
      interactions: toInt(r.interactions),
      upperInteractions: toInt(r.upperInteractions),
      activeAccounts: toInt(r.activeAccounts),
      reportingAccounts: toInt(r.reportingAccounts),
    }));
  }
}
