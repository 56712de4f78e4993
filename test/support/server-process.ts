import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
export const SERVER_ENTRY = join(ROOT, 'dist/apps/api/src/main.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Builds the API (`nest build api`) when dist/apps/api/src/main.js is missing or older than the newest
 * source under apps/ and libs/. `npm test` builds before jest, so this is usually a no-op.
 */
export function ensureServerBuilt(): void {
  const built = existsSync(SERVER_ENTRY) ? statSync(SERVER_ENTRY).mtimeMs : 0;
  if (built >= Math.max(newestMtime(join(ROOT, 'apps')), newestMtime(join(ROOT, 'libs')))) return;
  // Another build writing into dist/ at the same moment can make this one fail (ENOTEMPTY): try again.
  for (let attempt = 1; ; attempt++) {
    const result = spawnSync('npx', ['nest', 'build', 'api'], { cwd: ROOT, stdio: 'pipe', encoding: 'utf8' });
    if (result.status === 0 && existsSync(SERVER_ENTRY)) return;
    if (attempt >= 3) throw new Error(`nest build api failed:\n${result.stdout}\n${result.stderr}`);
  }
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  /** The process's last output lines, for a failing test's message. */
  output(): string;
  /** kill -9: no shutdown hooks, connections cut mid-request. */
  kill(): Promise<void>;
  /** SIGTERM and wait (graceful). */
  stop(): Promise<void>;
}

/**
 * libfaketime's settings when the test run has them (`LD_PRELOAD=…libfaketime.so.1 FAKETIME=+…`, to
 * prove the tests on another day): the server then lives on the same faked clock as its database.
 */
const fakedClock = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined && (entry[0].startsWith('FAKETIME') || (entry[0] === 'LD_PRELOAD' && entry[1].includes('faketime'))),
    ),
  );

/** `node dist/apps/api/src/main.js` on `port`, configured by `env`; resolves once /ready answers 200. */
export async function startServerProcess(port: number, env: Record<string, string>, timeoutMs = 30_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, [SERVER_ENTRY], {
    cwd: ROOT,
    env: { ...fakedClock(), PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), RUN_SCHEDULER: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (chunk: Buffer): void => {
    lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (lines.length > 50) lines.splice(0, lines.length - 50);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const baseUrl = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    child,
    baseUrl,
    output: () => lines.join('\n'),
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the API process exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${server.output()}`);
    }
    try {
      const res = await fetch(`${baseUrl}/ready`);
      if (res.status === 200) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.kill();
      throw new Error(`the API process was not ready within ${timeoutMs} ms:\n${server.output()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
