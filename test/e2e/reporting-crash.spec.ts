import { createGovMatrixClient, type MetricRow, type ReportSummary } from '@govmatrix/sdk';
import { createTestDatabase, dropTestDatabase, TestDatabase, withClient } from '../support/database';
import { accountBody, LEDGER_TREE } from '../support/ledger-fixtures';
import { ensureServerBuilt, freePort, ServerProcess, startServerProcess } from '../support/server-process';
import { OPERATOR_PASSWORD, TEST_JWT_KEYS } from '../support/test-app';

const ACCOUNTS = 10;
const DAYS = 8_000; // 2004-01-01 … 2025-11-25
const BATCH = 2_000;
const BATCHES = (ACCOUNTS * DAYS) / BATCH; // 40
/** The kill lands while this report request (1-based) is in flight. */
const KILL_DURING_REQUEST = 5;

const BASE_DAY = Date.UTC(2004, 0, 1);
const dayOf = (d: number): string => new Date(BASE_DAY + d * 86_400_000).toISOString().slice(0, 10);
const posts = (a: number, d: number): number => (a + d) % 4;
const likes = (a: number, d: number): number => (a * 31 + d) % 100;

/**
 * kill -9 of the API process in the middle of an SDK upload: the SDK resends the cut batch (and the
 * next ones) with the same Idempotency-Keys to the restarted server, and nothing is lost or written twice.
 * The real server runs as a child process (dist/apps/api/src/main.js) on a database of its own.
 */
describe('an SDK upload across a kill -9 of the API', () => {
  let db: TestDatabase;
  let port: number;
  let server: ServerProcess;
  let env: Record<string, string>;
  let tenantId: string;
  let portal: { clientId: string; clientSecret: string };
  const accountIds: string[] = [];

  async function call<T>(method: string, path: string, token: string | undefined, body: unknown, status: number): Promise<T> {
    const res = await fetch(`${server.baseUrl}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  beforeAll(async () => {
    ensureServerBuilt();
    db = await createTestDatabase();
    port = await freePort();
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: db.ownerUrl,
      JWT_KEYS: TEST_JWT_KEYS,
      OPERATOR_PASSWORD,
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '4',
      RATE_LIMIT_PER_MINUTE: '100000',
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: '100000',
    };
    server = await startServerProcess(port, env);

    // The tenant, its tree, a portal for 天心区 and its accounts, through the API.
    const operator = (
      await call<{ accessToken: string }>('POST', '/v1/auth/login', undefined, { username: 'operator', password: OPERATOR_PASSWORD }, 200)
    ).accessToken;
    const tenant = await call<{ id: string }>(
      'POST',
      '/v1/tenants',
      operator,
      {
        slug: 'crash',
        name: '湖南省',
        root: { name: '湖南省', level: 'province', divisionCode: '430000' },
        admin: { username: 'admin', displayName: '管理员', password: 'admin-password-123' },
      },
      201,
    );
    tenantId = tenant.id;
    const admin = (
      await call<{ accessToken: string }>(
        'POST',
        '/v1/auth/login',
        undefined,
        { tenant: 'crash', username: 'admin', password: 'admin-password-123' },
        200,
      )
    ).accessToken;
    await call('POST', '/v1/units/import', admin, { units: LEDGER_TREE }, 201);
    const units = (await call<{ items: { id: string; code: string }[] }>('GET', '/v1/units?limit=500', admin, undefined, 200)).items;
    const unit = (code: string): string => units.find((u) => u.code === code)!.id;
    portal = await call(
      'POST',
      '/v1/clients',
      admin,
      { name: '天心区平台', unitId: unit('tx'), scopes: ['read:own', 'report:metrics'] },
      201,
    );
    for (const [code, name] of [
      ['tx-gaj', '天心公安'],
      ['tx-jyj', '天心教育'],
    ]) {
      for (const platform of ['weibo', 'douyin', 'kuaishou', 'toutiao', 'bilibili']) {
        const account = await call<{ id: string }>('POST', '/v1/accounts', admin, accountBody({ unitId: unit(code), platform, name }), 201);
        accountIds.push(account.id);
      }
    }
  }, 240_000);

  afterAll(async () => {
    await server?.kill();
    if (db) await dropTestDatabase(db);
  });

  it('loses nothing and duplicates nothing', async () => {
    const rows: MetricRow[] = accountIds.flatMap((accountId, a) =>
      Array.from({ length: DAYS }, (_, d) => ({ accountId, day: dayOf(d), posts: posts(a, d), likes: likes(a, d) })),
    );
    expect(rows).toHaveLength(BATCHES * BATCH);

    let reportRequests = 0;
    let networkErrors = 0;
    let killedAt: { request: number; acknowledged: number } | undefined;
    let restarted: Promise<void> | undefined;
    const acknowledged = new Set<number>();
    const gm = createGovMatrixClient({
      baseUrl: `http://127.0.0.1:${port}`,
      auth: { kind: 'client', clientId: portal.clientId, clientSecret: portal.clientSecret },
      retry: { maxAttempts: 80, baseDelayMs: 100, maxDelayMs: 400 },
      fetch: async (request) => {
        if (request.url.includes('/v1/reports/') && ++reportRequests === KILL_DURING_REQUEST) {
          // While this batch is on its way or being written: kill -9, then start the server again on the same port.
          setTimeout(() => {
            killedAt = { request: reportRequests, acknowledged: acknowledged.size };
            restarted = server.kill().then(async () => {
              server = await startServerProcess(port, env);
            });
          }, 40);
        }
        try {
          return await fetch(request);
        } catch (error) {
          networkErrors++;
          throw error;
        }
      },
    });
    const keyOf = (_batch: readonly MetricRow[], index: number): string => `crash-upload-b${index}`;

    const summary: ReportSummary = await gm.reportMetrics(rows, {
      batchSize: BATCH,
      idempotencyKey: keyOf,
      onBatch: (result) => {
        if (result.status === 'fulfilled') acknowledged.add(result.index);
      },
    });
    await restarted;

    expect(killedAt).toBeDefined();
    expect(killedAt!.acknowledged).toBeGreaterThanOrEqual(KILL_DURING_REQUEST - 2);
    expect(networkErrors).toBeGreaterThan(0); // the SDK did meet the dead server
    expect(summary.failed).toEqual([]);
    expect(acknowledged.size).toBe(BATCHES);
    // Each batch was applied exactly once: had the cut batch been applied again, its answer would say "unchanged".
    expect(summary).toMatchObject({
      received: BATCHES * BATCH,
      accepted: BATCHES * BATCH,
      inserted: BATCHES * BATCH,
      updated: 0,
      unchanged: 0,
    });

    const expectedByAccount = accountIds.map((id, a) => {
      let p = 0;
      let l = 0;
      for (let d = 0; d < DAYS; d++) {
        p += posts(a, d);
        l += likes(a, d);
      }
      return { account_id: id, rows: DAYS, posts: p, likes: l };
    });
    const check = async (): Promise<void> => {
      await withClient(db.ownerUrl, async (c) => {
        const perAccount = await c.query(
          `SELECT account_id, count(*)::int AS rows, sum(posts)::int AS posts, sum(likes)::int AS likes
           FROM daily_metrics WHERE tenant_id = $1 GROUP BY account_id`,
          [tenantId],
        );
        const byId = new Map(perAccount.rows.map((r: { account_id: string }) => [r.account_id, r]));
        expect(accountIds.map((id) => byId.get(id))).toEqual(expectedByAccount);
        expect(perAccount.rows).toHaveLength(ACCOUNTS);

        // Every batch, acknowledged before or after the kill, is there row for row.
        const perBatch = await c.query(
          `SELECT k.b, count(m.account_id)::int AS present
           FROM unnest($2::uuid[], $3::date[], $4::int[]) AS k(a, d, b)
           LEFT JOIN daily_metrics m ON m.tenant_id = $1 AND m.account_id = k.a AND m.day = k.d
           GROUP BY k.b ORDER BY k.b`,
          [tenantId, rows.map((r) => r.accountId), rows.map((r) => r.day), rows.map((_, i) => Math.floor(i / BATCH))],
        );
        expect(perBatch.rows).toEqual(Array.from({ length: BATCHES }, (_, b) => ({ b, present: BATCH })));

        const keys = await c.query(`SELECT key FROM idempotency_keys WHERE tenant_id = $1 ORDER BY key`, [tenantId]);
        expect(keys.rows.map((r: { key: string }) => r.key)).toEqual(Array.from({ length: BATCHES }, (_, b) => keyOf([], b)).sort());
        const history = await c.query(`SELECT count(*)::int AS n FROM daily_metrics_history WHERE tenant_id = $1`, [tenantId]);
        expect(history.rows[0].n).toBe(0);
      });
    };
    await check();

    // Re-running the whole upload with the same keys changes nothing: every batch is the first answer, replayed.
    const again = await gm.reportMetrics(rows, { batchSize: BATCH, idempotencyKey: keyOf, concurrency: 2 });
    expect(again).toMatchObject({ replayed: BATCHES, failed: [], inserted: BATCHES * BATCH, unchanged: 0 });
    await check();
  }, 120_000);
});
