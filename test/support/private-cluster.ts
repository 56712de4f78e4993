import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedCluster } from '@govmatrix/database';
import { freePort } from './server-process';

/**
 * An embedded PostgreSQL of a test's own (its own data folder and port), for fault tests that stop or
 * kill the server: the run's shared cluster (test/setup/global-setup.ts) is never touched.
 */
export interface PrivateCluster {
  cluster: EmbeddedCluster;
  /** Superuser URL of the `postgres` database. */
  url: string;
  port: number;
  dir: string;
  dataDir: string;
  /** Starts the server again on the same port (after a stop or a kill); fails if the port was taken meanwhile. */
  restart(): Promise<void>;
  /** Stops the server and deletes its files. */
  destroy(): Promise<void>;
}

export async function startPrivateCluster(): Promise<PrivateCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'govmatrix-fault-pg-'));
  const port = await freePort();
  const cluster = new EmbeddedCluster({ dir, port });
  const { url, port: actual } = await cluster.start();
  return {
    cluster,
    url,
    port: actual,
    dir,
    dataDir: join(dir, 'data'),
    restart: async () => {
      const again = await cluster.start();
      if (again.port !== actual || again.adopted) {
        throw new Error(`the private cluster came back on port ${again.port} (adopted: ${again.adopted}), not on ${actual}`);
      }
    },
    destroy: () => cluster.destroy(),
  };
}

/** The postmaster's pid, from the first line of postmaster.pid. */
export function postmasterPid(dataDir: string): number {
  const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no postmaster pid in ${dataDir}/postmaster.pid`);
  return pid;
}

/** "pid (comm) state ppid …" of /proc/<pid>/stat, or undefined once the process is gone. */
function procStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .slice(0, 2);
    return { state, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** Exited, reaped or not: a zombie (an init that does not reap orphans) counts as dead. */
export const isDead = (pid: number): boolean => {
  const stat = procStat(pid);
  return !stat || stat.state === 'Z' || stat.state === 'X';
};

/** The live child processes of `pid` (a postmaster's backends and auxiliary processes). */
export function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => procStat(child)?.ppid === pid && !isDead(child));
}

/** Polls `condition` every `everyMs` until it holds; throws with `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000, everyMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * kill -9 of the postmaster, then waits until it and every process it had started are gone: the
 * orphaned backends notice their postmaster's death and exit, and only then will a new postmaster
 * start (PostgreSQL refuses while a process of the old one still holds the shared memory).
 * Answers the pids killed and how long the old processes took to die.
 */
export async function killPostmaster(dataDir: string): Promise<{ pid: number; children: number; diedInMs: number }> {
  const pid = postmasterPid(dataDir);
  const children = childrenOf(pid);
  const at = Date.now();
  process.kill(pid, 'SIGKILL');
  await until(() => isDead(pid) && children.every(isDead), `the killed postmaster ${pid} and its ${children.length} processes to exit`);
  return { pid, children: children.length, diedInMs: Date.now() - at };
}
