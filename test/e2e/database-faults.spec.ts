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
  const unexpectedErrors: string[] = [];

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
        DB_POOL_SIZE: '6',
        RATE_LIMIT_PER_MINUTE: '1000000',
        ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
      },
      60_000,
    );
    // Every 500 the server answers is logged as an unexpected error, with its stack: kept for failure messages.
    server.child.stdout?.on('data', (chunk: Buffer) =>
      unexpectedErrors.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((line) => line.includes('unexpected error')),
      ),
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
      for (const res of await Promise.all([1, 2, 3, 4, 5, 6].map(() => listAccounts()))) expect(res.status).toBe(200);
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
      expect(unexpectedErrors).toEqual([]);
      process.stdout.write(
        `PostgreSQL down: ${timings.join(', ')}, 8 at once ${burstMs} ms; PostgreSQL restarted in ${restartMs} ms, the app ready ${recoveryMs} ms later\n`,
      );
    });

    it('replaces connections killed under the app (pg_terminate_backend): the next requests succeed', async () => {
      for (const res of await Promise.all([1, 2, 3, 4, 5, 6].map(() => listAccounts()))) expect(res.status).toBe(200);
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
      const next = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map(() => listAccounts()));
      expect(next.map((r) => r.status)).toEqual(Array(8).fill(200));
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
    const DAYS_PER_BATCH = 40;
    const METRIC_BATCHES = 40;

    /**
     * The writers advance in stages, each writer up to its quota of acknowledged writes a stage:
     * 0: writing when crash 1 lands (kill -9 wherever their transactions are);
     * 1: writing again after the restart;
     * 2: one write each, held at COMMIT (on disk, not answered) when crash 2 lands;
     * 3: writing again after the restart, then done.
     */
    const QUOTA = [3, 2, Infinity, 2];

    /**
     * The three writers work on disjoint rows and, where they audit, in different tenants (the audit log
     * serialises a tenant's writes), so that none waits for another and each can be caught at COMMIT:
     * metrics and cases in tenant A (`w`), filings in tenant B.
     */
    let b: LedgerWorld;
    let metricsPortal: ClientFixture;
    let filingsPortal: ClientFixture;
    /** Tenant A: accounts of a bureau of their own, reported by the metrics writer. */
    let metricAccounts: string[] = [];
    /** Tenant B: accounts pending their opening filing, one filing each. */
    let filingAccounts: string[] = [];
    /** Tenant A: open findings of active accounts, one case each. */
    const findings: { id: string; accountId: string }[] = [];

    beforeAll(async () => {
      b = await createLedgerWorld(t, await loginOperator(t));
      const portal = async (world: LedgerWorld, scope: string): Promise<ClientFixture> =>
        createClient(t, world.tenant, { name: '天心区平台', unitId: world.units.tx, scopes: ['read:own', scope] });
      [metricsPortal, filingsPortal] = await Promise.all([portal(w, 'report:metrics'), portal(b, 'report:filings')]);
      const pendingAccounts = async (world: LedgerWorld, unitIds: string[]): Promise<string[]> =>
        (
          await Promise.all(
            unitIds.flatMap((unitId) => PLATFORMS.map((platform) => createAccount(t, world.admin, { unitId, platform, name: '天心教育' }))),
          )
        ).map((a) => a.id);
      metricAccounts = await pendingAccounts(w, [await createBureauUnderTx(t, w)]);
      filingAccounts = await pendingAccounts(b, [b.units['tx-jyj'], await createBureauUnderTx(t, b)]);
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
    }, 120_000);

    /** A promise and its resolve (Promise.withResolvers is Node 22). */
    const signal = (): { promise: Promise<void>; resolve: () => void } => {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      return { promise, resolve };
    };
    let stage = 0;
    let stageAdvanced = signal();
    /** PostgreSQL is down (killed, not yet restarted); `crash` is 0 for the first, 1 for the second. */
    let down = false;
    let crash = 0;
    /** Set when the test ends, so that writers of a failed test stop retrying. */
    let stopped = false;
    afterAll(() => {
      stopped = true;
      stageAdvanced.resolve();
    });

    /** One writer: what it sent and what it was answered, around each crash. */
    class Writer {
      acked = 0;
      ackedInStage = 0;
      /** Requests sent and not answered yet. */
      inFlight = 0;
      /** 503 answers and connection failures while PostgreSQL was down, by crash. */
      failuresWhileDown = [0, 0];
      statuses = new Map<number, number>();
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
          if (down) this.failuresWhileDown[crash]++;
          throw error;
        } finally {
          this.inFlight--;
        }
      };

      saw(status: number): void {
        this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
        if (status === 503 && down) this.failuresWhileDown[crash]++;
      }

      ack(): void {
        this.acked++;
        this.ackedInStage++;
      }

      /** Before each write: waits while the writer's quota of the stage is used up; false once it is done. */
      async next(left: number): Promise<boolean> {
        while (this.ackedInStage >= QUOTA[stage]) {
          if (stage === QUOTA.length - 1 || stopped) return false;
          await stageAdvanced.promise;
        }
        if (left <= 0) throw new Error(`the ${this.name} writer ran out of work in stage ${stage}`);
        return true;
      }
    }

    const advance = (writers: Writer[]): void => {
      stage++;
      for (const wr of writers) wr.ackedInStage = 0;
      const advanced = stageAdvanced;
      stageAdvanced = signal();
      advanced.resolve();
    };

    const posts = (a: number, d: number): number => (a + d) % 5;
    const likes = (a: number, d: number): number => (a * 7 + d * 3) % 50;
    const dayOf = (d: number): string => new Date(Date.UTC(2025, 0, 1) + d * 86_400_000).toISOString().slice(0, 10);
    const metricBatch = (batch: number): MetricRow[] =>
      metricAccounts.flatMap((accountId, a) =>
        Array.from({ length: DAYS_PER_BATCH }, (_, i) => {
          const d = batch * DAYS_PER_BATCH + i;
          return { accountId, day: dayOf(d), posts: posts(a, d), likes: likes(a, d) };
        }),
      );
    /** The app's backends waiting for a synchronous standby: each holds a commit that is on disk but not answered. */
    const heldCommits = (): Promise<number> =>
      withClient(pg.url, async (c) => {
        const { rows } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'govmatrix_app' AND wait_event = 'SyncRep'`,
        );
        return rows[0].n;
      });

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
          auth: { kind: 'client', ...metricsPortal },
          retry,
          fetch: metricsWriter.fetch,
        });
        for (let batch = 0; await metricsWriter.next(METRIC_BATCHES - batch); batch++) {
          const summary = await gm.reportMetrics(metricBatch(batch), { idempotencyKey: () => `fault-metrics-${batch}` });
          expect(summary.failed).toEqual([]);
          expect(summary.errors).toEqual([]);
          ackedBatches.push({ batch, inserted: summary.inserted, replayed: summary.replayed > 0 });
          metricsWriter.ack();
        }
      })();

      // Opening filings, one account a request, each with its Idempotency-Key.
      const ackedFilings = new Map<string, string>();
      let replayedFilings = 0;
      const filingsRun = (async () => {
        const gm = createGovMatrixClient({
          baseUrl: server.baseUrl,
          auth: { kind: 'client', ...filingsPortal },
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
      })();

      // Cases: POST /v1/cases has no Idempotency-Key. A retry after a failure finds the finding already in
      // the case when the first attempt committed (409 finding_in_case): for the auditor, "it is done".
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
              casesWriter.ack();
              break;
            }
            throw new Error(`open case on ${finding.id}: unexpected ${res.status} ${JSON.stringify(body)}`);
          }
        }
      })();
      const runs = Promise.all([metricsRun, filingsRun, casesRun]);
      // Awaited at the end; meanwhile a writer's failure ends every wait at once, with its reason.
      let writerFailure: unknown;
      runs.catch((error: unknown) => {
        // With the server's account of any 500 (it logs each unexpected error with its stack).
        writerFailure = new Error(`${String(error)}\n${unexpectedErrors.join('\n')}`, { cause: error });
      });
      const waitFor = (condition: () => boolean | Promise<boolean>, what: string): Promise<void> =>
        until(() => {
          if (writerFailure) throw writerFailure;
          return condition();
        }, what);

      /** kill -9 of the postmaster, the writers sent on; PostgreSQL comes back once each has met it dead (503, never 500). */
      const crashAndRecover = async (): Promise<Awaited<ReturnType<typeof killPostmaster>>> => {
        down = true;
        const killed = await killPostmaster(pg.dataDir);
        advance(writers);
        await waitFor(
          () => writers.every((wr) => wr.failuresWhileDown[crash] > 0),
          `every writer to meet the dead database (crash ${crash + 1})`,
        );
        await pg.restart();
        down = false;
        return killed;
      };

      // Crash 1: kill -9 wherever the writers' transactions happen to be, with requests in flight.
      await waitFor(
        () => writers.every((wr) => wr.acked >= 2) && writers.some((wr) => wr.inFlight > 0),
        'every writer to have acknowledged writes, and a request in flight',
      );
      const inFlightAtFirst = writers.map((wr) => wr.inFlight);
      const first = await crashAndRecover();
      await waitFor(() => writers.every((wr) => wr.ackedInStage >= QUOTA[1]), 'every writer to write again after crash 1');

      // Crash 2: every writer's transaction is committed on disk and its answer not sent. A synchronous
      // standby that does not exist holds each COMMIT after its WAL flush; the kill cuts them all there.
      crash = 1;
      await withClient(pg.url, async (c) => {
        await c.query(`ALTER SYSTEM SET synchronous_standby_names = 'fault_test_standby'`);
        await c.query(`SELECT pg_reload_conf()`);
      });
      advance(writers);
      await waitFor(async () => (await heldCommits()) === writers.length, 'a held COMMIT of every writer');
      // Only in the file, for the next start: the running server keeps holding the commits.
      await withClient(pg.url, (c) => c.query(`ALTER SYSTEM RESET synchronous_standby_names`));
      const second = await crashAndRecover();
      await runs;
      const elapsedMs = Date.now() - started;

      // PostgreSQL did crash, twice: each start recovered from the WAL.
      const log = readFileSync(join(pg.dir, 'postgres.log'), 'utf8');
      expect(log.match(/not properly shut down; automatic recovery in progress/g)?.length).toBeGreaterThanOrEqual(2);
      expect(first.children).toBeGreaterThan(0);
      expect(server.child.exitCode).toBeNull();
      expect(unexpectedErrors).toEqual([]);
      // The server logged no unexpected error (every 500 is one), and no writer saw anything but success,
      // 503 (the database down) and, for a case already opened, 409.
      for (const wr of writers) {
        expect({ writer: wr.name, statuses: [...wr.statuses.keys()].filter((s) => ![200, 201, 409, 503].includes(s)) }).toEqual({
          writer: wr.name,
          statuses: [],
        });
        expect(wr.failuresWhileDown.every((n) => n > 0)).toBe(true);
      }
      // The commits held at crash 2 were durable: each retry found its write done and answered as the first time.
      expect(ackedBatches.filter((a) => a.replayed).length).toBeGreaterThanOrEqual(1);
      expect(replayedFilings).toBeGreaterThanOrEqual(1);
      expect(doneUnacknowledged.length).toBeGreaterThanOrEqual(1);

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
          [b.tenant.id, filingAccounts],
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
        const keys = await c.query<{ key: string }>(`SELECT key FROM idempotency_keys WHERE tenant_id = ANY($1::uuid[]) ORDER BY key`, [
          [w.tenant.id, b.tenant.id],
        ]);
        expect(keys.rows.map((r) => r.key)).toEqual(
          [...ackedBatches.map((a) => `fault-metrics-${a.batch}`), ...[...ackedFilings.keys()].map((id) => `fault-filing-${id}`)].sort(),
        );
      });
      // The audit logs' hash chains, written in the same transactions as the filings and cases, are whole.
      expect(await verifyAudit(t, w.admin)).toMatchObject({ ok: true });
      expect(await verifyAudit(t, b.admin)).toMatchObject({ ok: true });

      process.stdout.write(
        `kill -9 of PostgreSQL: ${first.children} and ${second.children} server processes exited ${first.diedInMs} and ` +
          `${second.diedInMs} ms after the postmaster; in flight at crash 1: ${inFlightAtFirst.join(', ')}; ` +
          `acknowledged in all: ${ackedBatches.length} batches (${ackedBatches.filter((a) => a.replayed).length} replayed), ` +
          `${ackedFilings.size} filings (${replayedFilings} replayed), ${ackedCases.size + doneUnacknowledged.length} cases ` +
          `(${doneUnacknowledged.length} committed without an answer); ` +
          `failures while down: ${writers.map((wr) => `${wr.name} ${wr.failuresWhileDown.join('+')}`).join(', ')}; ` +
          `done in ${elapsedMs} ms\n`,
      );
      expect(elapsedMs).toBeLessThan(90_000);
    }, 120_000);
  });

  it('stops on SIGTERM: closes the app once, exits 0 and logs no error', async () => {
    const logged: string[] = [];
    server.child.stdout?.on('data', (chunk: Buffer) => logged.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    await server.stop();
    expect(server.child.exitCode).toBe(0);
    // Nest's own signal listeners used to close the app beside main.ts: "Called end on pool more than once".
    expect(logged.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });
});
