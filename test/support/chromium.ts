import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_STATE_ENV } from '../setup/test-state';

/** Debian's Chromium, where `apt-get install chromium` puts it. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The flags the browser tests start Chromium with: headless as root, and no background traffic
 * (this machine's network is closed, and Chromium would otherwise try Google's hosts at every start).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type ChromiumLookup = { executablePath: string; skipReason?: undefined } | { executablePath?: undefined; skipReason: string };

const candidates = (): string[] =>
  [process.env.CHROMIUM_PATH, DEBIAN_CHROMIUM, '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(
    (p): p is string => !!p && existsSync(p),
  );

const run = (command: string, args: string[]): { ok: boolean; output: string } => {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    timeout: 15 * 60_000,
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}` };
};

/** Installs Debian's chromium with apt-get (as root); `apt-get update` only when the first try fails. */
function installChromium(log: (message: string) => void): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root, so apt-get cannot install chromium';
  if (!run('sh', ['-c', 'command -v apt-get']).ok) return 'apt-get is not available on this machine';
  log('Chromium is missing: installing Debian’s chromium with apt-get (once per machine) …');
  const failure = aptInstall(['chromium'], log);
  if (failure) return failure;
  // Chinese text in screenshots needs a CJK font; the tests pass without one, so this is best effort.
  if (!run('sh', ['-c', 'fc-list :lang=zh | grep -q .']).ok) aptInstall(['fonts-wqy-microhei'], log);
  return undefined;
}

function aptInstall(packages: string[], log: (message: string) => void): string | undefined {
  let attempt = run('apt-get', ['install', '-y', ...packages]);
  if (!attempt.ok) {
    log(`apt-get install ${packages.join(' ')} failed; running apt-get update and trying again …`);
    const update = run('apt-get', ['update']);
    if (!update.ok) return `apt-get update failed: ${lastLines(update.output)}`;
    attempt = run('apt-get', ['install', '-y', ...packages]);
  }
  return attempt.ok ? undefined : `apt-get install ${packages.join(' ')} failed: ${lastLines(attempt.output)}`;
}

const lastLines = (text: string): string => text.trim().split('\n').slice(-3).join(' / ');

/** The browser answers `--version`: an installed but broken package counts as missing. */
function works(executablePath: string): boolean {
  try {
    execFileSync(executablePath, ['--version'], { stdio: 'pipe', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Finds Chromium, installing Debian's package when it is missing. Synchronous, so that a spec can
 * choose `describe` or `describe.skip` while Jest collects it. Runs once per test run: the answer
 * is kept in a file named after the run, for every worker and spec that asks again.
 */
export function ensureChromium(log: (message: string) => void = (m) => process.stderr.write(`${m}\n`)): ChromiumLookup {
  const runId = (JSON.parse(process.env[TEST_STATE_ENV] ?? '{}') as { runId?: string }).runId ?? 'standalone';
  const dir = join(tmpdir(), 'govmatrix-chromium');
  const marker = join(dir, `${runId}.json`);
  if (existsSync(marker)) {
    const cached = JSON.parse(readFileSync(marker, 'utf8')) as ChromiumLookup;
    if (cached.skipReason !== undefined || existsSync(cached.executablePath)) return cached;
  }

  let lookup: ChromiumLookup;
  const found = candidates().find(works);
  if (found) {
    lookup = { executablePath: found };
  } else {
    const failure = installChromium(log);
    const installed = candidates().find(works);
    lookup = installed ? { executablePath: installed } : { skipReason: failure ?? 'chromium was installed but does not start' };
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(marker, JSON.stringify(lookup));
  return lookup;
}
