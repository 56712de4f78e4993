import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { withDatabase } from '@govmatrix/database';
import { createGovMatrixClient, type FetchLike, type MetricRow } from '@govmatrix/sdk';
import { withClient } from '../support/database';
import { bearer, ClientFixture, createClient, expectProblem, loginOperator } from '../support/fixtures';
import {
  accountBody,
  accountInStatus,
  createAccount,
  createBureauUnderTx,
  createLedgerWorld,
  expectStatus,
  LedgerWorld,
  OPENING_FILING,
  verifyAudit,
} from '../support/ledger-fixtures';
import { killPostmaster, PrivateCluster, startPrivateCluster, until } from '../support/private-cluster';
import { ensureServerBuilt, freePort, ServerProcess, startServerProcess } from '../support/server-process';
import { OPERATOR_PASSWORD, TEST_JWT_KEYS, TestApp } from '../support/test-app';

/**
 * PostgreSQL faults under the real server (dist/apps/api/src/main.js as a child process) on a private
 * embedded cluster of this file, so that the run's shared cluster is never stopped or killed:
 * - the database unreachable: 503 problem details with Retry-After (never a 500, never a hang), liveness
 *   unaffected, and the same process serving again once PostgreSQL is back;
 * - the app's connections killed under it: the pool replaces them, the next requests succeed;
 * - kill -9 of the postmaster while portals report metrics and filings and an auditor opens cases:
 *   after crash recovery every acknowledged write is there, and the retries duplicated nothing.
 */
describe('database faults', () => {
  let pg: PrivateCluster;
  let ownerUrl: string;
  let server: ServerProcess;
  /** Only `http` is used by the fixtures: supertest against the child process's URL. */
  let t: TestApp;
  let w: LedgerWorld;

  beforeAll(async () => {
    ensureServerBuilt();
    pg = await startPrivateCluster();
    ownerUrl = withDatabase(pg.url, 'govmatrix');
    server = await startServerProcess(
      await freePort(),
      {
        NODE_ENV: 'production',
        DATABASE_URL: ownerUrl,
        JWT_KEYS: TEST_JWT_KEYS,
        OPERATOR_PASSWORD,
        LOG_LEVEL: 'warn',
        DB_POOL_SIZE: '4',
        RATE_LIMIT_PER_MINUTE: '1000000',
        ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
      },
      60_000,
    );
    t = { http: request(server.baseUrl) } as unknown as TestApp;
    w = await createLedgerWorld(t, await loginOperator(t));
  }, 120_000);

  afterAll(async () => {
    await server?.kill();
    await pg?.destroy();
  });

  /** The app's connections to its database, as the owner sees them. */
  const appBackends = (): Promise<number[]> =>
    withClient(ownerUrl, async (c) =>
      (await c.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE usename = 'govmatrix_app' ORDER BY pid`)).rows.map(
        (r) => r.pid,
      ),
    );
  const listAccounts = () => t.http.get('/v1/accounts').set(bearer(w.admin.token));
  const timed = async <T>(work: () => PromiseLike<T>): Promise<{ res: T; ms: number }> => {
    const at = Date.now();
    const res = await work();
    return { res, ms: Date.now() - at };
  };

  describe('when PostgreSQL is unreachable', () => {
    it('answers 503 with Retry-After (not 500, not 401, no hang), keeps /health, and serves again once PostgreSQL is back', async () => {
      // Several connections idle in the pool when the server goes away.
      for (const res of await Promise.all([1, 2, 3, 4].map(() => listAccounts()))) expect(res.status).toBe(200);
      expect((await appBackends()).length).toBeGreaterThanOrEqual(1);

      await pg.cluster.stop('immediate');

      const probes: [string, () => PromiseLike<request.Response>][] = [
        ['GET /v1/accounts', listAccounts],
        ['GET /ready', () => t.http.get('/ready')],
        // A login that cannot check the password is a 503, never "wrong password".
        [
          'POST /v1/auth/login',
          () => t.http.post('/v1/auth/login').send({ tenant: w.tenant.slug, username: 'admin', password: w.tenant.adminPassword }),
        ],
        [
          'POST /v1/accounts',
          () =>
            t.http
              .post('/v1/accounts')
              .set(bearer(w.operatorTx.session.token))
              .send(accountBody({ unitId: w.units['tx-gaj'], platform: 'kuaishou' })),
        ],
      ];
      const timings: string[] = [];
      for (const [what, probe] of probes) {
        const { res, ms } = await timed(probe);
        timings.push(`${what} ${ms} ms`);
        const problem = expectProblem(res, 503);
        expect({ what, code: problem.code, retryAfter: res.headers['retry-after'] }).toEqual({
          what,
          code: 'database_unavailable',
          retryAfter: expect.stringMatching(/^[1-9]\d*$/),
        });
        // Refused connections fail at once; the pool's connect timeout (5 s) bounds any other wait.
        expect(ms).toBeLessThan(5_500);
      }
      // More requests at once than the pool has connections: each is answered, none waits for a slot forever.
      const { res: burst, ms: burstMs } = await timed(() => Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => listAccounts())));
      expect(burst.map((r) => r.status)).toEqual(Array(8).fill(503));
      expect(burstMs).toBeLessThan(5_500);
      // Liveness does not depend on the database: no orchestrator restarts the app for a database outage.
      expect((await t.http.get('/health')).status).toBe(200);

      const { ms: restartMs } = await timed(() => pg.restart());
      const { ms: recoveryMs } = await timed(() =>
        until(async () => (await t.http.get('/ready')).status === 200, 'readiness after the restart', 20_000, 25),
      );
      expect(recoveryMs).toBeLessThan(20_000);
      // The same process, the same session: the pool opened new connections by itself.
      const after = await listAccounts();
      expect(after.status).toBe(200);
      expect(
        (await t.http.post('/v1/auth/login').send({ tenant: w.tenant.slug, username: 'admin', password: w.tenant.adminPassword })).status,
      ).toBe(200);
      expect(server.child.exitCode).toBeNull();
      process.stdout.write(
        `PostgreSQL down: ${timings.join(', ')}, 8 at once ${burstMs} ms; PostgreSQL restarted in ${restartMs} ms, the app ready ${recoveryMs} ms later\n`,
      );
    });

    it('replaces connections killed under the app (pg_terminate_backend): the next requests succeed', async () => {
      for (const res of await Promise.all([1, 2, 3, 4].map(() => listAccounts()))) expect(res.status).toBe(200);
      const killed = await withClient(
        ownerUrl,
        async (c) =>
          (
            await c.query<{ pid: number; gone: boolean }>(
              `SELECT pid, pg_terminate_backend(pid, 5000) AS gone FROM pg_stat_activity WHERE usename = 'govmatrix_app'`,
            )
          ).rows,
      );
      expect(killed.length).toBeGreaterThanOrEqual(1);
      expect(killed.every((k) => k.gone)).toBe(true);

      // Every pooled connection is dead: the next requests, more of them than the pool holds, all succeed.
      const next = await Promise.all([1, 2, 3, 4, 5, 6].map(() => listAccounts()));
      expect(next.map((r) => r.status)).toEqual(Array(6).fill(200));
      expect((await t.http.get('/ready')).status).toBe(200);
      const now = await appBackends();
      expect(now.length).toBeGreaterThanOrEqual(1);
      expect(now.filter((pid) => killed.some((k) => k.pid === pid))).toEqual([]);
    });
  });

  describe('kill -9 of PostgreSQL during writes', () => {
    /** Platforms an account can be opened on without further fields. */
    const PLATFORMS = [
      'weibo',
      'douyin',
      'kuaishou',
      'toutiao',
      'bilibili',
      'xiaohongshu',
      'video_channel',
      'mini_program',
      'app',
      'website_column',
      'other',
    ];
    const FINDING_KINDS = ['content_error', 'secrecy_incident', 'faked_influence', 'other'];
    const CASE_ACCOUNTS = 6;
    const DAYS_PER_BATCH = 20;
    const METRIC_BATCHES = 40;
    /** The kill lands once every writer has this many acknowledged writes. */
    const ACKED_BEFORE_KILL = 2;
    /** Each writer stops once it has this many acknowledged writes after the restart. */
    const ACKED_AFTER_RESTART = 2;
    /** Writes each writer keeps back until the kill, so that none runs out of work before it. */
    const RESERVE = 5;

    let portal: ClientFixture;
    /** Accounts pending their opening filing: the filings writer files one each. */
    const filingAccounts: string[] = [];
    /** Open findings of active accounts: the auditor opens one case on each. */
    const findings: { id: string; accountId: string }[] = [];
    /** Every account of the tenant: the metrics writer reports all of them. */
    let metricAccounts: string[] = [];

    beforeAll(async () => {
      const bureau = await createBureauUnderTx(t, w);
      portal = await createClient(t, w.tenant, {
        name: '天心区平台',
        unitId: w.units.tx,
        scopes: ['read:own', 'report:metrics', 'report:filings'],
      });
      const pending = await Promise.all(
        [w.units['tx-jyj'], bureau].flatMap((unitId) =>
          PLATFORMS.map((platform) => createAccount(t, w.admin, { unitId, platform, name: '天心教育' })),
        ),
      );
      filingAccounts.push(...pending.map((a) => a.id));
      const actors = { unit: w.operatorTx.session, office: w.auditorCs.session };
      const active = await Promise.all(
        PLATFORMS.slice(0, CASE_ACCOUNTS).map((platform) => accountInStatus(t, actors, 'active', { unitId: w.units['tx-gaj'], platform })),
      );
      for (const account of active) {
        for (const kind of FINDING_KINDS) {
          const res = await t.http
            .post('/v1/findings')
            .set(bearer(w.auditorCs.session.token))
            .send({ accountId: account.id, kind, detail: `检查发现：${kind}` });
          findings.push({ id: expectStatus<{ id: string }>(res, 201, `finding ${kind}`).id, accountId: account.id });
        }
      }
      metricAccounts = [...filingAccounts, ...active.map((a) => a.id)];
    }, 120_000);

    type Phase = 'before' | 'killed' | 'restarted';

    /** One writer: what it sent and what it was answered, by phase of the fault. */
    class Writer {
      acked = 0;
      ackedAfterRestart = 0;
      /** Requests sent and not answered yet. */
      inFlight = 0;
      /** 503 answers and connection failures, by phase. */
      failures: Record<Phase, number> = { before: 0, killed: 0, restarted: 0 };
      statuses = new Map<number, number>();
      done = false;
      constructor(readonly name: string) {}

      /** The SDK's fetch, observed. */
      fetch: FetchLike = async (req) => {
        if (stopped) throw new DOMException('the test is over', 'AbortError'); // the SDK does not retry an abort
        this.inFlight++;
        try {
          const res = await fetch(req);
          this.saw(res.status);
          return res;
        } catch (error) {
          this.failures[phase]++;
          throw error;
        } finally {
          this.inFlight--;
        }
      };

      saw(status: number): void {
        this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
        if (status === 503) this.failures[phase]++;
      }

      ack(): void {
        this.acked++;
        if (phase === 'restarted') this.ackedAfterRestart++;
      }

      /** Before a write: false once the writer has done enough; waits while only the reserve is left before the kill. */
      async next(left: number): Promise<boolean> {
        if (left <= RESERVE) await killIssued;
        return left > 0 && !(phase === 'restarted' && this.ackedAfterRestart >= ACKED_AFTER_RESTART);
      }
    }

    let phase: Phase = 'before';
    /** Set when the test ends, so that writers of a failed test stop retrying. */
    let stopped = false;
    afterAll(() => {
      stopped = true;
    });
    let issueKill!: () => void;
    const killIssued = new Promise<void>((resolve) => (issueKill = resolve));

    const posts = (a: number, d: number): number => (a + d) % 5;
    const likes = (a: number, d: number): number => (a * 7 + d * 3) % 50;
    const dayOf = (d: number): string => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const metricBatch = (b: number): MetricRow[] =>
      metricAccounts.flatMap((accountId, a) =>
        Array.from({ length: DAYS_PER_BATCH }, (_, i) => {
          const d = b * DAYS_PER_BATCH + i;
          return { accountId, day: dayOf(d), posts: posts(a, d), likes: likes(a, d) };
        }),
      );

    it('keeps every acknowledged report, filing and case, and the retries duplicate nothing', async () => {
      const started = Date.now();
      const retry = { maxAttempts: 200, baseDelayMs: 50, maxDelayMs: 300 };
      const metricsWriter = new Writer('metrics');
      const filingsWriter = new Writer('filings');
      const casesWriter = new Writer('cases');
      const writers = [metricsWriter, filingsWriter, casesWriter];

      // Metrics batches, each with its Idempotency-Key: the SDK resends a batch after a 503 or a cut connection.
      const ackedBatches: { batch: number; inserted: number; replayed: boolean }[] = [];
      const metricsRun = (async () => {
        const gm = createGovMatrixClient({
          baseUrl: server.baseUrl,
          auth: { kind: 'client', ...portal },
          retry,
          fetch: metricsWriter.fetch,
        });
        for (let b = 0; await metricsWriter.next(METRIC_BATCHES - b); b++) {
          const summary = await gm.reportMetrics(metricBatch(b), { idempotencyKey: () => `fault-metrics-${b}` });
          expect(summary.failed).toEqual([]);
          expect(summary.errors).toEqual([]);
          ackedBatches.push({ batch: b, inserted: summary.inserted, replayed: summary.replayed > 0 });
          metricsWriter.ack();
        }
        metricsWriter.done = true;
      })();

      // Opening filings, one account a request, each with its Idempotency-Key.
      const ackedFilings = new Map<string, string>();
      let replayedFilings = 0;
      const filingsRun = (async () => {
        const gm = createGovMatrixClient({
          baseUrl: server.baseUrl,
          auth: { kind: 'client', ...portal },
          retry,
          fetch: filingsWriter.fetch,
        });
        for (let i = 0; await filingsWriter.next(filingAccounts.length - i); i++) {
          const accountId = filingAccounts[i];
          const summary = await gm.reportFilings([{ accountId, kind: 'opening', details: OPENING_FILING }], {
            idempotencyKey: () => `fault-filing-${accountId}`,
          });
          expect(summary.failed).toEqual([]);
          expect(summary.errors).toEqual([]);
          ackedFilings.set(accountId, summary.filings[0].filingId);
          replayedFilings += summary.replayed;
          filingsWriter.ack();
        }
        filingsWriter.done = true;
      })();

      // Cases: POST /v1/cases has no Idempotency-Key. A retry after a failure finds the finding already in
      // the case when the first attempt committed (409 finding_in_case): the auditor's "it is done".
      const ackedCases = new Map<string, string>();
      const doneUnacknowledged: string[] = [];
      const casesRun = (async () => {
        for (let i = 0; await casesWriter.next(findings.length - i); i++) {
          const finding = findings[i];
          let failedBefore = false;
          for (;;) {
            if (stopped) throw new Error('the test is over');
            let res: Response;
            try {
              res = await casesWriter.fetch(
                new Request(`${server.baseUrl}/v1/cases`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/json', ...bearer(w.auditorCs.session.token) },
                  body: JSON.stringify({
                    accountId: finding.accountId,
                    findingIds: [finding.id],
                    measure: 'warning',
                    decision: '责令整改',
                  }),
                }),
              );
            } catch {
              failedBefore = true;
              await new Promise((resolve) => setTimeout(resolve, 100)); // the client's backoff
              continue;
            }
            const body = (await res.json()) as { id?: string; code?: string };
            if (res.status === 201) {
              ackedCases.set(finding.id, body.id!);
              casesWriter.ack();
              break;
            }
            if (res.status === 503) {
              failedBefore = true;
              await new Promise((resolve) => setTimeout(resolve, 100)); // the client's backoff
              continue;
            }
            if (res.status === 409 && body.code === 'finding_in_case' && failedBefore) {
              doneUnacknowledged.push(finding.id);
              break;
            }
            throw new Error(`open case on ${finding.id}: unexpected ${res.status} ${JSON.stringify(body)}`);
          }
        }
        casesWriter.done = true;
      })();
      const runs = Promise.all([metricsRun, filingsRun, casesRun]);
      runs.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile

      // Every writer is under way: kill -9 the postmaster in the middle of their writes (with requests in flight).
      await until(
        () => writers.every((wr) => wr.acked >= ACKED_BEFORE_KILL) && writers.some((wr) => wr.inFlight > 0),
        'every writer to have acknowledged writes, and a request in flight',
        30_000,
        1,
      );
      const ackedAtKill = writers.map((wr) => wr.acked);
      const inFlightAtKill = writers.map((wr) => wr.inFlight);
      phase = 'killed';
      const kill = await killPostmaster(pg.dataDir);
      issueKill();
      // Each writer meets the dead database (503, never 500) before PostgreSQL comes back.
      await until(() => writers.every((wr) => wr.failures.killed > 0), 'every writer to meet the dead database', 30_000, 5).catch(
        (error: Error) => {
          throw new Error(
            `${error.message}: ${JSON.stringify(writers.map((wr) => ({ ...wr, statuses: [...wr.statuses] })))}\n${server
              .output()
              .split('\n')
              .filter((line) => line.includes('unexpected error'))
              .join('\n')}`,
          );
        },
      );
      const restartAtMs = Date.now() - started;
      await pg.restart();
      phase = 'restarted';
      await runs;
      const elapsedMs = Date.now() - started;

      // PostgreSQL did crash: its next start recovered from the WAL.
      expect(readFileSync(join(pg.dir, 'postgres.log'), 'utf8')).toMatch(/not properly shut down; automatic recovery in progress/);
      expect(kill.children).toBeGreaterThan(0);
      expect(server.child.exitCode).toBeNull();
      // No writer saw anything but success, 503 (the database down) and, for a case already opened, 409.
      for (const wr of writers) {
        expect({ writer: wr.name, statuses: [...wr.statuses.keys()].filter((s) => ![200, 201, 409, 503].includes(s)) }).toEqual({
          writer: wr.name,
          statuses: [],
        });
        expect(wr.failures.killed).toBeGreaterThan(0);
        expect(wr.ackedAfterRestart).toBeGreaterThanOrEqual(1);
      }
      expect(ackedAtKill.every((n) => n >= ACKED_BEFORE_KILL)).toBe(true);

      await withClient(ownerUrl, async (c) => {
        // Metrics: exactly the rows of the acknowledged batches, with their values; no batch applied twice.
        expect(ackedBatches.map((a) => a.batch)).toEqual(ackedBatches.map((_, i) => i));
        for (const a of ackedBatches) expect(a.inserted).toBe(metricAccounts.length * DAYS_PER_BATCH);
        const expected = ackedBatches
          .flatMap((a) => metricBatch(a.batch))
          .map((r) => `${r.accountId} ${r.day} ${r.posts} ${r.likes}`)
          .sort();
        const stored = await c.query<{ row: string }>(
          `SELECT account_id || ' ' || day::text || ' ' || posts || ' ' || likes AS row FROM daily_metrics WHERE tenant_id = $1`,
          [w.tenant.id],
        );
        expect(stored.rows.map((r) => r.row).sort()).toEqual(expected);
        const history = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM daily_metrics_history WHERE tenant_id = $1`, [
          w.tenant.id,
        ]);
        expect(history.rows[0].n).toBe(0);

        // Filings: one opening filing per account filed, the acknowledged one; none for the accounts not reached.
        const filings = await c.query<{ account_id: string; id: string }>(
          `SELECT account_id, id FROM filings WHERE tenant_id = $1 AND kind = 'opening' AND account_id = ANY($2::uuid[])`,
          [w.tenant.id, filingAccounts],
        );
        expect(new Map(filings.rows.map((r) => [r.account_id, r.id]))).toEqual(ackedFilings);
        expect(filings.rows).toHaveLength(ackedFilings.size);

        // Cases: one per finding attempted, each with its one "opened" step; the acknowledged ones by id.
        const cases = await c.query<{ finding_id: string; case_id: string; steps: number }>(
          `SELECT f.finding_id, f.case_id, (SELECT count(*)::int FROM sanction_case_steps s
             WHERE s.tenant_id = f.tenant_id AND s.case_id = f.case_id) AS steps
           FROM sanction_case_findings f WHERE f.tenant_id = $1`,
          [w.tenant.id],
        );
        const attempted = findings.slice(0, ackedCases.size + doneUnacknowledged.length).map((f) => f.id);
        expect(cases.rows.map((r) => r.finding_id).sort()).toEqual([...attempted].sort());
        for (const [findingId, caseId] of ackedCases) expect(cases.rows.find((r) => r.finding_id === findingId)?.case_id).toBe(caseId);
        expect(cases.rows.every((r) => r.steps === 1)).toBe(true);
        const caseCount = await c.query<{ n: number }>(`SELECT count(*)::int AS n FROM sanction_cases WHERE tenant_id = $1`, [w.tenant.id]);
        expect(caseCount.rows[0].n).toBe(attempted.length);

        // One stored answer per idempotency key.
        const keys = await c.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE tenant_id = $1 ORDER BY key`, [w.tenant.id]);
        expect(keys.rows.map((r) => r.key)).toEqual(
          [...ackedBatches.map((a) => `fault-metrics-${a.batch}`), ...[...ackedFilings.keys()].map((id) => `fault-filing-${id}`)].sort(),
        );
      });
      // The audit log's hash chain, written in the same transactions, is whole.
      expect(await verifyAudit(t, w.admin)).toMatchObject({ ok: true });

      process.stdout.write(
        `kill -9 of PostgreSQL: ${kill.children} server processes exited ${kill.diedInMs} ms after the postmaster; ` +
          `acknowledged at the kill: metrics ${ackedAtKill[0]}, filings ${ackedAtKill[1]}, cases ${ackedAtKill[2]} ` +
          `(in flight: ${inFlightAtKill.join(', ')}); ` +
          `in all: ${ackedBatches.length} batches (${ackedBatches.filter((a) => a.replayed).length} replayed), ` +
          `${ackedFilings.size} filings (${replayedFilings} replayed), ${ackedCases.size + doneUnacknowledged.length} cases ` +
          `(${doneUnacknowledged.length} committed without an answer); ` +
          `failures while down: ${writers.map((wr) => `${wr.name} ${wr.failures.killed}`).join(', ')}; ` +
          `PostgreSQL restarted at ${restartAtMs} ms, done in ${elapsedMs} ms\n`,
      );
      expect(elapsedMs).toBeLessThan(90_000);
    }, 120_000);
  });
});
