import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { AuthContext, ROLE_PERMISSIONS } from '@govmatrix/auth';
import { loadConfig } from '@govmatrix/common';
import { deriveAppUrl, TransactionHost } from '@govmatrix/database';
import { AccountListPageDto, AccountsRepository, LedgerViewsRepository, LedgerViewsService, ListAccountsQueryDto } from '@govmatrix/ledger';
import { UnitsRepository } from '@govmatrix/tenancy';
import { createApp } from '../apps/api/src/bootstrap/create-app';
import { DatasetContext, openDataset, pickSample, SampleUnit } from './generate';
import { fmt, httpJson, Machine, machineNow, machineTable, ms2, numberFlag, out, runCli, sample, Stats, writeSection } from './support';

/**
 * Ledger subtree queries at national scale, `npm run bench:ledger [-- --scale 1] [--runs 200]`: the first page
 * (50 accounts, default sort: name in pinyin order) of the unified ledger `GET /v1/accounts?under=<unit>` of a
 * province, a city and a county of the generated data set (the median tenant, its median city, that city's
 * median county), as that province's auditor, one request at a time, measured four ways:
 *  (floor)   the SQL the service issues for the page (captured from the service itself: the unit check, the
 *            page, its people, its open findings), replayed directly on one connection as the owner — no
 *            transaction, no row-level security;
 *  (RLS)     the same statements as the app role in a transaction with the scope set as the service sets it
 *            (the caller's scope, then the subtree's), on one raw pg connection;
 *  (service) LedgerViewsService.list in the app: TransactionHost, TypeORM, the mappers;
 *  (HTTP)    the whole request over HTTP against the in-process app: auth guard and session, validation, JSON.
 * p50/p99 of each; results go to docs/BENCHMARKS.md between the ledger markers.
 */

const PAGE = 50;

export interface LedgerOptions {
  runs: number;
  warmup: number;
  command: string;
}

interface Level {
  label: string;
  unit: SampleUnit;
  floor: Stats;
  rls: Stats;
  service: Stats;
  http: Stats;
  items: number;
  statements: number;
  bytes: number;
  plan: string;
}

export interface LedgerSummary {
  levels: { label: string; accounts: number; floorP50: number; httpP50: number; httpP99: number; serviceP99: number }[];
}

/** The province auditor's context as the guard builds it: a supervising office acts on its region (the province). */
export async function auditorContext(owner: Client, tenantId: string, provincePath: string): Promise<AuthContext> {
  const auditor = (await owner.query(`SELECT id, unit_id FROM users WHERE tenant_id = $1 AND username = 'auditor'`, [tenantId]))
    .rows[0] as {
    id: string;
    unit_id: string;
  };
  return {
    kind: 'user',
    subjectId: auditor.id,
    sessionId: '00000000-0000-0000-0000-000000000000',
    tenantId,
    unitId: auditor.unit_id,
    scopePath: provincePath,
    role: 'auditor',
    scopes: [],
    permissions: new Set(ROLE_PERMISSIONS.auditor),
  };
}

export async function runLedgerBench(ctx: DatasetContext, machine: Machine, options: LedgerOptions): Promise<LedgerSummary> {
  const s = await pickSample(ctx.ownerUrl, ctx.dataset);
  const owner = new Client({ connectionString: ctx.ownerUrl });
  await owner.connect();
  const appClient = new Client({ connectionString: deriveAppUrl(ctx.ownerUrl) });
  await appClient.connect();
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: ctx.ownerUrl,
    JWT_KEYS: `bench:${randomBytes(24).toString('hex')}`,
    OPERATOR_PASSWORD: 'bench-password-2026',
  });
  const app = await createApp({ config, appDatabaseUrl: deriveAppUrl(ctx.ownerUrl) });
  try {
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const machineRows = await machineTable(
      owner,
      machine,
      ctx.embedded,
      `| app | in-process NestJS app (production config, LOG_LEVEL silent), pool of ${config.dbPoolSize} as the non-owner app role; client on the same machine |`,
    );
    const { accessToken } = await httpJson<{ accessToken: string }>(
      base,
      'POST',
      '/v1/auth/login',
      undefined,
      { tenant: s.tenant.slug, username: 'auditor', password: ctx.dataset.password },
      200,
    );
    const auth = await auditorContext(owner, s.tenant.id, s.province.path);
    const service = app.get(LedgerViewsService);

    const levels: Level[] = [];
    for (const [label, unit] of [
      ['province', s.province],
      ['city', s.city],
      ['county', s.county],
    ] as [string, SampleUnit][]) {
      const query = { under: unit.id, limit: PAGE } as ListAccountsQueryDto;
      // The service's statements, captured by running it once on a recording host (as the owner).
      const captured: { sql: string; params: unknown[]; scoped: boolean }[] = [];
      let inSubtree = 0;
      const recorder = {
        run: async <T>(_scope: unknown, work: () => Promise<T>): Promise<T> => {
          inSubtree++;
          try {
            return await work();
          } finally {
            inSubtree--;
          }
        },
        get manager() {
          return {
            query: async (sql: string, params: unknown[]) => {
              captured.push({ sql, params, scoped: inSubtree > 1 });
              return (await owner.query(sql, params)).rows;
            },
          };
        },
      } as unknown as TransactionHost;
      const captureService = new LedgerViewsService(
        recorder,
        new LedgerViewsRepository(recorder),
        new AccountsRepository(recorder),
        new UnitsRepository(recorder),
      );
      const page = await captureService.list(auth, query);
      const setScope = `SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`;

      const floor = await sample(
        async () => {
          for (const c of captured) await owner.query(c.sql, c.params);
        },
        options.runs,
        options.warmup,
      );
      const rls = await sample(
        async () => {
          await appClient.query('BEGIN');
          await appClient.query(setScope, [s.tenant.id, s.province.path]);
          let narrowed = false;
          for (const c of captured) {
            if (c.scoped !== narrowed) {
              await appClient.query(setScope, [s.tenant.id, c.scoped ? unit.path : s.province.path]);
              narrowed = c.scoped;
            }
            await appClient.query(c.sql, c.params);
          }
          await appClient.query('COMMIT');
        },
        options.runs,
        options.warmup,
      );
      const viaService = await sample(
        async () => {
          const result = await service.list(auth, query);
          if (result.items.length !== page.items.length) throw new Error('the service answered another page');
        },
        options.runs,
        options.warmup,
      );
      let bytes = 0;
      const path = `/v1/accounts?under=${unit.id}&limit=${PAGE}`;
      const viaHttp = await sample(
        async () => {
          const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
          const text = await res.text();
          if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${text.slice(0, 300)}`);
          bytes = text.length;
          if ((JSON.parse(text) as AccountListPageDto).items.length !== page.items.length) throw new Error('HTTP answered another page');
        },
        options.runs,
        options.warmup,
      );
      // The plan of the page statement as the app role under the service's scope.
      const pageStatement = captured.find((c) => c.sql.includes('LIMIT') && c.sql.includes('JOIN accounts a'))!;
      await appClient.query('BEGIN');
      await appClient.query(setScope, [s.tenant.id, unit.path]);
      const plan = (
        (await appClient.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${pageStatement.sql}`, pageStatement.params)).rows as {
          'QUERY PLAN': string;
        }[]
      )
        .map((r) => r['QUERY PLAN'])
        .join('\n');
      await appClient.query('ROLLBACK');
      const level: Level = {
        label,
        unit,
        floor,
        rls,
        service: viaService,
        http: viaHttp,
        items: page.items.length,
        statements: captured.length,
        bytes,
        plan,
      };
      out(
        `${label} (${fmt(unit.accounts)} accounts): floor p50 ${ms2(floor.p50)} ms, RLS ${ms2(rls.p50)}, service ${ms2(viaService.p50)}, ` +
          `HTTP ${ms2(viaHttp.p50)} / p99 ${ms2(viaHttp.p99)} ms`,
      );
      levels.push(level);
    }

    const row = (name: string, pick: (l: Level) => Stats) =>
      `| ${name} | ${levels.map((l) => `${ms2(pick(l).p50)} / ${ms2(pick(l).p99)} ms`).join(' | ')} |`;
    const section = `## Ledger subtree queries at national scale

Generated by \`${options.command}\` (bench/ledger-queries.bench.ts). One request at a time, ${options.warmup} warm-up runs, then ${options.runs}; p50 / p99.

${machineRows}

Data: the generated national data set at scale ${ctx.dataset.scale} (${ctx.dataset.tenants.length} tenants). The median tenant
(${s.tenant.name}, ${fmt(s.tenant.accounts)} accounts), its median city and that city's median county. The request: the first page
of the unified ledger, \`GET /v1/accounts?under=<unit>&limit=${PAGE}\` (default sort: name, pinyin order, keyset pages), as the province's
auditor (scope: the province). Per page the service runs ${levels[0].statements} statements: the unit check, the page (ids by the
sort key, then their rows with unit and overdue flags), the page's responsibility chains, its open findings.

| | province | city | county |
|---|---|---|---|
| unit | ${levels.map((l) => l.unit.name).join(' | ')} |
| accounts in the subtree | ${levels.map((l) => fmt(l.unit.accounts)).join(' | ')} |
| accounts on the page / answer size | ${levels.map((l) => `${l.items} / ${(l.bytes / 1024).toFixed(0)} KB`).join(' | ')} |
${row('**floor**: the same SQL, owner, no transaction, no RLS', (l) => l.floor)}
${row('the same SQL, app role, transaction + RLS scopes', (l) => l.rls)}
${row('`LedgerViewsService.list` (TransactionHost, TypeORM, mappers)', (l) => l.service)}
${row('**HTTP** `GET /v1/accounts?under=…` (guard, session, validation, JSON)', (l) => l.http)}
| HTTP p50 / floor p50 | ${levels.map((l) => `${(l.http.p50 / l.floor.p50).toFixed(1)}×`).join(' | ')} |

${levels
  .map(
    (l) => `<details><summary>Plan of the page statement, ${l.label} (app role, scope narrowed to the subtree as the service does)</summary>

\`\`\`
${l.plan}
\`\`\`
</details>`,
  )
  .join('\n\n')}`;
    out(`wrote ${writeSection('ledger', section)}`);
    return {
      levels: levels.map((l) => ({
        label: l.label,
        accounts: l.unit.accounts,
        floorP50: l.floor.p50,
        httpP50: l.http.p50,
        httpP99: l.http.p99,
        serviceP99: l.service.p99,
      })),
    };
  } finally {
    await app.close();
    await appClient.end().catch(() => undefined);
    await owner.end().catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const machine = machineNow();
  const args = process.argv.slice(2);
  const ctx = await openDataset(args, machine);
  try {
    await runLedgerBench(ctx, machine, {
      runs: Math.round(numberFlag(args, 'runs', 200)),
      warmup: 20,
      command: `npm run bench:ledger -- --scale ${ctx.options.scale}`,
    });
  } finally {
    await ctx.close();
  }
}

if (require.main === module) runCli(main);
