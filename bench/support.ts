import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { EmbeddedCluster, withDatabase } from '@govmatrix/database';

/** Helpers shared by the national-scale benchmarks (generate, ledger-queries, load, scoring, run-all). */

export const out = (message: string): void => void process.stdout.write(`${message}\n`);
export const fmt = (n: number): string => Math.round(n).toLocaleString('en');
export const secs = (ms: number): string => (ms / 1000).toFixed(2);
export const ms2 = (n: number): string => n.toFixed(2);

export async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await work();
  return [result, performance.now() - t0];
}

/** `--name value` from argv, or the fallback. */
export function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

export function numberFlag(args: readonly string[], name: string, fallback: number): number {
  const raw = flag(args, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return n;
}

/** The options every national-scale bench takes. */
export interface CommonOptions {
  scale: number;
  seed: number;
  jobs: number;
  year: number;
}

export function commonOptions(args: readonly string[]): CommonOptions {
  return {
    scale: numberFlag(args, 'scale', 1),
    seed: Math.round(numberFlag(args, 'seed', 20_251_231)),
    jobs: Math.max(1, Math.round(numberFlag(args, 'jobs', 2))),
    year: Math.round(numberFlag(args, 'year', 2025)),
  };
}

export interface Stats {
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
  n: number;
}

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
  return {
    p50: rank(50),
    p99: rank(99),
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    n: sorted.length,
  };
}

/** Warm-up runs, then timed runs one after another. */
export async function sample(work: () => Promise<void>, runs: number, warmup: number): Promise<Stats> {
  for (let i = 0; i < warmup; i++) await work();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await work();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

/** Bytes read from the block devices since boot (/proc/diskstats, whole disks only): physical reads of a phase. */
export function diskReadBytes(): number {
  if (!existsSync('/proc/diskstats')) return NaN;
  let sectors = 0;
  for (const line of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 14) continue;
    const name = f[2];
    if (!/^(vd[a-z]+|sd[a-z]+|xvd[a-z]+|nvme\d+n\d+)$/.test(name)) continue;
    sectors += Number(f[5]);
  }
  return sectors * 512;
}

/** Process CPU seconds (user + system) of a pid, from /proc (Linux). */
export function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * CPU seconds of one PostgreSQL server: its postmaster (with the CPU of its exited children) and its live
 * children, found from a backend's pid (SELECT pg_backend_pid()) through /proc.
 */
export function serverCpuSeconds(backendPid: number): number {
  const statOf = (pid: number): string[] | undefined => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    } catch {
      return undefined;
    }
  };
  const backend = statOf(backendPid);
  if (!backend) return NaN;
  const postmaster = Number(backend[1]);
  const own = statOf(postmaster);
  if (!own) return NaN;
  let total = (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) / 100;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = statOf(Number(name));
    if (f && Number(f[1]) === postmaster) total += (Number(f[11]) + Number(f[12])) / 100;
  }
  return total;
}

export function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** A PostgreSQL server for a bench: DATABASE_URL's, or an embedded one started (and later destroyed) here. */
export interface BenchServer {
  serverUrl: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openServer(): Promise<BenchServer> {
  if (process.env.DATABASE_URL) return { serverUrl: process.env.DATABASE_URL, embedded: false, close: async () => undefined };
  const cluster = new EmbeddedCluster({ dir: mkdtempSync(join(process.env.BENCH_PG_DIR ?? tmpdir(), 'govmatrix-bench-pg-')) });
  const { url } = await cluster.start();
  return {
    serverUrl: url,
    embedded: true,
    close: async () => {
      if (process.env.BENCH_KEEP) out(`kept the embedded cluster: ${url}`);
      else await cluster.destroy();
    },
  };
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export interface Machine {
  started: Date;
  loadAtStart: number[];
  freeAtStart: number;
}

export const machineNow = (): Machine => ({ started: new Date(), loadAtStart: loadavg(), freeAtStart: freemem() });

const PG_SETTINGS = [
  'shared_buffers',
  'work_mem',
  'maintenance_work_mem',
  'effective_cache_size',
  'max_parallel_workers_per_gather',
  'max_wal_size',
  'random_page_cost',
  'jit',
  'synchronous_commit',
];

/** The "machine" table rows every section starts with: CPUs, memory, load, disk, Node, PostgreSQL and its settings. */
export async function machineTable(client: Client, machine: Machine, embedded: boolean, note?: string): Promise<string> {
  const version = ((await client.query('SHOW server_version')).rows[0] as { server_version: string }).server_version;
  const settings = (
    await client.query(`SELECT name, current_setting(name) AS value FROM pg_settings WHERE name = ANY($1) ORDER BY name`, [PG_SETTINGS])
  ).rows as { name: string; value: string }[];
  let disk: string;
  try {
    const fs = statfsSync(process.cwd());
    disk = `${((fs.bavail * fs.bsize) / 1024 ** 3).toFixed(0)} GB free of ${((fs.blocks * fs.bsize) / 1024 ** 3).toFixed(0)} GB`;
  } catch {
    disk = 'unknown';
  }
  return `| | |
|---|---|
| date | ${machine.started.toISOString().replace('T', ' ').slice(0, 16)} UTC |
| CPUs (nproc) | ${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown'} |
| memory | ${(totalmem() / 1024 ** 3).toFixed(1)} GiB (${(machine.freeAtStart / 1024 ** 3).toFixed(1)} GiB free at start) |
| disk | ${disk} |
| load average at start (1/5/15 min) | ${machine.loadAtStart.map((l) => l.toFixed(2)).join(' / ')} (the machine is shared: other work skews the numbers) |
| Node.js | ${process.version} |
| PostgreSQL | ${version} (${embedded ? 'embedded, started by the benchmark' : 'DATABASE_URL'}); ${settings.map((s) => `${s.name} ${s.value}`).join(', ')} |${note ? `\n${note}` : ''}`;
}

const markers = (name: string): [string, string] => [`<!-- bench:${name}:start -->`, `<!-- bench:${name}:end -->`];

/**
 * Replaces the section between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` in docs/BENCHMARKS.md
 * (BENCH_OUT: another file), or adds it: before the first section when `first`, else at the end.
 */
export function writeSection(name: string, body: string, options: { first?: boolean } = {}): string {
  const [start, end] = markers(name);
  const section = `${start}\n${body.trim()}\n${end}`;
  const target = resolve(process.cwd(), process.env.BENCH_OUT ?? 'docs/BENCHMARKS.md');
  const current = existsSync(target) ? readFileSync(target, 'utf8') : '# Benchmarks\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  let next: string;
  if (from >= 0 && to > from) {
    next = `${current.slice(0, from)}${section}${current.slice(to + end.length)}`;
  } else {
    const firstSection = current.indexOf('<!-- bench:');
    next =
      options.first && firstSection >= 0
        ? `${current.slice(0, firstSection)}${section}\n\n${current.slice(firstSection)}`
        : `${current.trimEnd()}\n\n${section}\n`;
  }
  writeFileSync(target, next);
  return target;
}

/** The production build of the API as its own process. */
export interface ApiProcess {
  child: ChildProcess;
  baseUrl: string;
  stop(): Promise<void>;
}

export async function startApi(ownerUrl: string, env: Record<string, string> = {}): Promise<ApiProcess> {
  const entry = resolve(process.env.BENCH_SERVER_ENTRY ?? 'dist/apps/api/src/main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npx nest build api\` first`);
  const port = await freePort();
  const child = spawn(process.execPath, [entry], {
    cwd: resolve(entry, '../../../../..'),
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: ownerUrl,
      RUN_SCHEDULER: 'false',
      RATE_LIMIT_PER_MINUTE: '1000000',
      ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}:\n${stderr}`);
    try {
      if ((await fetch(`${baseUrl}/ready`)).status === 200) break;
    } catch {
      // not yet listening
    }
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`the API was not ready in 90 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    child,
    baseUrl,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function httpJson<T>(
  baseUrl: string,
  method: string,
  path: string,
  token: string | undefined,
  body: unknown,
  status: number,
): Promise<T> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${text.slice(0, 500)}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Runs `main` as a CLI: errors to stderr, exit code 1. */
export function runCli(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
      process.exit(1);
    },
  );
}
