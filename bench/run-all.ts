import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { ensureDatabase, migrate, withDatabase } from '@govmatrix/database';
import { DatasetContext, generateNational, generationSection, GenerationResult } from './generate';
import { LedgerSummary, runLedgerBench } from './ledger-queries.bench';
import { LoadSummary, runLoadBench } from './load.bench';
import { runScoringBench, ScoringSummary, scoringOptions } from './scoring.bench';
import {
  commonOptions,
  dropDatabase,
  fmt,
  machineNow,
  machineTable,
  ms2,
  numberFlag,
  openServer,
  out,
  runCli,
  secs,
  writeSection,
} from './support';

/**
 * Every benchmark in one command, `npm run bench [-- --scale 1] [--seed N] [--jobs 2] [--skip units,ingest,…]`:
 * one PostgreSQL server (embedded, or DATABASE_URL's) for all of them, then in sequence
 *  1. the national data set at --scale (bench/generate.ts),
 *  2. ledger subtree queries, 3. API load, 4. yearly scoring — on that data set, which is then dropped,
 *  5. units and ingest (bench/units.bench.ts, bench/ingest.bench.ts, as child processes, each in a database of its own),
 * each writing its section of docs/BENCHMARKS.md, and a summary section with the headline numbers and the wall
 * clock of each step. The data set and the server are deleted at the end (BENCH_KEEP=1 keeps them).
 */

const BENCH_DIR = __dirname;

function runChild(script: string, serverUrl: string): Promise<void> {
  return new Promise((done, reject) => {
    const child = spawn(process.execPath, [join(BENCH_DIR, script)], {
      env: { ...process.env, DATABASE_URL: serverUrl },
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? done() : reject(new Error(`${script} exited with ${code}`))));
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = commonOptions(args);
  const skip = new Set((args.includes('--skip') ? args[args.indexOf('--skip') + 1] : '').split(',').filter(Boolean));
  const machine = machineNow();
  const wall: [string, number][] = [];
  const phase = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    out(`\n=== ${name}`);
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      wall.push([name, performance.now() - t0]);
      out(`=== ${name}: ${secs(performance.now() - t0)} s`);
    }
  };
  const server = await openServer();
  const dbName = `gm_national_${Date.now().toString(36)}`;
  const ownerUrl = withDatabase(server.serverUrl, dbName);
  let generated: GenerationResult | undefined;
  let ledger: LedgerSummary | undefined;
  let load: LoadSummary | undefined;
  let scoring: ScoringSummary | undefined;
  try {
    const ctx = await phase(`national data set at scale ${options.scale} (bench/generate.ts)`, async (): Promise<DatasetContext> => {
      await ensureDatabase(ownerUrl);
      await migrate(ownerUrl, { manageAppRolePassword: true });
      generated = await generateNational(ownerUrl, { ...options, tune: server.embedded });
      const client = new Client({ connectionString: ownerUrl });
      await client.connect();
      const table = await machineTable(client, machine, server.embedded);
      await client.end();
      writeSection('generate', generationSection(generated, options, table, `npm run bench -- --scale ${options.scale}`));
      return { ownerUrl, embedded: server.embedded, dataset: generated.dataset, options, close: async () => undefined };
    });
    const command = `npm run bench -- --scale ${options.scale}`;
    if (!skip.has('ledger'))
      ledger = await phase('ledger subtree queries (bench/ledger-queries.bench.ts)', () =>
        runLedgerBench(ctx, machineNow(), { runs: Math.round(numberFlag(args, 'runs', 200)), warmup: 20, command }),
      );
    if (!skip.has('load'))
      load = await phase('API load (bench/load.bench.ts)', () =>
        runLoadBench(ctx, machineNow(), { duration: Math.round(numberFlag(args, 'duration', 20)), connections: [16, 64], command }),
      );
    if (!skip.has('scoring'))
      scoring = await phase('yearly scoring (bench/scoring.bench.ts)', () =>
        runScoringBench(ctx, machineNow(), { ...scoringOptions(args).options, command }),
      );
    // The national data set is done with: its disk and page cache go back before the smaller benches.
    if (process.env.BENCH_KEEP) out(`kept: BENCH_DATABASE_URL=${ownerUrl}`);
    else await dropDatabase(server.serverUrl, dbName);
    if (!skip.has('units')) await phase('units (bench/units.bench.ts)', () => runChild('units.bench.js', server.serverUrl));
    if (!skip.has('ingest')) await phase('ingest (bench/ingest.bench.ts)', () => runChild('ingest.bench.js', server.serverUrl));
  } finally {
    if (process.env.BENCH_KEEP) out(`kept the server of BENCH_DATABASE_URL=${ownerUrl}`);
    else if (server.embedded) await server.close();
    else await dropDatabase(server.serverUrl, dbName);
  }

  const total = wall.reduce((s, [, t]) => s + t, 0);
  const lines: string[] = [];
  if (generated) {
    const metrics = generated.steps.find((s) => s.name.startsWith('daily metrics'))!;
    lines.push(
      `| data set | ${generated.dataset.tenants.length} tenants, ${fmt(generated.counts.accounts)} accounts, ${fmt(generated.counts.daily_metrics)} metric rows, ` +
        `${fmt(generated.counts.interactions)} interactions | generated in ${secs(generated.totalMs)} s; metrics at ${fmt(metrics.rows / (metrics.ms / 1000))} rows/s |`,
    );
  }
  if (scoring) {
    lines.push(
      `| yearly scoring, all tenants | ${secs(scoring.scoring)} s against a ${secs(scoring.floor)} s plain scan of the same table | **${scoring.ratio.toFixed(2)}× the floor** (target ≤ 3×: ${scoring.ratio <= 3 ? 'met' : '**missed**'}) |`,
    );
  }
  if (ledger) {
    for (const l of ledger.levels) {
      lines.push(
        `| ledger page, ${l.label} (${fmt(l.accounts)} accounts) | HTTP p50 ${ms2(l.httpP50)} ms, p99 ${ms2(l.httpP99)} ms | SQL floor p50 ${ms2(l.floorP50)} ms |`,
      );
    }
  }
  if (load) {
    for (const m of load.measures.filter((x) => !x.what.includes('floor'))) {
      lines.push(
        `| ${m.what}, ${m.connections} connections | ${fmt(m.rps)} req/s | p50 ${ms2(m.p50)} ms, p99 ${ms2(m.p99)} ms, ${m.errors} errors |`,
      );
    }
  }
  const scale = options.scale;
  const extrapolation =
    scale < 1 && generated && scoring
      ? `

**Extrapolation to scale 1 (300,000 accounts, ~110M metric rows) — computed, not measured:** linear in the rows, the
generation would take ~${Math.round(generated.totalMs / scale / 60_000)} min and the yearly scoring ~${secs(scoring.scoring / scale)} s against a floor of
~${secs(scoring.floor / scale)} s (the ratio stays ~${scoring.ratio.toFixed(1)}× if both grow alike; at scale 1 the table no longer fits in the page cache,
which slows the floor and the runs' reads alike). The ledger pages do not grow with the number of tenants: from scale ~0.06 up a
province, a city and a county have their national size.`
      : '';
  const summary = `## Summary

\`${`npm run bench -- --scale ${scale}`}\` on ${machine.started.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${fmt(total / 1000)} s of wall clock in all
(${wall.map(([n, t]) => `${n.replace(/ \(.*\)$/, '')} ${fmt(t / 1000)} s`).join(', ')}). Each section below has its machine, settings and method.

| benchmark | measured | against its floor |
|---|---|---|
${lines.join('\n')}${extrapolation}`;
  out(`wrote ${writeSection('summary', summary, { first: true })}`);
}

if (require.main === module) runCli(main);
