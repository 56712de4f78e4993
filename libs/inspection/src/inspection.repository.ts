import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

export interface RuleOutcome {
  /** Findings newly opened. */
  opened: number;
  /** Findings already open and confirmed again (evidence refreshed). */
  confirmed: number;
  /** Findings closed because the account no longer violates the rule. */
  closed: number;
}

/** Live accounts: the ones inspections look at. */
const LIVE = `a.status IN ('active', 'rectifying')`;

/**
 * Each rule is one SELECT of violators (account_id, unit_id, detail, evidence) for tenant $1 and
 * check date $2. Rules are evaluated set-based over the whole tenant.
 */
export const RULES = {
  filing_overdue: `
    SELECT a.id AS account_id, a.unit_id,
      CASE WHEN a.status = 'pending_filing' THEN 'The opening filing was due on ' || to_char(a.opening_due_on, 'YYYY-MM-DD') || ' (R1)'
           ELSE 'The closure filing was due on ' || to_char(a.closure_due_on, 'YYYY-MM-DD') || ' (R2)' END AS detail,
      jsonb_build_object('obligation', CASE WHEN a.status = 'pending_filing' THEN 'opening' ELSE 'closure' END,
        'dueOn', to_char(CASE WHEN a.status = 'pending_filing' THEN a.opening_due_on ELSE a.closure_due_on END, 'YYYY-MM-DD'),
        'provisional', CASE WHEN a.status = 'pending_filing' THEN a.opening_due_provisional ELSE a.closure_due_provisional END) AS evidence
    FROM accounts a
    WHERE a.tenant_id = $1 AND (
      (a.status = 'pending_filing' AND a.opening_due_on < $2::date AND NOT EXISTS (
        SELECT 1 FROM filings f WHERE f.tenant_id = a.tenant_id AND f.account_id = a.id AND f.kind = 'opening' AND f.status IN ('submitted', 'accepted')))
      OR (a.status = 'closing' AND a.closure_due_on < $2::date AND NOT EXISTS (
        SELECT 1 FROM filings f WHERE f.tenant_id = a.tenant_id AND f.account_id = a.id AND f.kind = 'closure' AND f.status IN ('submitted', 'accepted'))))`,

  // $3: days. The window is the $3 days before the check date: [date - $3, date - 1].
  inactive_14d: `
    SELECT a.id AS account_id, a.unit_id,
      'No post in the ' || $3 || ' days before ' || to_char($2::date, 'YYYY-MM-DD') || ' (zombie account, single veto)' AS detail,
      jsonb_build_object('from', to_char($2::date - $3::int, 'YYYY-MM-DD'), 'to', to_char($2::date - 1, 'YYYY-MM-DD'),
        'lastPostDay', (SELECT to_char(max(m.day), 'YYYY-MM-DD') FROM daily_metrics m
                        WHERE m.tenant_id = a.tenant_id AND m.account_id = a.id AND m.posts > 0 AND m.day < $2::date)) AS evidence
    FROM accounts a
    WHERE a.tenant_id = $1 AND ${LIVE} AND a.opened_on <= $2::date - $3::int
      AND NOT EXISTS (SELECT 1 FROM daily_metrics m WHERE m.tenant_id = a.tenant_id AND m.account_id = a.id
                      AND m.day >= $2::date - $3::int AND m.day < $2::date AND m.posts > 0)`,

  // $3: allowance by platform (jsonb). The month is the calendar month before the check date's.
  low_activity: `
    WITH month AS (SELECT (date_trunc('month', $2::date) - interval '1 month')::date AS first_day, (date_trunc('month', $2::date) - interval '1 day')::date AS last_day)
    SELECT a.id AS account_id, a.unit_id,
      format('%s posts in %s, below the allowance of %s for %s (R7)', coalesce(p.posts, 0), to_char(month.first_day, 'YYYY-MM'), ($3::jsonb ->> a.platform), a.platform) AS detail,
      jsonb_build_object('month', to_char(month.first_day, 'YYYY-MM'), 'posts', coalesce(p.posts, 0), 'allowance', ($3::jsonb ->> a.platform)::int) AS evidence
    FROM accounts a CROSS JOIN month
    LEFT JOIN LATERAL (SELECT sum(m.posts)::int AS posts FROM daily_metrics m
                       WHERE m.tenant_id = a.tenant_id AND m.account_id = a.id AND m.day BETWEEN month.first_day AND month.last_day) p ON true
    WHERE a.tenant_id = $1 AND ${LIVE} AND a.opened_on <= month.first_day
      AND coalesce(p.posts, 0) < coalesce(($3::jsonb ->> a.platform)::int, 0)`,

  // $3: days a message may wait. Looks at the 90 days before the limit.
  unanswered_messages: `
    SELECT a.id AS account_id, a.unit_id,
      format('%s messages older than %s days are unanswered (R8)', w.unanswered, $3) AS detail,
      jsonb_build_object('unanswered', w.unanswered, 'olderThanDays', $3::int, 'oldestDay', to_char(w.oldest, 'YYYY-MM-DD')) AS evidence
    FROM accounts a
    JOIN LATERAL (SELECT sum(m.messages_received - m.messages_answered)::int AS unanswered,
                         min(m.day) FILTER (WHERE m.messages_received > m.messages_answered) AS oldest
                  FROM daily_metrics m
                  WHERE m.tenant_id = a.tenant_id AND m.account_id = a.id
                    AND m.day < $2::date - $3::int AND m.day >= $2::date - $3::int - 90) w ON w.unanswered > 0
    WHERE a.tenant_id = $1 AND ${LIVE}`,

  // $3: days. Posting regularly but never a comment nor a message: the interaction function is off.
  no_interaction_function: `
    SELECT a.id AS account_id, a.unit_id,
      format('%s posts in the %s days before the check, and no comment or message at all', w.posts, $3) AS detail,
      jsonb_build_object('posts', w.posts, 'days', $3::int, 'reportedDays', w.days) AS evidence
    FROM accounts a
    JOIN LATERAL (SELECT sum(m.posts)::int AS posts, sum(m.comments + m.messages_received)::int AS interactions, count(*)::int AS days
                  FROM daily_metrics m
                  WHERE m.tenant_id = a.tenant_id AND m.account_id = a.id AND m.day >= $2::date - $3::int AND m.day < $2::date) w
      ON w.posts >= 5 AND w.interactions = 0 AND w.days * 2 >= $3::int
    WHERE a.tenant_id = $1 AND ${LIVE}`,
} as const;
export type InspectionRule = keyof typeof RULES;

/** Violators computed outside SQL (the naming check), handed in as arrays. */
const GIVEN_VIOLATORS = `SELECT * FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::jsonb[]) AS v(account_id, unit_id, detail, evidence)`;

export interface NamingCandidate {
  accountId: string;
  unitId: string;
  name: string;
  unitName: string;
  unitShortName: string | null;
  regionName: string | null;
  regionShortName: string | null;
}

@Injectable()
export class InspectionRepository {
  constructor(private readonly tx: TransactionHost) {}

  /** Opens findings for new violators, refreshes the open ones, closes those no longer violating. */
  async applyRule(tenantId: string, checkDate: string, kind: string, violators: string, extraParams: unknown[]): Promise<RuleOutcome> {
    const kindParam = `$${3 + extraParams.length}`;
    const [row]: RuleOutcome[] = await this.tx.manager.query(
      `WITH violators AS (${violators}),
       opened AS (
         INSERT INTO findings (tenant_id, account_id, unit_id, kind, detail, evidence, checked_on, source)
         SELECT $1, v.account_id, v.unit_id, ${kindParam}, v.detail, v.evidence, $2::date, 'inspection' FROM violators v
         ON CONFLICT (tenant_id, account_id, kind) WHERE status = 'open'
         DO UPDATE SET detail = EXCLUDED.detail, evidence = EXCLUDED.evidence, checked_on = EXCLUDED.checked_on
         RETURNING (xmax = 0) AS inserted),
       closed AS (
         UPDATE findings f SET status = 'closed', closed_at = now(), checked_on = $2::date
         WHERE f.tenant_id = $1 AND f.kind = ${kindParam} AND f.status = 'open' AND f.source = 'inspection'
           AND NOT EXISTS (SELECT 1 FROM violators v WHERE v.account_id = f.account_id)
         RETURNING 1)
       SELECT (SELECT count(*) FROM opened WHERE inserted)::int AS opened,
              (SELECT count(*) FROM opened WHERE NOT inserted)::int AS confirmed,
              (SELECT count(*) FROM closed)::int AS closed`,
      [tenantId, checkDate, ...extraParams, kind],
    );
    return row;
  }

  applyGivenViolators(
    tenantId: string,
    checkDate: string,
    kind: string,
    violators: { accountId: string; unitId: string; detail: string; evidence: object }[],
  ): Promise<RuleOutcome> {
    return this.applyRule(tenantId, checkDate, kind, GIVEN_VIOLATORS, [
      violators.map((v) => v.accountId),
      violators.map((v) => v.unitId),
      violators.map((v) => v.detail),
      violators.map((v) => JSON.stringify(v.evidence)),
    ]);
  }

  /** Live accounts with the names the naming check compares (unit and nearest region). */
  async namingCandidates(tenantId: string): Promise<NamingCandidate[]> {
    return this.tx.manager.query(
      `SELECT a.id AS "accountId", a.unit_id AS "unitId", a.name, u.name AS "unitName", u.short_name AS "unitShortName",
              r.name AS "regionName", r.short_name AS "regionShortName"
       FROM accounts a JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
       LEFT JOIN LATERAL (SELECT x.name, x.short_name FROM units x
                          WHERE x.tenant_id = u.tenant_id AND x.path @> u.path AND x.level <> 'bureau'
                          ORDER BY nlevel(x.path) DESC LIMIT 1) r ON true
       WHERE a.tenant_id = $1 AND a.status IN ('pending_filing', 'active', 'rectifying')`,
      [tenantId],
    );
  }
}
