import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { PasswordHasher } from '@govmatrix/auth';
import { loadConfig } from '@govmatrix/common';
import { deriveAppUrl, EmbeddedCluster, ensureDatabase, migrate, tenantScope, TransactionHost, withDatabase } from '@govmatrix/database';
import { ImportUnitRowDto, UnitsRepository } from '@govmatrix/tenancy';
import { createApp } from '../apps/api/src/bootstrap/create-app';
import { ensureOperator } from '../apps/api/src/bootstrap/operator-bootstrap';

/**
 * Unit-tree benchmarks, run by `npm run bench:units` on the embedded PostgreSQL (or DATABASE_URL's
 * server, in a database of its own that is dropped afterwards):
 *  (a) a 20,000-unit tree imported in one HTTP request through the real app;
 *  (b) a ~300,000-unit tenant, inserted with SQL as the owner, then one city's subtree listed through
 *      UnitsRepository.listSubtree as the app role under RLS (p50/p99, EXPLAIN) and through HTTP.
 * Results go to docs/BENCHMARKS.md.
 */

const PASSWORD = 'bench-password-2026';
const IMPORT_RUNS = 3;
const WARMUP = 20;
const RUNS = 200;
const PAGE = 500;
const BIG = { cities: 30, counties: 10, bureaus: 33, stations: 30 };
const SECTORS = [
  'public_security',
  'court',
  'procuratorate',
  'justice',
  'tourism',
  'youth_league',
  'transport',
  'emergency',
  'weather',
  'health',
  'education',
  'publicity',
];

const out = (message: string): void => void process.stdout.write(`${message}\n`);
const pad2 = (n: number): string => String(n).padStart(2, '0');
const ms = (n: number): string => n.toFixed(2);

interface Stats {
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return {
    p50: rank(50),
    p99: rank(99),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
  };
}

async function measure(label: string, work: () => Promise<void>): Promise<Stats> {
  for (let i = 0; i < WARMUP; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await work();
    samples.push(performance.now() - t0);
  }
  const s = stats(samples);
  out(`  ${label}: p50 ${ms(s.p50)} ms, p99 ${ms(s.p99)} ms (min ${ms(s.min)}, max ${ms(s.max)}, ${RUNS} runs)`);
  return s;
}

/** 20 cities × (office + 8 bureaus + 10 counties × (office + 97 bureaus)) = 20,000 rows, sector parents included. */
export function importTree(): ImportUnitRowDto[] {
  const rows: ImportUnitRowDto[] = [];
  for (let c = 1; c <= 20; c++) {
    const city = `43${pad2(c)}00`;
    rows.push({ code: city, name: `基准市${c}`, level: 'city', divisionCode: city });
    rows.push({ code: `${city}-cac`, parentCode: city, name: `基准市${c}网信办`, level: 'bureau', sector: 'cyberspace', supervisor: true });
    for (let b = 0; b < 8; b++) {
      rows.push({ code: `${city}-b${b}`, parentCode: city, name: `基准市${c}局${b}`, level: 'bureau', sector: SECTORS[b] });
    }
    for (let k = 1; k <= 10; k++) {
      const county = `43${pad2(c)}${pad2(k)}`;
      rows.push({
        code: county,
        parentCode: city,
        name: `基准市${c}县${k}`,
        shortName: `县${c}-${k}`,
        level: 'county',
        divisionCode: county,
      });
      rows.push({
        code: `${county}-cac`,
        parentCode: county,
        name: `县${c}-${k}网信办`,
        level: 'bureau',
        sector: 'cyberspace',
        supervisor: true,
      });
      for (let b = 0; b < 97; b++) {
        rows.push({
          code: `${county}-b${b}`,
          parentCode: county,
          name: `县${c}-${k}局${b}`,
          shortName: `县${c}-${k}局${b}`,
          level: 'bureau',
          sector: SECTORS[b % SECTORS.length],
          ...(b < 8 ? { sectorParentCode: `${city}-b${b}` } : {}),
        });
      }
    }
  }
  return rows;
}

class Http {
  constructor(private readonly base: string) {}

  async call<T>(method: string, path: string, token?: string, body?: string): Promise<{ status: number; body: T; bytes: number }> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T, bytes: text.length };
  }

  async expect<T>(status: number, method: string, path: string, token?: string, body?: unknown): Promise<T> {
    const res = await this.call<T>(method, path, token, body === undefined ? undefined : JSON.stringify(body));
    if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async login(tenant: string | undefined, username: string, password: string): Promise<string> {
    const body = await this.expect<{ accessToken: string }>(200, 'POST', '/v1/auth/login', undefined, { tenant, username, password });
    return body.accessToken;
  }
}

interface BigTenant {
  tenantId: string;
  rootPath: string;
  units: number;
  seconds: number;
  city: { id: string; path: string; code: string; subtree: number };
  county: { id: string; path: string; code: string; subtree: number };
}

/** The ~300,000-unit tenant, level by level with generate_series, as the owner inside the tenant's scope. */
async function insertBigTenant(ownerUrl: string): Promise<BigTenant> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const tenantId = randomUUID();
    const rootId = randomUUID();
    const passwordHash = await new PasswordHasher().hash(PASSWORD);
    // Fresh statistics after each level: the foreign-key checks' cached plans otherwise assume an empty table (seq scans, quadratic).
    const level = async (sql: string, params: unknown[]): Promise<void> => {
      await client.query(sql, params);
      await client.query('ANALYZE units');
    };
    const t0 = performance.now();
    await client.query('BEGIN');
    const [{ label }] = (await client.query(`SELECT nextval('unit_label_seq')::text AS label`)).rows as { label: string }[];
    await client.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`, [tenantId, label]);
    await client.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, 'bench-big', '基准大省')`, [tenantId]);
    await client.query(
      `INSERT INTO units (tenant_id, id, parent_id, path, code, name, level, division_code, sector)
       VALUES ($1, $2, NULL, $3::ltree, '430000', '基准大省', 'province', '430000', 'government')`,
      [tenantId, rootId, label],
    );
    await level(
      `INSERT INTO units (tenant_id, parent_id, path, code, name, short_name, level, division_code, sector)
       SELECT $1, $2, ($3 || '.' || nextval('unit_label_seq'))::ltree, dc, '基准市' || c, '基准' || c, 'city', dc, 'government'
       FROM generate_series(1, $4::int) c, LATERAL (SELECT '43' || lpad(c::text, 2, '0') || '00' AS dc) d`,
      [tenantId, rootId, label, BIG.cities],
    );
    await level(
      `INSERT INTO units (tenant_id, parent_id, path, code, name, level, division_code, sector)
       SELECT p.tenant_id, p.id, p.path || nextval('unit_label_seq')::text, dc, p.name || '县' || k, 'county', dc, 'government'
       FROM units p CROSS JOIN generate_series(1, $2::int) k, LATERAL (SELECT left(p.division_code, 4) || lpad(k::text, 2, '0') AS dc) d
       WHERE p.tenant_id = $1 AND p.level = 'city'`,
      [tenantId, BIG.counties],
    );
    await level(
      `INSERT INTO units (tenant_id, parent_id, path, name, short_name, level, sector, supervisor)
       SELECT p.tenant_id, p.id, p.path || nextval('unit_label_seq')::text,
              p.name || CASE WHEN k = 1 THEN '网信办' ELSE '局' || k END, left(p.name || '局' || k, 50), 'bureau',
              CASE WHEN k = 1 THEN 'cyberspace' ELSE ($3::text[])[(k - 2) % cardinality($3::text[]) + 1] END, k = 1
       FROM units p CROSS JOIN generate_series(1, $2::int) k
       WHERE p.tenant_id = $1 AND p.level = 'county'`,
      [tenantId, BIG.bureaus, SECTORS],
    );
    await level(
      `INSERT INTO units (tenant_id, parent_id, path, name, level, sector)
       SELECT p.tenant_id, p.id, p.path || nextval('unit_label_seq')::text, p.name || '所' || k, 'bureau', p.sector
       FROM units p CROSS JOIN generate_series(1, $2::int) k
       WHERE p.tenant_id = $1 AND p.level = 'bureau' AND NOT p.supervisor`,
      [tenantId, BIG.stations],
    );
    await client.query(
      `INSERT INTO users (tenant_id, username, display_name, password_hash, role, unit_id) VALUES ($1, 'admin', 'admin', $2, 'tenant_admin', $3)`,
      [tenantId, passwordHash, rootId],
    );
    await client.query('COMMIT');
    const seconds = (performance.now() - t0) / 1000;
    await client.query('VACUUM ANALYZE units');

    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`, [tenantId, label]);
    const [{ count }] = (await client.query(`SELECT count(*)::int AS count FROM units WHERE tenant_id = $1`, [tenantId])).rows as {
      count: number;
    }[];
    const pick = async (code: string): Promise<BigTenant['city']> => {
      const { rows } = await client.query(
        `SELECT u.id, u.path::text AS path, u.code, (SELECT count(*)::int FROM units s WHERE s.tenant_id = $1 AND s.path <@ u.path) AS subtree
         FROM units u WHERE u.tenant_id = $1 AND u.code = $2`,
        [tenantId, code],
      );
      return rows[0] as BigTenant['city'];
    };
    const city = await pick(`43${pad2(Math.ceil(BIG.cities / 2))}00`);
    const county = await pick(`${city.code.slice(0, 4)}05`);
    await client.query('COMMIT');
    return { tenantId, rootPath: label, units: count, seconds, city, county };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const started = new Date();
  const loadAtStart = loadavg();
  let cluster: EmbeddedCluster | undefined;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    cluster = new EmbeddedCluster({ dir: mkdtempSync(join(tmpdir(), 'govmatrix-bench-pg-')) });
    serverUrl = (await cluster.start()).url;
  }
  const dbName = `gm_bench_${Date.now().toString(36)}`;
  const ownerUrl = withDatabase(serverUrl, dbName);
  const config = loadConfig({
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATABASE_URL: ownerUrl,
    JWT_KEYS: `bench:${randomBytes(24).toString('hex')}`,
    OPERATOR_PASSWORD: PASSWORD,
  });
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    await ensureDatabase(ownerUrl);
    await migrate(ownerUrl, { manageAppRolePassword: true });
    await ensureOperator(ownerUrl, config, () => undefined);
    app = await createApp({ config, appDatabaseUrl: deriveAppUrl(ownerUrl) });
    await app.listen(0, '127.0.0.1');
    const http = new Http((await app.getUrl()).replace('[::1]', '127.0.0.1'));

    const owner = new Client({ connectionString: ownerUrl });
    await owner.connect();
    const pgVersion = ((await owner.query('SHOW server_version')).rows[0] as { server_version: string }).server_version;
    const pgSettings = (
      await owner.query(
        `SELECT name, current_setting(name) AS value FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_parallel_workers_per_gather')`,
      )
    ).rows as { name: string; value: string }[];
    await owner.end();

    // (a) 20,000 units in one import request.
    out('(a) HTTP import of a 20,000-unit tree');
    const operator = await http.login(undefined, 'operator', PASSWORD);
    const rows = importTree();
    const importBody = JSON.stringify({ units: rows });
    const imports: number[] = [];
    for (let run = 1; run <= IMPORT_RUNS; run++) {
      const slug = `bench-import-${run}`;
      await http.expect(201, 'POST', '/v1/tenants', operator, {
        slug,
        name: '基准省',
        root: { name: '基准省', level: 'province', divisionCode: '430000' },
        admin: { username: 'admin', displayName: 'admin', password: PASSWORD },
      });
      const admin = await http.login(slug, 'admin', PASSWORD);
      const t0 = performance.now();
      const res = await http.call<{ created: number }>('POST', '/v1/units/import', admin, importBody);
      const elapsed = performance.now() - t0;
      if (res.status !== 201 || res.body.created !== rows.length)
        throw new Error(`import failed: ${res.status} ${JSON.stringify(res.body)}`);
      imports.push(elapsed);
      out(`  run ${run}: ${rows.length} units in ${ms(elapsed)} ms (${Math.round(rows.length / (elapsed / 1000))} units/s)`);
    }

    // (b) the ~300,000-unit tenant.
    out(`(b) a ${BIG.cities} × ${BIG.counties} × ${BIG.bureaus} × ${BIG.stations} tenant`);
    const big = await insertBigTenant(ownerUrl);
    out(`  inserted ${big.units} units with SQL in ${big.seconds.toFixed(1)} s (${Math.round(big.units / big.seconds)} units/s)`);
    out(`  city ${big.city.code}: ${big.city.subtree} units in its subtree; county ${big.county.code}: ${big.county.subtree}`);

    const tx = app.get(TransactionHost);
    const repository = app.get(UnitsRepository);
    const scope = tenantScope(big.tenantId, big.rootPath);
    const repoCity = await measure('city subtree via UnitsRepository.listSubtree in a scoped transaction', async () => {
      const page = await tx.run(scope, () => repository.listSubtree(big.tenantId, big.city.path, {}, PAGE + 1));
      if (page.length !== PAGE + 1) throw new Error(`expected ${PAGE + 1} rows, got ${page.length}`);
    });
    const repoCounty = await measure('county subtree via UnitsRepository.listSubtree in a scoped transaction', async () => {
      await tx.run(scope, () => repository.listSubtree(big.tenantId, big.county.path, {}, PAGE + 1));
    });

    // The repository's own SQL, captured from a stand-in manager, then timed bare and explained as the app role under RLS.
    let captured: { sql: string; params: unknown[] } | undefined;
    const recorder = { manager: { query: async (sql: string, params: unknown[]) => ((captured = { sql, params }), []) } };
    await new UnitsRepository(recorder as unknown as TransactionHost).listSubtree(big.tenantId, big.city.path, {}, PAGE + 1);
    const { sql, params } = captured!;
    const appClient = new Client({ connectionString: deriveAppUrl(ownerUrl) });
    await appClient.connect();
    let bareCity: Stats;
    let narrowCity: Stats;
    let plan: string;
    let narrowPlan: string;
    const explain = async (): Promise<string> => {
      const explained = await appClient.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
      return (explained.rows as { 'QUERY PLAN': string }[]).map((r) => r['QUERY PLAN']).join('\n');
    };
    try {
      await appClient.query('BEGIN');
      await appClient.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`, [
        big.tenantId,
        big.rootPath,
      ]);
      bareCity = await measure('the same SQL alone (one statement, app role, RLS scope set)', async () => {
        await appClient.query(sql, params);
      });
      plan = await explain();
      // The same statement under a scope narrowed to the city itself (a city auditor's scope).
      await appClient.query(`SELECT set_config('app.scope_path', $1, true)`, [big.city.path]);
      narrowCity = await measure('the same SQL alone, RLS scope narrowed to the city', async () => {
        await appClient.query(sql, params);
      });
      narrowPlan = await explain();
      await appClient.query('ROLLBACK');
    } finally {
      await appClient.end();
    }
    const usesGist = plan.includes('units_path_gist');
    // Under RLS the policy's quals run first and ltree's operators are not LEAKPROOF, so the query's own
    // `path <@ $2` cannot drive the index: the caller's scope does.
    const scopeDriven = /Index Cond: \(path <@ \(NULLIF\(current_setting\('app\.scope_path'/.test(plan);
    out(`  plan uses units_path_gist: ${usesGist}`);

    const admin = await http.login('bench-big', 'admin', PASSWORD);
    const path = `/v1/units?under=${big.city.id}&limit=${PAGE}`;
    let bytes = 0;
    const httpCity = await measure(`GET ${path.replace(big.city.id, '<city>')}`, async () => {
      const res = await http.call<{ items: unknown[]; nextCursor?: string }>('GET', path, admin);
      if (res.status !== 200 || res.body.items.length !== PAGE || !res.body.nextCursor) throw new Error(`listing failed: ${res.status}`);
      bytes = res.bytes;
    });

    const importStats = stats(imports);
    const cpu = cpus()[0]?.model ?? 'unknown';
    const report = `# Benchmarks

Generated by \`npm run bench:units\` (bench/units.bench.ts) on ${started.toISOString().slice(0, 10)}; numbers from one run, re-run to refresh.

## Machine

| | |
|---|---|
| CPUs (nproc) | ${availableParallelism()} × ${cpu} |
| memory | ${(totalmem() / 1024 ** 3).toFixed(1)} GiB |
| load average at start (1/5/15 min) | ${loadAtStart.map((l) => l.toFixed(2)).join(' / ')} (other work on the machine skews the numbers) |
| Node.js | ${process.version} |
| PostgreSQL | ${pgVersion} (${cluster ? 'embedded, started by the benchmark' : 'DATABASE_URL'}; ${pgSettings.map((s) => `${s.name} ${s.value}`).join(', ')}) |
| app | NestJS production build, LOG_LEVEL silent, pool of ${config.dbPoolSize} connections as the non-owner app role, client and server on the same machine |

## (a) Importing a 20,000-unit tree in one request

\`POST /v1/units/import\` with \`{ units: [...] }\` (${(importBody.length / 1024 / 1024).toFixed(1)} MB of JSON): 20 cities, each with a
cyberspace office, 8 bureaus and 10 counties; each county with an office and 97 bureaus, 8 of them with a sector parent.
Each run imports into a fresh tenant. Time is the whole request: parsing, validation of every row, the tree
rules, one set-based insert, commit.

| run | time | units/s |
|---|---|---|
${imports.map((t, i) => `| ${i + 1} | ${ms(t)} ms | ${Math.round(rows.length / (t / 1000))} |`).join('\n')}
| median | ${ms(importStats.p50)} ms | ${Math.round(rows.length / (importStats.p50 / 1000))} |

## (b) Listing a city's subtree in a 300,000-unit tenant

Tenant shape: 1 province → ${BIG.cities} cities → ${BIG.counties} counties each → ${BIG.bureaus} bureaus each (one a supervising office) →
${BIG.stations} stations under each other bureau: **${big.units.toLocaleString('en')} units**, inserted with \`INSERT … SELECT … generate_series\`
as the owner in ${big.seconds.toFixed(1)} s (${Math.round(big.units / big.seconds).toLocaleString('en')} units/s, all indexes in place), then \`VACUUM ANALYZE\`.
The listed city (${big.city.code}) has ${big.city.subtree.toLocaleString('en')} units in its subtree; the county (${big.county.code}) ${big.county.subtree.toLocaleString('en')}.
Each listing is the first page (${PAGE} units, path order) as the tenant admin (RLS scope: the whole tenant); ${WARMUP} warm-up runs, then ${RUNS}.

| what | p50 | p99 | min | max |
|---|---|---|---|---|
| city: \`UnitsRepository.listSubtree\` through \`TransactionHost.run\` (BEGIN, scope, query, COMMIT) | ${ms(repoCity.p50)} ms | ${ms(repoCity.p99)} ms | ${ms(repoCity.min)} ms | ${ms(repoCity.max)} ms |
| county: the same | ${ms(repoCounty.p50)} ms | ${ms(repoCounty.p99)} ms | ${ms(repoCounty.min)} ms | ${ms(repoCounty.max)} ms |
| city: the repository's SQL alone, app role, RLS scope set | ${ms(bareCity.p50)} ms | ${ms(bareCity.p99)} ms | ${ms(bareCity.min)} ms | ${ms(bareCity.max)} ms |
| city: the same SQL alone, RLS scope narrowed to the city | ${ms(narrowCity.p50)} ms | ${ms(narrowCity.p99)} ms | ${ms(narrowCity.min)} ms | ${ms(narrowCity.max)} ms |
| city: \`GET /v1/units?under=<city>&limit=${PAGE}\` over HTTP (${(bytes / 1024).toFixed(0)} KB answer) | ${ms(httpCity.p50)} ms | ${ms(httpCity.p99)} ms | ${ms(httpCity.min)} ms | ${ms(httpCity.max)} ms |

The plan of the city listing (\`EXPLAIN (ANALYZE, BUFFERS)\`, app role under RLS) ${usesGist ? 'uses' : '**does not use**'} the GiST index \`units_path_gist\`:

\`\`\`sql
${sql.replace(/\s+/g, ' ').trim()}
\`\`\`

\`\`\`
${plan}
\`\`\`
${
  scopeDriven
    ? `
**Reading the plan.** The index condition is the row-level policy's \`path <@ app_scope_path()\`, not the query's
\`path <@ $2\`: policy quals are evaluated before the query's own, and a query qual may only move ahead of them (into
the index scan) when its operator is LEAKPROOF, which ltree's \`<@\` is not. With the tenant admin's scope (the root)
the GiST scan therefore returns the whole tenant and the city is filtered out of it row by row. The query also orders
by the \`path::text\` output column (\`Sort Key: ((path)::text)\`, the database collation) while its cursor compares
\`path > $n::ltree\`. Under a scope narrowed to the city the same index returns only the city:
`
    : '\nThe same statement with the RLS scope narrowed to the city:\n'
}
\`\`\`
${narrowPlan}
\`\`\`
`;
    const target = resolve(process.cwd(), 'docs/BENCHMARKS.md');
    // Other benchmarks write their sections between their own markers (<!-- bench:NAME:start --> … end): keep them.
    const kept =
      (existsSync(target) ? readFileSync(target, 'utf8') : '').match(/<!-- bench:[a-z-]+:start -->[\s\S]*?<!-- bench:[a-z-]+:end -->/g) ??
      [];
    writeFileSync(target, `${[report.trimEnd(), ...kept].join('\n\n')}\n`);
    out(`wrote ${target}`);
  } finally {
    await app?.close();
    if (cluster) {
      await cluster.destroy();
    } else {
      const admin = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await admin.end();
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
