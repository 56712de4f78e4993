import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { ACCOUNT_STATUSES, AccountStatus } from '@govmatrix/ledger';
import { UnitLevel } from '@govmatrix/tenancy';

/** The year as the queries take it: its days and its bounds in China time (start inclusive, end exclusive). */
export interface ReportYear {
  year: number;
  /** YYYY-01-01 */
  from: string;
  /** YYYY-12-31 */
  to: string;
  /** YYYY-01-01T00:00:00+08:00 */
  start: string;
  /** (YYYY+1)-01-01T00:00:00+08:00 */
  end: string;
}

export interface RegionRecord {
  id: string;
  parentId: string | null;
  path: string;
  name: string;
  code: string | null;
  divisionCode: string | null;
  level: UnitLevel;
  supervisor: boolean;
}

/** A subtree as the report reads it: its root's path and the ids of all its units (read once, first). */
export interface ReportSubtree {
  path: string;
  unitIds: string[];
}

export interface AccountCountsRow {
  units: number;
  accounts: number;
  byStatus: Record<AccountStatus, number>;
  opened: number;
  closed: number;
  forceClosed: number;
  inspected: number;
  withFindings: number;
  failed: number;
}

export interface FilingCountsRow {
  kind: 'opening' | 'change' | 'closure';
  submitted: number;
  accepted: number;
  returned: number;
  overdue: number;
}

export interface FindingCountsRow {
  kind: string;
  opened: number;
  closed: number;
  openAtYearEnd: number;
  accounts: number;
}

export interface SanctionTotalsRow {
  opened: number;
  resolved: number;
  escalated: number;
  escalations: number;
  forcedClosures: number;
  openAtYearEnd: number;
}

export interface MeasureCountsRow {
  measure: string;
  opened: number;
  escalatedTo: number;
}

export interface ReportRunRecord {
  id: string;
  kind: 'yearly' | 'on_demand';
  from: string;
  to: string;
  modelId: string;
  modelKey: string;
  modelName: string;
  modelVersion: number;
  version: number;
  scopeUnitId: string;
  publishedAt: Date;
}

export interface RankedAccountRow {
  list: 'top' | 'bottom';
  position: number;
  scored: number;
  accountId: string;
  accountName: string;
  platform: string;
  unitId: string;
  unitName: string;
  score: number;
  vetoes: string[];
  rankOverall: number;
}

export interface UnitRankRow {
  position: number;
  unitId: string;
  unitName: string;
  level: UnitLevel;
  accounts: number;
  meanScore: string;
  minScore: number;
  maxScore: number;
}

const REGION_COLUMNS = `id, parent_id AS "parentId", path::text AS path, name, code, division_code AS "divisionCode", level, supervisor`;

const LIVE = `('active', 'rectifying')`;
const FINAL = `('closed', 'force_closed')`;

const STATUS_COUNTS = ACCOUNT_STATUSES.map((s) => `count(*) FILTER (WHERE x.end_status = '${s}')::int AS "status:${s}"`).join(',\n    ');

/**
 * Every account of the subtree opened by 31 December, with its status at the year's start and end
 * and whether it was inspected and failed. $1 tenant, $2 unit ids, $3 first day, $4 last day,
 * $5 start, $6 end, $7 single-veto finding kinds.
 *
 * The status at a moment is the status before the account's first change after it, or its current
 * status when it has not changed since. A change is an account entry of the audit log that holds
 * the status before it (transitions, sanctions, updates; a creation: `pending_filing`, the account
 * not yet filed) or the acceptance of an opening (before: `pending_filing`) or closure (before:
 * `closing`) filing. Only changes after the year began are read.
 */
const ACCOUNT_YEAR = `
  WITH acc AS MATERIALIZED (
    SELECT a.id, a.status, a.opened_on
    FROM accounts a
    WHERE a.tenant_id = $1 AND a.unit_id = ANY($2::uuid[]) AND a.opened_on <= $4::date
  ),
  changes AS MATERIALIZED (
    SELECT a.id AS account_id, l.seq, l.occurred_at,
      CASE WHEN l.action = 'create' THEN 'pending_filing' ELSE l.before ->> 'status' END AS before_status,
      l.after ->> 'status' AS after_status
    FROM acc a
    CROSS JOIN LATERAL (
      SELECT l.seq, l.occurred_at, l.action, l.before, l.after FROM audit_log l
      WHERE l.tenant_id = $1 AND l.entity_id = a.id AND l.entity_type = 'account' AND l.occurred_at >= $5::timestamptz
        AND (l.action = 'create' OR l.before ->> 'status' IS NOT NULL)) l
    UNION ALL
    SELECT f.account_id, l.seq, l.occurred_at,
      CASE f.kind WHEN 'opening' THEN 'pending_filing' ELSE 'closing' END,
      CASE f.kind WHEN 'opening' THEN 'active' ELSE 'closed' END
    FROM filings f
    CROSS JOIN LATERAL (
      SELECT l.seq, l.occurred_at FROM audit_log l
      WHERE l.tenant_id = f.tenant_id AND l.entity_id = f.id AND l.entity_type = 'filing' AND l.action = 'accept'
        AND l.occurred_at >= $5::timestamptz) l
    -- The review and its audit entry are one transaction: reviewed_at (its start) is at most a moment before.
    WHERE f.tenant_id = $1 AND f.unit_id = ANY($2::uuid[]) AND f.account_id IN (SELECT id FROM acc)
      AND f.kind IN ('opening', 'closure') AND f.status = 'accepted' AND f.reviewed_at >= $5::timestamptz - interval '1 day'
  ),
  per AS (
    SELECT c.account_id,
      (array_agg(c.before_status ORDER BY c.seq))[1] AS status_at_start,
      (array_agg(c.before_status ORDER BY c.seq) FILTER (WHERE c.occurred_at >= $6::timestamptz))[1] AS status_at_end,
      bool_or(c.occurred_at < $6::timestamptz AND (c.before_status IN ${LIVE} OR c.after_status IN ${LIVE})) AS live_between
    FROM changes c GROUP BY c.account_id
  ),
  fnd AS (
    SELECT f.account_id, bool_or(f.kind = ANY($7::text[])) AS veto
    FROM findings f
    WHERE f.tenant_id = $1 AND f.unit_id = ANY($2::uuid[]) AND f.opened_at < $6::timestamptz
      AND (f.closed_at IS NULL OR f.closed_at >= $5::timestamptz)
    GROUP BY f.account_id
  ),
  snap AS (
    SELECT a.id, a.opened_on,
      coalesce(p.status_at_end, a.status) AS end_status,
      CASE WHEN a.opened_on < $3::date THEN coalesce(p.status_at_start, a.status) END AS start_status,
      coalesce(p.live_between, false) AS live_between
    FROM acc a LEFT JOIN per p ON p.account_id = a.id
  ),
  x AS (
    SELECT s.*, coalesce(s.start_status IN ${FINAL}, false) AS final_at_start,
      (fnd.account_id IS NOT NULL) AS has_finding, coalesce(fnd.veto, false) AS veto,
      (s.live_between OR coalesce(s.start_status IN ${LIVE}, false) OR s.end_status IN ${LIVE} OR fnd.account_id IS NOT NULL) AS inspected
    FROM snap s LEFT JOIN fnd ON fnd.account_id = s.id
  )
  SELECT count(*)::int AS accounts,
    ${STATUS_COUNTS},
    count(*) FILTER (WHERE x.opened_on >= $3::date)::int AS opened,
    count(*) FILTER (WHERE x.end_status = 'closed' AND NOT x.final_at_start)::int AS closed,
    count(*) FILTER (WHERE x.end_status = 'force_closed' AND NOT x.final_at_start)::int AS "forceClosed",
    count(*) FILTER (WHERE x.inspected)::int AS inspected,
    count(*) FILTER (WHERE x.inspected AND x.has_finding)::int AS "withFindings",
    count(*) FILTER (WHERE x.inspected AND x.veto)::int AS failed
  FROM x`;

/** A filing submitted (China date) on or before the deadline that was accepted or is still pending. */
const filedInTime = (kind: 'opening' | 'closure', due: string): string => `EXISTS (
  SELECT 1 FROM filings f WHERE f.tenant_id = a.tenant_id AND f.account_id = a.id AND f.kind = '${kind}'
    AND f.status IN ('submitted', 'accepted') AND (f.submitted_at AT TIME ZONE 'Asia/Shanghai')::date <= a.${due})`;

/** The last day a deadline may fall on to count as passed: yesterday in China, within the year. */
const LAST_PASSED_DUE = `least($4::date, (now() AT TIME ZONE 'Asia/Shanghai')::date - 1)`;

/** Cases of the subtree decided by 31 December, and the escalation steps of the year. $1 tenant, $2 unit ids, $3 first day, $4 last day, $5 start, $6 end. */
const CASES = `
  c AS MATERIALIZED (
    SELECT c.id, c.initial_measure, c.decided_on, c.resolved_at
    FROM sanction_cases c
    WHERE c.tenant_id = $1 AND c.unit_id = ANY($2::uuid[]) AND c.decided_on <= $4::date
  ),
  climbs AS MATERIALIZED (
    SELECT st.case_id, st.measure
    FROM sanction_case_steps st
    WHERE st.tenant_id = $1 AND st.unit_id = ANY($2::uuid[]) AND st.kind = 'escalated'
      AND coalesce(st.as_of, st.occurred_at) >= $5::timestamptz AND coalesce(st.as_of, st.occurred_at) < $6::timestamptz
  )`;

/**
 * All SQL of the yearly supervision report. Every query carries the tenant and the subtree (the
 * array of its unit ids, read first, or its path), under the row-level scope of that subtree.
 */
@Injectable()
export class SupervisionReportRepository {
  constructor(private readonly tx: TransactionHost) {}

  private query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return this.tx.manager.query(sql, params);
  }

  /** The unit whose path is the scope (the root of a caller's subtree). */
  async unitAt(tenantId: string, path: string): Promise<RegionRecord | undefined> {
    return (
      await this.query<RegionRecord>(`SELECT ${REGION_COLUMNS} FROM units WHERE tenant_id = $1 AND path = $2::ltree`, [tenantId, path])
    )[0];
  }

  /** A unit of the caller's subtree. */
  async unitInScope(tenantId: string, scopePath: string, id: string): Promise<RegionRecord | undefined> {
    return (
      await this.query<RegionRecord>(`SELECT ${REGION_COLUMNS} FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND id = $3`, [
        tenantId,
        scopePath,
        id,
      ])
    )[0];
  }

  /** The region's supervising office: its active child flagged `supervisor`. */
  async officeOf(tenantId: string, regionId: string): Promise<{ id: string; name: string } | undefined> {
    return (
      await this.query<{ id: string; name: string }>(
        `SELECT id, name FROM units WHERE tenant_id = $1 AND parent_id = $2 AND supervisor AND active`,
        [tenantId, regionId],
      )
    )[0];
  }

  async subtree(tenantId: string, path: string): Promise<ReportSubtree> {
    const rows = await this.query<{ id: string }>(`SELECT id FROM units WHERE tenant_id = $1 AND path <@ $2::ltree`, [tenantId, path]);
    return { path, unitIds: rows.map((r) => r.id) };
  }

  /** Units, accounts by status at the year's end, openings and closures, inspected and failed accounts. */
  async accountCounts(tenantId: string, subtree: ReportSubtree, y: ReportYear, vetoKinds: readonly string[]): Promise<AccountCountsRow> {
    const [units] = await this.query<{ units: number }>(
      `SELECT count(*)::int AS units FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND active AND created_at < $3::timestamptz`,
      [tenantId, subtree.path, y.end],
    );
    const [row] = await this.query<Record<string, number>>(ACCOUNT_YEAR, [
      tenantId,
      subtree.unitIds,
      y.from,
      y.to,
      y.start,
      y.end,
      vetoKinds,
    ]);
    return {
      units: units.units,
      accounts: row.accounts,
      byStatus: Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s, row[`status:${s}`]])) as Record<AccountStatus, number>,
      opened: row.opened,
      closed: row.closed,
      forceClosed: row.forceClosed,
      inspected: row.inspected,
      withFindings: row.withFindings,
      failed: row.failed,
    };
  }

  /** Filings submitted, accepted and returned in the year, and overdue obligations, by kind (every kind listed). */
  filingCounts(tenantId: string, subtree: ReportSubtree, y: ReportYear): Promise<FilingCountsRow[]> {
    return this.query<FilingCountsRow>(
      `WITH moved AS (
         SELECT f.kind,
           count(*) FILTER (WHERE f.submitted_at >= $5::timestamptz AND f.submitted_at < $6::timestamptz)::int AS submitted,
           count(*) FILTER (WHERE f.status = 'accepted' AND f.reviewed_at >= $5::timestamptz AND f.reviewed_at < $6::timestamptz)::int AS accepted,
           count(*) FILTER (WHERE f.status = 'returned' AND f.reviewed_at >= $5::timestamptz AND f.reviewed_at < $6::timestamptz)::int AS returned
         FROM filings f
         WHERE f.tenant_id = $1 AND f.unit_id = ANY($2::uuid[])
           AND ((f.submitted_at >= $5::timestamptz AND f.submitted_at < $6::timestamptz)
             OR (f.reviewed_at >= $5::timestamptz AND f.reviewed_at < $6::timestamptz))
         GROUP BY f.kind
       ),
       overdue AS (
         SELECT
           count(*) FILTER (WHERE a.opening_due_on BETWEEN $3::date AND ${LAST_PASSED_DUE}
             AND NOT ${filedInTime('opening', 'opening_due_on')})::int AS opening,
           count(*) FILTER (WHERE a.closure_due_on BETWEEN $3::date AND ${LAST_PASSED_DUE}
             AND NOT ${filedInTime('closure', 'closure_due_on')})::int AS closure
         FROM accounts a
         WHERE a.tenant_id = $1 AND a.unit_id = ANY($2::uuid[])
           AND (a.opening_due_on BETWEEN $3::date AND $4::date OR a.closure_due_on BETWEEN $3::date AND $4::date)
       )
       SELECT k.kind, coalesce(m.submitted, 0) AS submitted, coalesce(m.accepted, 0) AS accepted, coalesce(m.returned, 0) AS returned,
         CASE k.kind WHEN 'opening' THEN o.opening WHEN 'closure' THEN o.closure ELSE 0 END AS overdue
       FROM unnest(ARRAY['opening', 'change', 'closure']) WITH ORDINALITY AS k(kind, ord)
       CROSS JOIN overdue o
       LEFT JOIN moved m ON m.kind = k.kind
       ORDER BY k.ord`,
      [tenantId, subtree.unitIds, y.from, y.to, y.start, y.end],
    );
  }

  /** Findings open at some moment of the year, by kind (only kinds that occur). */
  findingCounts(tenantId: string, subtree: ReportSubtree, y: ReportYear): Promise<FindingCountsRow[]> {
    return this.query<FindingCountsRow>(
      `SELECT f.kind,
         count(*) FILTER (WHERE f.opened_at >= $3::timestamptz)::int AS opened,
         count(*) FILTER (WHERE f.closed_at < $4::timestamptz)::int AS closed,
         count(*) FILTER (WHERE f.closed_at IS NULL OR f.closed_at >= $4::timestamptz)::int AS "openAtYearEnd",
         count(DISTINCT f.account_id)::int AS accounts
       FROM findings f
       WHERE f.tenant_id = $1 AND f.unit_id = ANY($2::uuid[]) AND f.opened_at < $4::timestamptz
         AND (f.closed_at IS NULL OR f.closed_at >= $3::timestamptz)
       GROUP BY f.kind ORDER BY f.kind`,
      [tenantId, subtree.unitIds, y.start, y.end],
    );
  }

  async sanctionTotals(tenantId: string, subtree: ReportSubtree, y: ReportYear): Promise<SanctionTotalsRow> {
    const [row] = await this.query<SanctionTotalsRow>(
      `WITH ${CASES}
       SELECT
         (SELECT count(*) FROM c WHERE c.decided_on >= $3::date)::int AS opened,
         (SELECT count(*) FROM c WHERE c.resolved_at >= $5::timestamptz AND c.resolved_at < $6::timestamptz)::int AS resolved,
         (SELECT count(*) FROM c WHERE c.resolved_at IS NULL OR c.resolved_at >= $6::timestamptz)::int AS "openAtYearEnd",
         (SELECT count(DISTINCT case_id) FROM climbs)::int AS escalated,
         (SELECT count(*) FROM climbs)::int AS escalations,
         (SELECT count(*) FROM (
            SELECT c.id FROM c WHERE c.initial_measure = 'forced_closure' AND c.decided_on >= $3::date
            UNION SELECT climbs.case_id FROM climbs WHERE climbs.measure = 'forced_closure') z)::int AS "forcedClosures"`,
      [tenantId, subtree.unitIds, y.from, y.to, y.start, y.end],
    );
    return row;
  }

  /** Cases decided and escalated to, per measure, in the order given. */
  measureCounts(tenantId: string, subtree: ReportSubtree, y: ReportYear, measures: readonly string[]): Promise<MeasureCountsRow[]> {
    return this.query<MeasureCountsRow>(
      `WITH ${CASES}
       SELECT m.measure,
         (SELECT count(*) FROM c WHERE c.initial_measure = m.measure AND c.decided_on >= $3::date)::int AS opened,
         (SELECT count(DISTINCT climbs.case_id) FROM climbs WHERE climbs.measure = m.measure)::int AS "escalatedTo"
       FROM unnest($7::text[]) WITH ORDINALITY AS m(measure, ord)
       ORDER BY m.ord`,
      [tenantId, subtree.unitIds, y.from, y.to, y.start, y.end, measures],
    );
  }

  /**
   * The run a report ranks: over the subtree or one containing it, the latest yearly run of the
   * year, else the latest on-demand run whose period lies within the year.
   */
  async runOfYear(tenantId: string, subtreePath: string, y: ReportYear): Promise<ReportRunRecord | undefined> {
    const rows = await this.query<ReportRunRecord>(
      `SELECT r.id, r.kind, to_char(r.period_from, 'YYYY-MM-DD') AS "from", to_char(r.period_to, 'YYYY-MM-DD') AS "to",
         r.model_id AS "modelId", m.key AS "modelKey", m.name AS "modelName", m.version AS "modelVersion", r.version,
         r.scope_unit_id AS "scopeUnitId", r.published_at AS "publishedAt"
       FROM score_runs r JOIN score_models m ON m.tenant_id = r.tenant_id AND m.id = r.model_id
       WHERE r.tenant_id = $1 AND r.scope_path @> $2::ltree
         AND ((r.kind = 'yearly' AND r.year = $3) OR (r.kind = 'on_demand' AND r.period_from >= $4::date AND r.period_to <= $5::date))
       ORDER BY (r.kind = 'yearly') DESC, r.published_at DESC, r.id DESC
       LIMIT 1`,
      [tenantId, subtreePath, y.year, y.from, y.to],
    );
    return rows[0];
  }

  /** The n best and n worst scores of the subtree in a run, with their rank within the subtree. */
  rankedAccounts(tenantId: string, subtree: ReportSubtree, runId: string, n: number): Promise<RankedAccountRow[]> {
    return this.query<RankedAccountRow>(
      `WITH ranked AS (
         SELECT s.account_id AS "accountId", a.name AS "accountName", s.platform, s.unit_id AS "unitId", u.name AS "unitName",
           s.score, s.vetoes, s.rank_overall AS "rankOverall", rank() OVER (ORDER BY s.score DESC)::int AS position,
           count(*) OVER ()::int AS scored
         FROM scores s
         JOIN accounts a ON a.tenant_id = s.tenant_id AND a.id = s.account_id
         JOIN units u ON u.tenant_id = s.tenant_id AND u.id = s.unit_id
         WHERE s.tenant_id = $1 AND s.run_id = $2 AND s.unit_id = ANY($3::uuid[])
       )
       (SELECT 'top' AS list, r.* FROM ranked r ORDER BY r.score DESC, r."rankOverall", r."accountId" LIMIT $4)
       UNION ALL
       (SELECT 'bottom' AS list, r.* FROM ranked r ORDER BY r.score ASC, r."rankOverall" DESC, r."accountId" DESC LIMIT $4)`,
      [tenantId, runId, subtree.unitIds, n],
    );
  }

  /** The region's direct sub-units in a run's unit aggregates, best subtree mean first. */
  unitRanks(tenantId: string, runId: string, regionId: string): Promise<UnitRankRow[]> {
    return this.query<UnitRankRow>(
      `SELECT rank() OVER (ORDER BY g.subtree_mean_score DESC)::int AS position, g.unit_id AS "unitId", u.name AS "unitName", u.level,
         g.subtree_accounts AS accounts, g.subtree_mean_score AS "meanScore", g.subtree_min_score AS "minScore",
         g.subtree_max_score AS "maxScore"
       FROM score_unit_aggregates g JOIN units u ON u.tenant_id = g.tenant_id AND u.id = g.unit_id
       WHERE g.tenant_id = $1 AND g.run_id = $2 AND u.parent_id = $3
       ORDER BY g.subtree_mean_score DESC, u.path`,
      [tenantId, runId, regionId],
    );
  }
}
