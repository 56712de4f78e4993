import { Client } from 'pg';
import { bindStage, presetOf, stagesFor } from '@govmatrix/scoring';
import { withClient } from '../support/database';
import { bearer, clientLogin, createClient, createTenant, importUnits, loginOperator, Session, TenantFixture } from '../support/fixtures';
import { createAccount, LEDGER_TREE } from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const OCTOBER = Array.from({ length: 31 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);

/** Account number `a`'s report of day number `d` (1-based); its likes peak on the last day of October. */
const reported = (accountId: string, a: number, d: number, day = OCTOBER[d - 1]) => ({
  accountId,
  day,
  posts: (a + d) % 4,
  originals: 0,
  reposts: d % 3,
  comments: 2,
  likes: 10 * d + a,
  reads: a === 1 ? undefined : 100 * d,
  followers: 1000 + d,
  newFollowers: d % 5,
  postsGovernment: 0,
  postsLivelihood: 0,
  postsBClass: 0,
});

/**
 * Every month of daily_metrics counted afresh, as the rollup should hold it: the oracle the triggers are
 * checked against, written independently of the migration's statements.
 */
const RECOUNT = `
  SELECT tenant_id, account_id, unit_id, date_trunc('month', day)::date AS month, count(*)::int AS days,
    count(*) FILTER (WHERE posts > 0)::int AS post_days, sum(posts)::bigint AS posts, sum(originals)::bigint AS originals,
    sum(reposts)::bigint AS reposts, sum(comments)::bigint AS comments, sum(likes)::bigint AS likes, sum(reads)::bigint AS reads,
    sum(new_followers)::bigint AS new_followers, sum(posts_government)::bigint AS posts_government,
    sum(posts_livelihood)::bigint AS posts_livelihood, sum(posts_b_class)::bigint AS posts_b_class, max(reads) AS peak_reads,
    max(likes) AS peak_likes, max((day - DATE '2000-01-01')::bigint * 1099511627776 + followers) AS followers_key
  FROM daily_metrics GROUP BY 1, 2, 3, 4`;
const ROLLUP_COLUMNS = `tenant_id, account_id, unit_id, month, days, post_days, posts, originals, reposts, comments, likes, reads,
  new_followers, posts_government, posts_livelihood, posts_b_class, peak_reads, peak_likes, followers_key`;

/**
 * daily_metrics_monthly, the rollup the yearly scoring reads: kept by daily_metrics' statement triggers
 * through reports, corrections, deletions and concurrent writers, under row-level security; and the
 * scoring's metrics stage over months and days giving what the days alone give.
 */
describe('the monthly metrics rollup', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let units: Record<string, string>;
  let portal: Session;
  /** Two accounts of 天心公安 and 天心教育 (the second reports no reads), one of 荷塘公安. */
  let accounts: string[];

  const owner = <T>(work: (client: Client) => Promise<T>): Promise<T> => withClient(t.db.ownerUrl, work);
  /** Rollup rows that a recount does not give, and recounted months the rollup lacks or has otherwise. */
  const drift = () =>
    owner(async (c) => {
      const { rows } = await c.query(`
        (SELECT 'rollup only' AS side, ${ROLLUP_COLUMNS} FROM daily_metrics_monthly EXCEPT SELECT 'rollup only', * FROM (${RECOUNT}) r)
        UNION ALL
        (SELECT 'recount only', * FROM (${RECOUNT}) r EXCEPT SELECT 'recount only', ${ROLLUP_COLUMNS} FROM daily_metrics_monthly)`);
      return rows;
    });
  const month = (accountId: string, first: string) =>
    owner(async (c) => {
      const { rows } = await c.query(
        `SELECT days, post_days, posts::int, likes::int, reads::int, peak_reads::int, peak_likes,
                (followers_key & 1099511627775)::int AS followers, to_char(DATE '2000-01-01' + (followers_key >> 40)::int, 'YYYY-MM-DD') AS followers_day
         FROM daily_metrics_monthly WHERE tenant_id = $1 AND account_id = $2 AND month = $3`,
        [tenant.id, accountId, first],
      );
      return rows[0] as Record<string, number | string | null> | undefined;
    });
  /** The months marked stale by corrections and deletions, as the app role sees them. */
  const marks = () =>
    owner(
      async (c) =>
        (await c.query(`SELECT count(*)::int AS n FROM daily_metrics_monthly_stale WHERE tenant_id = $1`, [tenant.id])).rows[0].n as number,
    );
  /** What the scoring does before it reads the months, as the app role in the tenant's root scope: recount the marked ones. */
  const refresh = async () => {
    const root = await owner(
      async (c) => (await c.query(`SELECT path::text FROM units WHERE id = $1`, [tenant.rootUnitId])).rows[0].path as string,
    );
    return withClient(t.db.appUrl, async (db) => {
      await db.query('BEGIN');
      await db.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`, [tenant.id, root]);
      const { rows } = await db.query(`SELECT daily_metrics_monthly_refresh($1) AS n`, [tenant.id]);
      await db.query('COMMIT');
      return rows[0].n as number;
    });
  };
  const report = async (rows: object[]) => {
    const res = await t.http.post('/v1/reports/metrics').set(bearer(portal.token)).send({ rows });
    expect(res.status).toBe(200);
    return res.body as { inserted: number; updated: number; unchanged: number };
  };

  beforeAll(async () => {
    t = await startTestApp();
    const operator = await loginOperator(t);
    tenant = await createTenant(t, operator);
    units = await importUnits(t, tenant, LEDGER_TREE);
    accounts = [
      (await createAccount(t, tenant.admin, { unitId: units['tx-gaj'], name: '天心公安' })).id,
      (await createAccount(t, tenant.admin, { unitId: units['tx-jyj'], name: '天心教育' })).id,
      (await createAccount(t, tenant.admin, { unitId: units['hd-gaj'], name: '荷塘公安' })).id,
    ];
    portal = await clientLogin(
      t,
      await createClient(t, tenant, { name: '长沙市政务新媒体平台', unitId: units.cs, scopes: ['read:own', 'report:metrics'] }),
    );
  });
  afterAll(() => t?.close());

  it("adds a report's days to their accounts' months, through the app role under row-level security", async () => {
    const rows = accounts.slice(0, 2).flatMap((id, a) => OCTOBER.map((_, i) => reported(id, a, i + 1)));
    rows.push(...[1, 2, 3].map((d) => reported(accounts[0], 0, d, `2026-11-0${d}`)));
    expect(await report(rows)).toMatchObject({ inserted: 65, updated: 0 });

    // Account 0 in October posts d % 4 on day d: 1, 2 and 3 posts on 8 days each (d = 1…31), none on 7 → 48 posts, 24 days.
    expect(await month(accounts[0], '2026-10-01')).toEqual({
      days: 31,
      post_days: 24,
      posts: 48,
      likes: 10 * 496, // Σ 10·d + 0 over d = 1…31
      reads: 100 * 496,
      peak_reads: 3100,
      peak_likes: 310,
      followers: 1031,
      followers_day: '2026-10-31',
    });
    // Account 1 reports no reads: its sums and peak of reads stay NULL.
    expect(await month(accounts[1], '2026-10-01')).toMatchObject({ days: 31, reads: null, peak_reads: null, peak_likes: 311 });
    expect(await month(accounts[0], '2026-11-01')).toMatchObject({ days: 3, followers: 1003, followers_day: '2026-11-03' });
    expect(await drift()).toEqual([]);
  });

  it('marks the month of a correction, and recounts it on refresh even when the correction lowered its peak', async () => {
    const peakDay = reported(accounts[0], 0, 31);
    const before = await month(accounts[0], '2026-10-01');
    expect(await report([{ ...peakDay, likes: 5, reads: 50, posts: 0 }])).toMatchObject({ inserted: 0, updated: 1 });
    // The writer only marks the month: the rollup holds the old figures until a reader refreshes it.
    expect(await marks()).toBe(1);
    expect(await month(accounts[0], '2026-10-01')).toEqual(before);
    expect(await refresh()).toBe(1);
    expect(await marks()).toBe(0);
    expect(await month(accounts[0], '2026-10-01')).toMatchObject({
      days: 31,
      post_days: 23, // day 31 had 31 % 4 = 3 posts, now none
      posts: 45,
      likes: 10 * 496 - 310 + 5,
      peak_likes: 300,
      peak_reads: 3000,
    });
    // A report that repeats the day changes nothing and marks nothing.
    expect(await report([{ ...peakDay, likes: 5, reads: 50, posts: 0 }])).toMatchObject({ inserted: 0, updated: 0, unchanged: 1 });
    expect(await marks()).toBe(0);
    expect(await refresh()).toBe(0);
    expect(await drift()).toEqual([]);
  });

  it('loses nothing when a refresh and a report of the same month run in concurrent transactions', async () => {
    const insert = (day: string, likes: number) =>
      `INSERT INTO daily_metrics (tenant_id, account_id, day, unit_id, posts, originals, reposts, comments, likes, reads, followers)
       VALUES ('${tenant.id}', '${accounts[0]}', DATE '${day}', '${units['tx-gaj']}', 1, 0, 0, 0, ${likes}, 10, 2000)`;
    const correct = (day: string, likes: number) =>
      `UPDATE daily_metrics SET likes = ${likes} WHERE tenant_id = '${tenant.id}' AND account_id = '${accounts[0]}' AND day = DATE '${day}'`;
    const refreshSql = `SELECT daily_metrics_monthly_refresh('${tenant.id}')`;
    await owner((first) =>
      owner(async (second) => {
        // The report holds the month's row; the refresh waits for it and then counts its day.
        await second.query(correct('2026-11-01', 1));
        await first.query('BEGIN');
        await first.query(insert('2026-11-04', 400));
        await second.query('BEGIN');
        const refreshing = second.query(refreshSql);
        await new Promise((resolve) => setTimeout(resolve, 200));
        await first.query('COMMIT');
        expect((await refreshing).rows).toEqual([{ daily_metrics_monthly_refresh: 1 }]);
        await second.query('COMMIT');
        expect(await month(accounts[0], '2026-11-01')).toMatchObject({ days: 4, peak_likes: 400 });
        // The refresh holds the row; the report's increment waits for it and adds to the recounted month.
        await second.query(correct('2026-11-02', 2));
        await second.query('BEGIN');
        await second.query(refreshSql);
        await first.query('BEGIN');
        const adding = first.query(insert('2026-11-05', 500));
        await new Promise((resolve) => setTimeout(resolve, 200));
        await second.query('COMMIT');
        await adding;
        await first.query('COMMIT');
      }),
    );
    expect(await month(accounts[0], '2026-11-01')).toMatchObject({
      days: 5,
      peak_likes: 500,
      followers: 2000,
      followers_day: '2026-11-05',
    });
    expect(await marks()).toBe(0);
    expect(await drift()).toEqual([]);
  });

  it('takes concurrent batches that mix new days and corrections of the same months, without a deadlock', async () => {
    const september = (d: number) => `2026-09-${String(d).padStart(2, '0')}`;
    const both = (d: number, likes: number) => accounts.slice(0, 2).map((id, a) => ({ ...reported(id, a, d, september(d)), likes }));
    expect(await report(Array.from({ length: 16 }, (_, i) => both(i + 1, 1)).flat())).toMatchObject({ inserted: 32 });
    // Three rounds of eight batches at once: each corrects two days no other batch touches and, in the first
    // round, adds a day of its own; odd batches list their rows backwards. Every batch meets the same two months.
    for (let round = 1; round <= 3; round++) {
      const answers = await Promise.all(
        Array.from({ length: 8 }, async (_, b) => {
          const rows = [...both(2 * b + 1, 10 * round + b), ...both(2 * b + 2, 10 * round + b), ...(round === 1 ? both(17 + b, 5) : [])];
          return t.http
            .post('/v1/reports/metrics')
            .set(bearer(portal.token))
            .send({ rows: b % 2 === 1 ? rows.reverse() : rows });
        }),
      );
      expect(answers.map((res) => res.status)).toEqual(Array(8).fill(200));
    }
    expect(await marks()).toBeGreaterThan(0);
    await refresh();
    expect(await month(accounts[0], '2026-09-01')).toMatchObject({ days: 24, peak_likes: 37 });
    expect(await drift()).toEqual([]);
  });

  it('drops a month whose days are deleted; TRUNCATE empties the rollup with the days', async () => {
    await owner((c) => c.query(`DELETE FROM daily_metrics WHERE account_id = $1 AND day >= '2026-11-01'`, [accounts[0]]));
    expect(await marks()).toBe(1);
    expect(await refresh()).toBe(1);
    expect(await month(accounts[0], '2026-11-01')).toBeUndefined();
    expect(await month(accounts[0], '2026-10-01')).toMatchObject({ days: 31 });
    expect(await drift()).toEqual([]);
    await owner(async (c) => {
      await c.query('BEGIN');
      await c.query('TRUNCATE daily_metrics, daily_metrics_history');
      expect((await c.query('SELECT count(*)::int AS n FROM daily_metrics_monthly')).rows).toEqual([{ n: 0 }]);
      expect((await c.query('SELECT count(*)::int AS n FROM daily_metrics_monthly_stale')).rows).toEqual([{ n: 0 }]);
      await c.query('ROLLBACK');
    });
  });

  it("shows a subtree's scope its own accounts' months only, and another tenant's scope none", async () => {
    const paths = await owner(
      async (c) =>
        (await c.query(`SELECT id, path::text FROM units WHERE tenant_id = $1`, [tenant.id])).rows as { id: string; path: string }[],
    );
    const pathOf = (unitId: string) => paths.find((p) => p.id === unitId)!.path;
    await owner((c) =>
      c.query(`INSERT INTO daily_metrics (tenant_id, account_id, day, unit_id, posts, likes) VALUES ($1, $2, '2026-10-01', $3, 1, 1)`, [
        tenant.id,
        accounts[2],
        units['hd-gaj'],
      ]),
    );
    const seen = (tenantId: string, path: string) =>
      withClient(t.db.appUrl, async (db) => {
        await db.query('BEGIN');
        await db.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`, [tenantId, path]);
        const { rows } = await db.query(`SELECT DISTINCT account_id FROM daily_metrics_monthly ORDER BY 1`);
        await db.query('ROLLBACK');
        return rows.map((r: { account_id: string }) => r.account_id);
      });
    expect(await seen(tenant.id, pathOf(units['tx-gaj']))).toEqual([accounts[0]]);
    expect(await seen(tenant.id, pathOf(units.tx))).toEqual([...accounts.slice(0, 2)].sort());
    expect(await seen(tenant.id, pathOf(tenant.rootUnitId))).toEqual([...accounts].sort());
    const other = await createTenant(t, await loginOperator(t));
    expect(await seen(other.id, pathOf(tenant.rootUnitId))).toEqual([]);
  });

  describe("the scoring's metrics stage", () => {
    beforeAll(async () => {
      // Two years of days for the two 天心 accounts, written by the owner: the triggers keep the months all the same.
      await owner((c) =>
        c.query(
          `INSERT INTO daily_metrics (tenant_id, account_id, day, unit_id, posts, originals, reposts, comments, likes, reads, followers,
             new_followers, posts_government, posts_livelihood, posts_b_class)
           SELECT $1, a.id, d::date, a.unit_id, p.posts, p.posts / 2, (n * 7) % 5, (n * 11) % 9, (n * 13) % 97,
                  CASE WHEN a.k = 2 THEN NULL ELSE (n * 17) % 1000 END, CASE WHEN n % 10 = 3 THEN NULL ELSE 1000 + n END,
                  (n % 7) - 3, p.posts / 3, p.posts / 4, CASE WHEN n % 11 = 0 THEN 1 ELSE 0 END
           FROM unnest($2::uuid[], $3::uuid[]) WITH ORDINALITY AS a(id, unit_id, k)
           CROSS JOIN generate_series(DATE '2024-01-01', DATE '2025-12-31', interval '1 day') AS d
           CROSS JOIN LATERAL (SELECT (d::date - DATE '2024-01-01') * a.k AS n) x
           CROSS JOIN LATERAL (SELECT (x.n % 6) AS posts) p`,
          [tenant.id, accounts.slice(0, 2), [units['tx-gaj'], units['tx-jyj']]],
        ),
      );
      expect(await drift()).toEqual([]);
    });

    /** The stage's rows for a period, run as the scoring runs it (in a transaction, the stage's own SQL). */
    const stageRows = (preset: string, period: { from: string; to: string }) =>
      owner(async (c) => {
        const stage = stagesFor(presetOf(preset)!.definition, period).find((s) => s.name === 'sc_metrics')!;
        const { sql, params } = bindStage(stage.sql, [tenant.id, '', period.from, period.to]);
        await c.query('BEGIN');
        try {
          await c.query(sql, params);
          return (await c.query(`SELECT * FROM sc_metrics ORDER BY account_id, cur`)).rows as Record<string, unknown>[];
        } finally {
          await c.query('ROLLBACK');
        }
      });
    /** The same figures from the days alone, as the stage read them before the rollup. */
    const fromDays = (period: { from: string; to: string }, yearBefore: boolean) =>
      owner(async (c) => {
        const { rows } = await c.query(
          `SELECT m.account_id, ${yearBefore ? 'm.day >= $2::date' : 'true'} AS cur,
             sum(m.comments)::float8 AS comments, sum(m.likes)::float8 AS likes, sum(m.new_followers)::float8 AS new_followers,
             sum(m.originals)::float8 AS originals, max(m.likes)::float8 AS peak_likes, max(m.reads)::float8 AS peak_reads,
             count(*) FILTER (WHERE m.posts > 0)::float8 AS post_days, sum(m.posts)::float8 AS posts,
             sum(m.posts_b_class)::float8 AS posts_b_class, sum(m.posts_government)::float8 AS posts_government,
             sum(m.posts_livelihood)::float8 AS posts_livelihood, sum(m.reads::float8) AS reads, sum(m.reposts)::float8 AS reposts,
             max(((m.day - DATE '2000-01-01')::bigint << 40) | m.followers)::text AS followers_key
           FROM daily_metrics m
           WHERE m.tenant_id = $1 AND (m.day BETWEEN $2 AND $3 OR ($4 AND m.day BETWEEN ($2::date - interval '1 year')::date AND ($3::date - interval '1 year')::date))
           GROUP BY 1, 2 ORDER BY 1, 2`,
          [tenant.id, period.from, period.to, yearBefore],
        );
        return rows as Record<string, unknown>[];
      });
    const only = (rows: Record<string, unknown>[], columns: string[]) =>
      rows.map((r) => Object.fromEntries(columns.map((c) => [c, c === 'followers_key' && r[c] !== null ? String(r[c]) : r[c]])));

    it.each([
      ['a calendar year and the year before (six-index)', 'six_index', { from: '2025-01-01', to: '2025-12-31' }, true],
      ['months with partial ends, and the year before (six-index)', 'six_index', { from: '2025-03-10', to: '2025-06-05' }, true],
      ['a leap day in the year before (six-index)', 'six_index', { from: '2025-02-28', to: '2025-03-31' }, true],
      ['days within one month (WCI: peaks and reads)', 'wci_v14_2', { from: '2025-02-03', to: '2025-02-20' }, false],
      ['a year that spans two calendar years (WCI)', 'wci_v14_2', { from: '2024-07-01', to: '2025-06-30' }, false],
    ])('equals the days summed for %s', async (_what, preset, period, yearBefore) => {
      const stage = await stageRows(preset, period);
      expect(stage.length).toBeGreaterThanOrEqual(2);
      const columns = Object.keys(stage[0]);
      expect(columns.length).toBeGreaterThan(4);
      expect(only(stage, columns)).toEqual(only(await fromDays(period, yearBefore), columns));
    });
  });
});
