import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

export interface WriteCounts {
  inserted: number;
  /** Existing rows whose values changed (late corrections); the old values went to history. */
  updated: number;
  /** Rows identical to what was stored: nothing written. */
  unchanged: number;
}

/** Daily metric columns in table order, with their SQL array types for unnest. */
export const METRIC_FIELDS = [
  ['posts', 'posts', 'int'],
  ['originals', 'originals', 'int'],
  ['reposts', 'reposts', 'int'],
  ['comments', 'comments', 'int'],
  ['likes', 'likes', 'int'],
  ['reads', 'reads', 'bigint'],
  ['plays', 'plays', 'bigint'],
  ['followers', 'followers', 'bigint'],
  ['newFollowers', 'new_followers', 'int'],
  ['messagesReceived', 'messages_received', 'int'],
  ['messagesAnswered', 'messages_answered', 'int'],
  ['medianAnswerMinutes', 'median_answer_minutes', 'numeric'],
  ['postsGovernment', 'posts_government', 'int'],
  ['postsLivelihood', 'posts_livelihood', 'int'],
  ['postsBClass', 'posts_b_class', 'int'],
] as const;

/** Counters default to 0; values a platform may not have (reads, plays, followers, answer time) stay null. */
const NULLABLE = new Set(['reads', 'plays', 'followers', 'medianAnswerMinutes']);

export type MetricValues = Partial<Record<(typeof METRIC_FIELDS)[number][0], number>>;
export interface MetricRow extends MetricValues {
  accountId: string;
  day: string;
  unitId: string;
}

/**
 * A PostgreSQL array literal (`{a,b,NULL}`) of values that need no quoting: validated UUIDs and dates,
 * finite numbers. Null and undefined become NULL.
 */
export function arrayLiteral<R>(rows: readonly R[], value: (row: R) => string | number | null | undefined): string {
  let literal = '{';
  for (let i = 0; i < rows.length; i++) {
    const v = value(rows[i]);
    literal += `${i === 0 ? '' : ','}${v === null || v === undefined ? 'NULL' : v}`;
  }
  return `${literal}}`;
}

const COLUMN_LIST = METRIC_FIELDS.map(([, column]) => column).join(', ');
const UNNEST_ARGS = METRIC_FIELDS.map(([, , type], i) => `$${i + 5}::${type}[]`).join(', ');

/**
 * One statement per batch, set-based over unnest'ed arrays, never a row at a time. A day reported again
 * with other values is updated, and the trigger daily_metrics_keep_replaced copies the values it replaces
 * into daily_metrics_history; a day reported again with the same values is not touched.
 */
const UPSERT_METRICS = `
  WITH written AS (
    INSERT INTO daily_metrics AS m (tenant_id, account_id, day, unit_id, ${COLUMN_LIST})
    SELECT $1, * FROM unnest($2::uuid[], $3::date[], $4::uuid[], ${UNNEST_ARGS})
    ON CONFLICT (tenant_id, account_id, day) DO UPDATE SET
      ${METRIC_FIELDS.map(([, c]) => `${c} = EXCLUDED.${c}`).join(', ')}, reported_at = now()
    WHERE (${METRIC_FIELDS.map(([, c]) => `m.${c}`).join(', ')}) IS DISTINCT FROM (${METRIC_FIELDS.map(([, c]) => `EXCLUDED.${c}`).join(', ')})
    RETURNING (xmax = 0) AS inserted
  )
  SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM written`;

@Injectable()
export class ReportingRepository {
  constructor(private readonly tx: TransactionHost) {}

  /** Accounts of the subtree among the given ids, with their unit. */
  async accountsInScope(tenantId: string, scopePath: string, ids: string[]): Promise<Map<string, string>> {
    const rows: { id: string; unit_id: string }[] = await this.tx.manager.query(
      `SELECT a.id, a.unit_id FROM accounts a JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
       WHERE a.tenant_id = $1 AND u.path <@ $2::ltree AND a.id = ANY($3::uuid[])`,
      [tenantId, scopePath, ids],
    );
    return new Map(rows.map((r) => [r.id, r.unit_id]));
  }

  /** Which of the ids are accounts of the caller's tenant, wherever they sit in its tree. */
  async accountsInTenant(ids: string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await this.tx.manager.query(`SELECT id FROM tenant_accounts_existing($1::uuid[]) AS id`, [ids]);
    return new Set(rows.map((r) => r.id));
  }

  /**
   * `rows` must have passed validateRows (UUIDs, dates, finite numbers): their values go into PostgreSQL
   * array literals as they are, which is much cheaper than the driver's quoting of every element.
   */
  async upsertMetrics(tenantId: string, rows: readonly Omit<MetricRow, 'unitId'>[], unitIds: readonly string[]): Promise<WriteCounts> {
    const params: unknown[] = [
      tenantId,
      arrayLiteral(rows, (r) => r.accountId),
      arrayLiteral(rows, (r) => r.day),
      `{${unitIds.join(',')}}`,
    ];
    for (const [field] of METRIC_FIELDS) {
      const fallback = NULLABLE.has(field) ? null : 0;
      params.push(arrayLiteral(rows, (r) => r[field] ?? fallback));
    }
    const [result]: { inserted: number; updated: number }[] = await this.tx.manager.query(UPSERT_METRICS, params);
    return { inserted: result.inserted, updated: result.updated, unchanged: rows.length - result.inserted - result.updated };
  }

  async upsertInteractions(
    tenantId: string,
    rows: {
      day: string;
      sourceAccountId: string;
      targetAccountId: string;
      kind: string;
      unitId: string;
      targetPostId?: string;
      count: number;
    }[],
  ): Promise<WriteCounts> {
    const [result]: { inserted: number; updated: number }[] = await this.tx.manager.query(
      `WITH written AS (
         INSERT INTO interactions AS x (tenant_id, day, source_account_id, target_account_id, kind, unit_id, target_post_id, count)
         SELECT $1, * FROM unnest($2::date[], $3::uuid[], $4::uuid[], $5::text[], $6::uuid[], $7::text[], $8::int[])
         ON CONFLICT (tenant_id, day, source_account_id, target_account_id, kind) DO UPDATE
           SET count = EXCLUDED.count, target_post_id = EXCLUDED.target_post_id, reported_at = now()
           WHERE (x.count, x.target_post_id) IS DISTINCT FROM (EXCLUDED.count, EXCLUDED.target_post_id)
         RETURNING (xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM written`,
      [
        tenantId,
        rows.map((r) => r.day),
        rows.map((r) => r.sourceAccountId),
        rows.map((r) => r.targetAccountId),
        rows.map((r) => r.kind),
        rows.map((r) => r.unitId),
        rows.map((r) => r.targetPostId ?? null),
        rows.map((r) => r.count),
      ],
    );
    return { inserted: result.inserted, updated: result.updated, unchanged: rows.length - result.inserted - result.updated };
  }

  async upsertPosts(
    tenantId: string,
    rows: {
      accountId: string;
      postId: string;
      unitId: string;
      publishedAt: string;
      title?: string;
      body?: string;
      url?: string;
      contentClass?: string;
    }[],
  ): Promise<WriteCounts> {
    const [result]: { inserted: number; updated: number }[] = await this.tx.manager.query(
      `WITH written AS (
         INSERT INTO posts AS p (tenant_id, account_id, post_id, unit_id, published_at, title, body, url, content_class)
         SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[])
         ON CONFLICT (tenant_id, account_id, post_id) DO UPDATE
           SET published_at = EXCLUDED.published_at, title = EXCLUDED.title, body = EXCLUDED.body, url = EXCLUDED.url,
               content_class = EXCLUDED.content_class, reported_at = now()
           WHERE (p.published_at, p.title, p.body, p.url, p.content_class)
             IS DISTINCT FROM (EXCLUDED.published_at, EXCLUDED.title, EXCLUDED.body, EXCLUDED.url, EXCLUDED.content_class)
         RETURNING (xmax = 0) AS inserted)
       SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM written`,
      [
        tenantId,
        rows.map((r) => r.accountId),
        rows.map((r) => r.postId),
        rows.map((r) => r.unitId),
        rows.map((r) => r.publishedAt),
        rows.map((r) => r.title ?? null),
        rows.map((r) => r.body ?? null),
        rows.map((r) => r.url ?? null),
        rows.map((r) => r.contentClass ?? null),
      ],
    );
    return { inserted: result.inserted, updated: result.updated, unchanged: rows.length - result.inserted - result.updated };
  }

  async metricHistory(tenantId: string, scopePath: string, accountId: string, day: string): Promise<Record<string, unknown>[]> {
    return this.tx.manager.query(
      `SELECT h.*, to_char(h.day, 'YYYY-MM-DD') AS day FROM daily_metrics_history h
       JOIN units u ON u.tenant_id = h.tenant_id AND u.id = h.unit_id
       WHERE h.tenant_id = $1 AND u.path <@ $2::ltree AND h.account_id = $3 AND h.day = $4 ORDER BY h.replaced_at`,
      [tenantId, scopePath, accountId, day],
    );
  }

  async metricsOf(tenantId: string, scopePath: string, accountId: string, from: string, to: string): Promise<Record<string, unknown>[]> {
    return this.tx.manager.query(
      `SELECT m.*, to_char(m.day, 'YYYY-MM-DD') AS day FROM daily_metrics m
       JOIN units u ON u.tenant_id = m.tenant_id AND u.id = m.unit_id
       WHERE m.tenant_id = $1 AND u.path <@ $2::ltree AND m.account_id = $3 AND m.day BETWEEN $4 AND $5 ORDER BY m.day`,
      [tenantId, scopePath, accountId, from, to],
    );
  }
}
