import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { Client, Pool } from 'pg';
import { TransactionHost } from '@govmatrix/database';
import { AccountsRepository, LedgerViewsRepository, LedgerViewsService, ListAccountsQueryDto } from '@govmatrix/ledger';
import { ReportingRepository } from '@govmatrix/reporting';
import { UnitsRepository } from '@govmatrix/tenancy';
import { DatasetContext, openDataset, pickSample } from './generate';
import { auditorContext } from './ledger-queries.bench';
import {
  cpuSecondsOf,
  fmt,
  httpJson,
  Machine,
  machineNow,
  machineTable,
  ms2,
  numberFlag,
  out,
  runCli,
  serverCpuSeconds,
  startApi,
  stats,
  writeSection,
} from './support';

/**
 * API load at national scale, `npm run bench:load [-- --scale 1] [--duration 20] [--connections 16,64]`: the
 * production build (`node dist/apps/api/src/main.js`, NODE_ENV production, LOG_LEVEL info, the default pool of 10
 * app-role connections) on the generated data set, driven by autocannon from this process at fixed concurrency:
 *  (health) GET /health — the HTTP stack alone (no auth, no database): the floor of any request;
 *  (reads)  GET /v1/accounts?under=<unit>&limit=50 as the median tenant's province auditor, rotating over the
 *           province, its cities and the counties of its median city;
 *  (writes) POST /v1/reports/metrics, batches of 10 new (account, day) rows of 2026, as the tenant's portal client,
 *           a new Idempotency-Key each;
 * and, for reads and writes, the same work through plain pg at the same concurrency as the floor: the ledger
 * service's statements (and the reporting repository's upsert) on a pg.Pool of 10 owner connections — no HTTP, no
 * auth, no transaction, no row-level security. requests/s, p50/p99, errors, and the CPU the API process and
 * PostgreSQL used. Results go to docs/BENCHMARKS.md between the load markers.
 */

const PAGE = 50;
const BATCH = 10;
const WARMUP_SECONDS = 3;

export interface LoadOptions {
  duration: number;
  connections: number[];
  command: string;
}

interface Measure {
  what: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  total: number;
  apiCpu: number;
  pgCpu: number;
  clientCpu: number;
}

export interface LoadSummary {
  measures: Measure[];
}

/** Plain-pg load: `concurrency` callers doing `work` in a loop for `seconds`. */
async function pgLoad(
  concurrency: number,
  seconds: number,
  work: () => Promise<void>,
): Promise<Omit<Measure, 'what' | 'apiCpu' | 'pgCpu' | 'clientCpu'>> {
  const latencies: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const start = performance.now();
        try {
          await work();
          latencies.push(performance.now() - start);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  const s = stats(latencies.length > 0 ? latencies : [NaN]);
  return { connections: concurrency, rps: latencies.length / elapsed, p50: s.p50, p99: s.p99, errors, total: latencies.length };
}

/** A TransactionHost stand-in whose statements go to a pool, outside any transaction or scope. */
const poolHost = (pool: Pool): TransactionHost =>
  ({
    run: async <T>(_scope: unknown, work: () => Promise<T>): Promise<T> => work(),
    manager: { query: async (sql: string, params: unknown[]) => (await pool.query(sql, params)).rows },
  }) as unknown as TransactionHost;

export async function runLoadBench(ctx: DatasetContext, machine: Machine, options: LoadOptions): Promise<LoadSummary> {
  const s = await pickSample(ctx.ownerUrl, ctx.dataset);
  const owner = new Client({ connectionString: ctx.ownerUrl });
  await owner.connect();
  const backendPid = ((await owner.query('SELECT pg_backend_pid() AS pid')).rows[0] as { pid: number }).pid;
  const pool = new Pool({ connectionString: ctx.ownerUrl, max: 10 });
  const api = await startApi(ctx.ownerUrl, {
    JWT_KEYS: `bench:${randomBytes(24).toString('hex')}`,
    OPERATOR_PASSWORD: ctx.dataset.password,
    ACCESS_TOKEN_TTL_SECONDS: '7200',
  });
  try {
    const machineRows = await machineTable(
      owner,
      machine,
      ctx.embedded,
      '| app | production build as its own process (NODE_ENV production, LOG_LEVEL info, pool of 10 app-role connections); autocannon and the pg floors run in the benchmark process on the same 2 cores |',
    );
    const base = api.baseUrl;
    const { accessToken: auditorToken } = await httpJson<{ accessToken: string }>(
      base,
      'POST',
      '/v1/auth/login',
      undefined,
      { tenant: s.tenant.slug, username: 'auditor', password: ctx.dataset.password },
      200,
    );
    const { accessToken: portalToken } = await httpJson<{ accessToken: string }>(
      base,
      'POST',
      '/v1/auth/token',
      undefined,
      { clientId: s.tenant.clientId, clientSecret: s.tenant.clientSecret },
      200,
    );
    const unders = (
      await owner.query(
        `SELECT id FROM units WHERE tenant_id = $1 AND (parent_id IS NULL OR level = 'city' OR (level = 'county' AND path <@ $2::ltree))
         ORDER BY path`,
        [s.tenant.id, s.city.path],
      )
    ).rows.map((r: { id: string }) => r.id);
    const accounts = (
      await owner.query(
        `SELECT id, unit_id FROM accounts WHERE tenant_id = $1 AND status IN ('active', 'rectifying') AND opened_on < '2026-01-01' ORDER BY id`,
        [s.tenant.id],
      )
    ).rows as { id: string; unit_id: string }[];
    const unitOf = new Map(accounts.map((a) => [a.id, a.unit_id]));
    const yesterday = new Date(Date.now() + 8 * 3_600_000 - 86_400_000).toISOString().slice(0, 10);
    const days: string[] = [];
    for (let d = Date.parse('2026-01-01T00:00:00Z'); new Date(d).toISOString().slice(0, 10) <= yesterday; d += 86_400_000) {
      days.push(new Date(d).toISOString().slice(0, 10));
    }
    if (days.length === 0) throw new Error('no day of 2026 before today to report');
    // Every batch writes (account, day) pairs no batch wrote before: new rows, as a day's reports are.
    let nextPair = 0;
    const batch = () =>
      Array.from({ length: BATCH }, () => {
        const pair = nextPair++;
        const a = pair % accounts.length;
        const day = days[Math.floor(pair / accounts.length) % days.length];
        const posts = (pair * 7) % 6;
        return {
          accountId: accounts[a].id,
          day,
          posts,
          originals: Math.floor(posts / 2),
          reposts: pair % 40,
          comments: pair % 25,
          likes: pair % 300,
          reads: pair % 9000,
          followers: 1000 + (pair % 5000),
          newFollowers: pair % 9,
          messagesReceived: pair % 3,
          messagesAnswered: pair % 3 === 0 ? 0 : 1,
          postsGovernment: Math.floor(posts / 3),
          postsLivelihood: 0,
          postsBClass: 0,
        };
      });
    const runTag = randomBytes(4).toString('hex');
    const auditor = await auditorContext(owner, s.tenant.id, s.province.path);
    const host = poolHost(pool);
    const floorLedger = new LedgerViewsService(
      host,
      new LedgerViewsRepository(host),
      new AccountsRepository(host),
      new UnitsRepository(host),
    );
    const floorReporting = new ReportingRepository(host);

    const measures: Measure[] = [];
    const cpu = () => ({ api: cpuSecondsOf(api.child.pid), pg: serverCpuSeconds(backendPid), client: process.cpuUsage() });
    const withCpu = async (
      what: string,
      work: () => Promise<Omit<Measure, 'what' | 'apiCpu' | 'pgCpu' | 'clientCpu'>>,
    ): Promise<Measure> => {
      const c0 = cpu();
      const t0 = performance.now();
      const result = await work();
      const elapsed = (performance.now() - t0) / 1000;
      const c1 = cpu();
      const client = process.cpuUsage(c0.client);
      const m: Measure = {
        what,
        ...result,
        apiCpu: (c1.api - c0.api) / elapsed,
        pgCpu: (c1.pg - c0.pg) / elapsed,
        clientCpu: (client.user + client.system) / 1e6 / elapsed,
      };
      out(
        `  ${what}, ${m.connections} connections: ${fmt(m.rps)} req/s, p50 ${ms2(m.p50)} ms, p99 ${ms2(m.p99)} ms, ${m.errors} errors ` +
          `(CPU: API ${m.apiCpu.toFixed(2)}, PostgreSQL ${m.pgCpu.toFixed(2)}, client ${m.clientCpu.toFixed(2)} cores)`,
      );
      measures.push(m);
      return m;
    };
    const cannon = async (connections: number, seconds: number, request: autocannon.Request, validate?: (body: string) => boolean) => {
      let bad = 0;
      const result = await autocannon({
        url: base,
        connections,
        duration: seconds,
        requests: [
          {
            ...request,
            ...(validate ? { onResponse: (status: number, body: string) => void (status === 200 && !validate(body) && bad++) } : {}),
          },
        ],
      });
      const errors = result.errors + result.timeouts + result.non2xx + bad;
      return {
        connections,
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors,
        total: result.requests.total,
      };
    };
    let nextUnder = 0;
    const readRequest: autocannon.Request = {
      method: 'GET',
      headers: { authorization: `Bearer ${auditorToken}` },
      setupRequest: (req) => ({ ...req, path: `/v1/accounts?under=${unders[nextUnder++ % unders.length]}&limit=${PAGE}` }),
    };
    let key = 0;
    const writeRequest: autocannon.Request = {
      method: 'POST',
      setupRequest: (req) => ({
        ...req,
        path: '/v1/reports/metrics',
        headers: {
          authorization: `Bearer ${portalToken}`,
          'content-type': 'application/json',
          'idempotency-key': `bench-${runTag}-${key++}`,
        },
        body: JSON.stringify({ rows: batch() }),
      }),
    };
    const accepted = (body: string): boolean => {
      try {
        return (JSON.parse(body) as { rejected: number }).rejected === 0;
      } catch {
        return false;
      }
    };
    const readFloor = () =>
      floorLedger.list(auditor, { under: unders[nextUnder++ % unders.length], limit: PAGE } as ListAccountsQueryDto).then(() => undefined);
    const writeFloor = async () => {
      const rows = batch();
      await floorReporting.upsertMetrics(
        s.tenant.id,
        rows,
        rows.map((r) => unitOf.get(r.accountId)!),
      );
    };

    for (const c of options.connections) {
      out(`${c} connections, ${options.duration} s each (after ${WARMUP_SECONDS} s of warm-up):`);
      await cannon(c, WARMUP_SECONDS, { method: 'GET', path: '/health' });
      await withCpu('GET /health', () => cannon(c, options.duration, { method: 'GET', path: '/health' }));
      await cannon(c, WARMUP_SECONDS, readRequest);
      await withCpu('GET /v1/accounts (auditor)', () => cannon(c, options.duration, readRequest));
      await pgLoad(c, WARMUP_SECONDS, readFloor);
      await withCpu('ledger page via plain pg (floor)', () => pgLoad(c, options.duration, readFloor));
      await cannon(c, WARMUP_SECONDS, writeRequest, accepted);
      await withCpu(`POST /v1/reports/metrics (${BATCH} rows, portal)`, () => cannon(c, options.duration, writeRequest, accepted));
      await pgLoad(c, WARMUP_SECONDS, writeFloor);
      await withCpu(`metrics upsert via plain pg (floor)`, () => pgLoad(c, options.duration, writeFloor));
    }

    const find = (prefix: string, c: number) => measures.find((m) => m.what.startsWith(prefix) && m.connections === c)!;
    const line = (m: Measure) =>
      `| ${m.what} | ${m.connections} | **${fmt(m.rps)}** | ${ms2(m.p50)} ms | ${ms2(m.p99)} ms | ${m.errors} | ${fmt(m.total)} | ` +
      `${m.apiCpu.toFixed(2)} / ${m.pgCpu.toFixed(2)} / ${m.clientCpu.toFixed(2)} |`;
    const ratios = options.connections
      .map((c) => {
        const reads = find('GET /v1/accounts', c);
        const writes = find('POST /v1/reports', c);
        return `| ${c} | ${((100 * reads.rps) / find('ledger page via plain pg', c).rps).toFixed(0)}% | ${((100 * reads.rps) / find('GET /health', c).rps).toFixed(1)}% | ${((100 * writes.rps) / find('metrics upsert via plain pg', c).rps).toFixed(0)}% |`;
      })
      .join('\n');
    const section = `## API load: authenticated ledger reads and report writes

Generated by \`${options.command}\` (bench/load.bench.ts): autocannon ${options.connections.join(' and ')} connections, ${options.duration} s each after
${WARMUP_SECONDS} s of warm-up.

${machineRows}

Data: the generated national data set at scale ${ctx.dataset.scale}; the median tenant (${s.tenant.name}, ${fmt(s.tenant.accounts)} accounts).
- **reads**: \`GET /v1/accounts?under=<unit>&limit=${PAGE}\` as the province's auditor, rotating over ${unders.length} subtrees (the province, its
  cities, the counties of one city): the first ledger page of each, people and open findings included.
- **writes**: \`POST /v1/reports/metrics\` as the tenant's portal client (client-credentials token), ${BATCH} rows per batch, each row a new
  (account, day) of 2026, a new \`Idempotency-Key\` per request (so the key, its hash and the answer are stored each time). A batch with a
  rejected row would count as an error.
- **floors**: for reads, the ledger service's own statements for the same pages on a \`pg.Pool\` of 10 owner connections at the same
  concurrency (no HTTP, auth, transaction or row-level security); for writes, the reporting repository's upsert of the same batches
  the same way. \`GET /health\` (no auth, no database) is the HTTP stack's own ceiling.
- CPU: cores used on average during the run by the API process / PostgreSQL (its postmaster and backends) / the benchmark process
  (autocannon or the pg floor); 2 cores in all.

| what | connections | requests/s | p50 | p99 | errors | requests | CPU: API / PostgreSQL / client |
|---|---|---|---|---|---|---|---|
${measures.map(line).join('\n')}

| connections | reads: API / plain-pg floor | reads: API / \`/health\` | writes: API / plain-pg floor |
|---|---|---|---|
${ratios}

${fmt(nextPair)} metric rows were written in all (API and floor), into days of 2026 that the scoring benchmark does not read.`;
    out(`wrote ${writeSection('load', section)}`);
    return { measures };
  } finally {
    await api.stop();
    await pool.end().catch(() => undefined);
    await owner.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const machine = machineNow();
  const args = process.argv.slice(2);
  const ctx = await openDataset(args, machine);
  try {
    const connections = (args.includes('--connections') ? args[args.indexOf('--connections') + 1] : '16,64').split(',').map(Number);
    const duration = Math.round(numberFlag(args, 'duration', 20));
    await runLoadBench(ctx, machine, {
      duration,
      connections,
      command: `npm run bench:load -- --scale ${ctx.options.scale}`,
    });
  } finally {
    await ctx.close();
  }
}

if (require.main === module) runCli(main);
