import { AddressInfo } from 'node:net';
import {
  type components,
  createGovMatrixClient,
  GovMatrixApiError,
  type GovMatrixClient,
  type MetricRow,
  type ReportSummary,
  unwrap,
} from '@govmatrix/sdk';
import { withClient } from '../support/database';
import { createClient, createTenant, importUnits, loginOperator, TenantFixture } from '../support/fixtures';
import { accountBody, createAccount, LEDGER_TREE, OPENING_FILING } from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

type CreateAccount = components['schemas']['CreateAccountDto'];

const MONTH = Array.from({ length: 30 }, (_, i) => `2026-10-${String(i + 1).padStart(2, '0')}`);

/** A deterministic day of metrics for account number `a` on day number `d` (1-based day of October). */
function metricRow(accountId: string, a: number, d: number): MetricRow {
  const posts = 1 + ((a * 7 + d) % 5);
  return {
    accountId,
    day: MONTH[d - 1],
    posts,
    originals: posts - 1,
    reposts: 1,
    comments: d,
    likes: 10 * d + a,
    reads: 1000 + d,
    followers: 5000 + 3 * d,
    newFollowers: 3,
    messagesReceived: d % 3,
    messagesAnswered: Math.min(d % 3, 1),
    medianAnswerMinutes: 12.5,
    postsGovernment: 1,
    postsLivelihood: 0,
    postsBClass: 0,
  };
}

/**
 * A subordinate portal reporting through the SDK, over real HTTP to the running application on a real
 * PostgreSQL. Tenants, units and the portal's client are set up through the API by the tenant admin; the
 * portal itself only uses the SDK. What was written is checked in the database as its owner.
 */
describe('reporting through the SDK', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let units: Record<string, string>;
  let gm: GovMatrixClient;
  /** The portal's three accounts under 天心区 (tx). */
  let ours: string[];
  /** An account of 荷塘公安, in the other city's subtree of the same tenant. */
  let theirs: string;
  /** An account of another tenant. */
  let foreign: string;

  const owner = <T>(work: (client: import('pg').Client) => Promise<T>): Promise<T> => withClient(t.db.ownerUrl, work);
  const metricTotals = (accountIds: string[]): Promise<{ rows: number; posts: number; likes: number; reads: number }> =>
    owner(async (c) => {
      const { rows } = await c.query(
        `SELECT count(*)::int AS rows, coalesce(sum(posts), 0)::int AS posts, coalesce(sum(likes), 0)::int AS likes,
                coalesce(sum(reads), 0)::int AS reads
         FROM daily_metrics WHERE tenant_id = $1 AND account_id = ANY($2::uuid[])`,
        [tenant.id, accountIds],
      );
      return rows[0] as { rows: number; posts: number; likes: number; reads: number };
    });

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;

    const operator = await loginOperator(t);
    tenant = await createTenant(t, operator);
    units = await importUnits(t, tenant, LEDGER_TREE);
    theirs = (await createAccount(t, tenant.admin, { unitId: units['hd-gaj'], name: '荷塘公安' })).id;
    const other = await createTenant(t, operator);
    const otherUnits = await importUnits(t, other, LEDGER_TREE);
    foreign = (await createAccount(t, other.admin, { unitId: otherUnits['tx-gaj'], name: '天心公安' })).id;

    const portal = await createClient(t, tenant, {
      name: '天心区政务新媒体平台',
      unitId: units.tx,
      scopes: ['read:own', 'report:metrics', 'report:filings'],
    });
    gm = createGovMatrixClient({
      baseUrl: `http://127.0.0.1:${port}`,
      auth: { kind: 'client', clientId: portal.clientId, clientSecret: portal.clientSecret },
    });

    // The portal registers its accounts (report:filings carries accounts.write).
    const register = (input: Parameters<typeof accountBody>[0]) =>
      unwrap(gm.api.POST('/v1/accounts', { body: accountBody(input) as unknown as CreateAccount })).then((a) => a.id);
    ours = [
      await register({ unitId: units['tx-gaj'], name: '天心公安' }),
      await register({ unitId: units['tx-gaj'], platform: 'douyin', name: '天心公安' }),
      await register({ unitId: units['tx-jyj'], name: '天心教育' }),
    ];
  });
  afterAll(() => t?.close());

  it('logs in as a portal of 天心区 with the report scopes', async () => {
    const me = await gm.me();
    expect(me).toMatchObject({ kind: 'client', tenantId: tenant.id, unitId: units.tx });
    expect(me.scopes.sort()).toEqual(['read:own', 'report:filings', 'report:metrics']);
    expect(me.permissions).toEqual(expect.arrayContaining(['reports.write', 'filings.submit', 'metrics.read']));
  });

  it('reports the opening filings of its accounts; a filing for another subtree is refused by row', async () => {
    const rows = [
      ...ours.map((accountId) => ({ accountId, kind: 'opening' as const, details: { ...OPENING_FILING } })),
      { accountId: theirs, kind: 'opening' as const, details: { ...OPENING_FILING } },
      { accountId: ours[0], kind: 'opening' as const, details: { approver: '李局长' } },
    ];
    const summary = await gm.reportFilings(rows);
    expect(summary).toMatchObject({ received: 5, answered: 5, accepted: 3, rejected: 2, inserted: 3, failed: [] });
    expect(summary.filings.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(summary.errors).toEqual([
      expect.objectContaining({ index: 3, field: 'accountId', pointer: '/rows/3/accountId', reason: 'no such account in your scope' }),
      expect.objectContaining({ index: 4, field: 'decisionDate', pointer: '/rows/4/details/decisionDate' }),
    ]);
    const filed = await owner(
      async (c) =>
        (await c.query(`SELECT account_id, kind, status FROM filings WHERE tenant_id = $1 ORDER BY submitted_at`, [tenant.id])).rows as {
          account_id: string;
          kind: string;
          status: string;
        }[],
    );
    expect(filed.map((f) => f.account_id).sort()).toEqual([...ours].sort());
    expect(filed.every((f) => f.kind === 'opening')).toBe(true);
    expect(summary.filings.map((f) => f.filingId).sort()).toEqual(
      await owner(async (c) =>
        (await c.query(`SELECT id FROM filings WHERE tenant_id = $1 ORDER BY id`, [tenant.id])).rows.map((r) => r.id),
      ),
    );
  });

  describe('a month of metrics', () => {
    const month = (): MetricRow[] => ours.flatMap((id, a) => MONTH.map((_, i) => metricRow(id, a, i + 1)));
    const expected = () => {
      const rows = month();
      return {
        rows: rows.length,
        posts: rows.reduce((s, r) => s + (r.posts ?? 0), 0),
        likes: rows.reduce((s, r) => s + (r.likes ?? 0), 0),
        reads: rows.reduce((s, r) => s + (r.reads ?? 0), 0),
      };
    };
    const keyOf = (_batch: readonly MetricRow[], index: number): string => `tx-portal-2026-10-b${index}`;
    let first: ReportSummary;

    it('reports 3 accounts × 30 days in batches, every row inserted', async () => {
      first = await gm.reportMetrics(month(), { batchSize: 40, idempotencyKey: keyOf });
      expect(first).toMatchObject({ received: 90, answered: 90, accepted: 90, rejected: 0, inserted: 90, updated: 0, unchanged: 0 });
      expect(first.batches.map((b) => [b.size, b.idempotencyKey])).toEqual([
        [40, 'tx-portal-2026-10-b0'],
        [40, 'tx-portal-2026-10-b1'],
        [10, 'tx-portal-2026-10-b2'],
      ]);
      expect(first.replayed).toBe(0);
      expect(await metricTotals(ours)).toEqual(expected());
    });

    it('a retried batch (same key, same body) is answered as the first time and counted once', async () => {
      const again = await gm.reportMetrics(month(), { batchSize: 40, idempotencyKey: keyOf });
      expect(again.replayed).toBe(3);
      expect(again).toMatchObject({ received: 90, accepted: 90, inserted: 90, updated: 0, unchanged: 0, failed: [] });
      expect(again.batches.map((b) => b.status === 'fulfilled' && b.value.result)).toEqual(
        first.batches.map((b) => b.status === 'fulfilled' && b.value.result),
      );
      // The same rows under new keys are applied again, but they change nothing.
      const fresh = await gm.reportMetrics(month().slice(0, 40));
      expect(fresh).toMatchObject({ accepted: 40, inserted: 0, updated: 0, unchanged: 40, replayed: 0 });
      expect(await metricTotals(ours)).toEqual(expected());
      const history = await owner(
        async (c) => (await c.query(`SELECT count(*)::int AS n FROM daily_metrics_history WHERE tenant_id = $1`, [tenant.id])).rows[0].n,
      );
      expect(history).toBe(0);
    });

    it('the same key with another body is refused (422) and writes nothing', async () => {
      const changed = month()
        .slice(0, 40)
        .map((r) => ({ ...r, likes: (r.likes ?? 0) + 1 }));
      const summary = await gm.reportMetrics(changed, { idempotencyKey: () => 'tx-portal-2026-10-b0' });
      expect(summary.failed).toHaveLength(1);
      expect((summary.failed[0] as { error: unknown }).error).toMatchObject({ status: 422, code: 'idempotency_key_reused' });
      expect(await metricTotals(ours)).toEqual(expected());
    });

    it('a late correction replaces the day; the replaced values are kept in history', async () => {
      const day = MONTH[4];
      const before = metricRow(ours[0], 0, 5);
      const corrected = { ...before, posts: 9, originals: 4, likes: 777 };
      const summary = await gm.reportMetrics([corrected]);
      expect(summary).toMatchObject({ accepted: 1, inserted: 0, updated: 1, unchanged: 0 });

      const range = await unwrap(
        gm.api.GET('/v1/accounts/{id}/metrics', { params: { path: { id: ours[0] }, query: { from: MONTH[3], to: MONTH[5] } } }),
      );
      expect(range.items.map((m) => [m.day, m.posts, m.likes])).toEqual([
        [MONTH[3], metricRow(ours[0], 0, 4).posts, metricRow(ours[0], 0, 4).likes],
        [day, 9, 777],
        [MONTH[5], metricRow(ours[0], 0, 6).posts, metricRow(ours[0], 0, 6).likes],
      ]);
      const history = await unwrap(gm.api.GET('/v1/accounts/{id}/metrics/history', { params: { path: { id: ours[0] }, query: { day } } }));
      expect(history.items).toHaveLength(1);
      expect(history.items[0]).toMatchObject({
        day,
        posts: before.posts,
        originals: before.originals,
        likes: before.likes,
        reads: before.reads,
        medianAnswerMinutes: 12.5,
        replacedAt: expect.any(String),
      });

      // Reporting the corrected day again changes nothing and adds no history.
      expect(await gm.reportMetrics([corrected])).toMatchObject({ unchanged: 1, updated: 0 });
      const totals = await metricTotals(ours);
      expect(totals).toEqual({ ...expected(), posts: expected().posts - before.posts! + 9, likes: expected().likes - before.likes! + 777 });
      const stored = await owner(
        async (c) => (await c.query(`SELECT count(*)::int AS n FROM daily_metrics_history WHERE tenant_id = $1`, [tenant.id])).rows[0].n,
      );
      expect(stored).toBe(1);
    });
  });

  it("is refused another subtree's accounts row by row, and nothing of them is written", async () => {
    const rows: MetricRow[] = [
      metricRow(ours[2], 2, 30),
      { ...metricRow(theirs, 0, 1) },
      { ...metricRow(foreign, 0, 2) },
      { ...metricRow(ours[2], 2, 29), day: '2026-09-30' },
    ];
    const summary = await gm.reportMetrics(rows);
    expect(summary).toMatchObject({ received: 4, accepted: 2, rejected: 2, inserted: 1, unchanged: 1 });
    expect(summary.errors).toEqual([
      expect.objectContaining({ index: 1, field: 'accountId', reason: 'no such account in your scope' }),
      expect.objectContaining({ index: 2, field: 'accountId', reason: 'no such account in your scope' }),
    ]);
    expect(await metricTotals([theirs, foreign])).toMatchObject({ rows: 0 });
    // Nor can it read them back: another subtree's account does not exist for it.
    const error = await unwrap(
      gm.api.GET('/v1/accounts/{id}/metrics', { params: { path: { id: theirs }, query: { from: MONTH[0], to: MONTH[29] } } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GovMatrixApiError);
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
  });

  it('answers each bad row with its index, field and reason and keeps the good rows', async () => {
    const good = (d: number): MetricRow => ({ accountId: ours[1], day: `2026-09-${String(d).padStart(2, '0')}`, posts: 2, originals: 1 });
    const rows = [
      good(1),
      { ...good(2), posts: '12' } as unknown as MetricRow,
      { ...good(3), foo: 1 } as unknown as MetricRow,
      { ...good(4), day: '2099-01-01' },
      { ...good(5), originals: 3 },
      good(6),
      good(1),
      { ...good(7), accountId: 'not-a-uuid' },
      { ...good(8), likes: -5, reads: 1.5 },
    ];
    const summary = await gm.reportMetrics(rows);
    expect(summary).toMatchObject({ received: 9, accepted: 2, inserted: 2, rejected: 7 });
    const byIndex = (i: number) => summary.errors.filter((e) => e.index === i).map((e) => [e.field, e.pointer, e.reason]);
    expect(byIndex(1)).toEqual([['posts', '/rows/1/posts', expect.stringMatching(/integer/)]]);
    expect(byIndex(2)).toEqual([['foo', '/rows/2/foo', 'is not a known field']]);
    expect(byIndex(3)).toEqual([['day', '/rows/3/day', 'is in the future']]);
    expect(byIndex(4)).toEqual([['originals', '/rows/4/originals', 'cannot exceed posts']]);
    expect(byIndex(6)).toEqual([['', '/rows/6', 'duplicates row 0 (same natural key)']]);
    expect(byIndex(7)).toEqual([['accountId', '/rows/7/accountId', 'must be a UUID']]);
    expect(byIndex(8).map(([field]) => field)).toEqual(['likes', 'reads']);
    expect(summary.errors.map((e) => e.index)).toEqual([1, 2, 3, 4, 6, 7, 8, 8]);

    const stored = await owner(async (c) =>
      (
        await c.query(
          `SELECT to_char(day, 'YYYY-MM-DD') AS day FROM daily_metrics WHERE account_id = $1 AND day < '2026-10-01' ORDER BY day`,
          [ours[1]],
        )
      ).rows.map((r) => r.day),
    );
    expect(stored).toEqual(['2026-09-01', '2026-09-06']);
  });

  it('atomic=true writes nothing of a batch with one bad row, and names the row', async () => {
    const rows: MetricRow[] = [0, 1, 2, 3].map((i) => ({ accountId: ours[2], day: `2026-08-0${i + 1}`, posts: 1 }));
    rows[2] = { ...rows[2], originals: 5 };
    const summary = await gm.reportMetrics(rows, { atomic: true });
    expect(summary).toMatchObject({ received: 4, answered: 0, accepted: 0, inserted: 0, rejected: 1 });
    expect(summary.errors).toEqual([expect.objectContaining({ index: 2, field: 'originals', batchRefused: true })]);
    expect((summary.failed[0] as { error: unknown }).error).toMatchObject({ status: 422, code: 'validation_failed' });
    const august = await owner(
      async (c) =>
        (await c.query(`SELECT count(*)::int AS n FROM daily_metrics WHERE account_id = $1 AND day < '2026-09-01'`, [ours[2]])).rows[0].n,
    );
    expect(august).toBe(0);

    rows[2] = { ...rows[2], originals: 1 };
    expect(await gm.reportMetrics(rows, { atomic: true })).toMatchObject({ accepted: 4, inserted: 4, failed: [] });
  });

  it('reports interactions: a target elsewhere in the tenant is accepted, a target in another tenant is refused', async () => {
    const rows = [
      { day: MONTH[0], sourceAccountId: ours[0], targetAccountId: theirs, kind: 'repost' as const, count: 2 },
      { day: MONTH[0], sourceAccountId: ours[0], targetAccountId: ours[2], kind: 'comment' as const, count: 1, targetPostId: 'p-9' },
      { day: MONTH[0], sourceAccountId: ours[1], targetAccountId: foreign, kind: 'repost' as const, count: 1 },
      { day: MONTH[0], sourceAccountId: theirs, targetAccountId: ours[0], kind: 'repost' as const, count: 1 },
      { day: MONTH[0], sourceAccountId: ours[1], targetAccountId: ours[1], kind: 'repost' as const, count: 1 },
      { day: MONTH[0], sourceAccountId: ours[1], targetAccountId: ours[0], kind: 'like' as unknown as 'repost', count: 0 },
    ];
    const summary = await gm.reportInteractions(rows);
    expect(summary).toMatchObject({ received: 6, accepted: 2, inserted: 2, rejected: 4 });
    expect(summary.errors.map((e) => [e.index, e.field, e.reason])).toEqual([
      [2, 'targetAccountId', 'no such account in your tenant'],
      [3, 'sourceAccountId', 'no such account in your scope'],
      [4, 'targetAccountId', 'an account does not interact with itself'],
      [5, 'kind', 'must be one of repost, comment'],
      [5, 'count', expect.stringMatching(/integer between 1/)],
    ]);
    // A correction of a count replaces it.
    expect(await gm.reportInteractions([{ ...rows[0], count: 3 }])).toMatchObject({ updated: 1 });
    const stored = await owner(
      async (c) =>
        (
          await c.query(
            `SELECT source_account_id AS s, target_account_id AS t, kind, count FROM interactions WHERE tenant_id = $1 ORDER BY kind`,
            [tenant.id],
          )
        ).rows,
    );
    expect(stored).toEqual([
      { s: ours[0], t: ours[2], kind: 'comment', count: 1 },
      { s: ours[0], t: theirs, kind: 'repost', count: 3 },
    ]);
  });

  it('reports posts, answering bad ones by row', async () => {
    const rows = [
      {
        accountId: ours[0],
        postId: 'wb-1',
        publishedAt: '2026-10-01T09:30:00+08:00',
        title: '天心公安提醒',
        contentClass: 'government' as const,
      },
      { accountId: ours[0], postId: 'wb-2', publishedAt: '2026-10-02T09:30:00+08:00', url: 'https://weibo.com/1/wb-2' },
      { accountId: theirs, postId: 'wb-3', publishedAt: '2026-10-02T09:30:00+08:00' },
      { accountId: ours[0], postId: 'wb-4', publishedAt: '2026-10-02 09:30' },
    ];
    const summary = await gm.reportPosts(rows);
    expect(summary).toMatchObject({ received: 4, accepted: 2, inserted: 2, rejected: 2 });
    expect(summary.errors.map((e) => [e.index, e.field])).toEqual([
      [2, 'accountId'],
      [3, 'publishedAt'],
    ]);
    expect(await gm.reportPosts(rows.slice(0, 2))).toMatchObject({ unchanged: 2 });
    const stored = await owner(async (c) =>
      (await c.query(`SELECT post_id FROM posts WHERE tenant_id = $1 ORDER BY post_id`, [tenant.id])).rows.map((r) => r.post_id),
    );
    expect(stored).toEqual(['wb-1', 'wb-2']);
  });
});
