import 'reflect-metadata';
import { ConfigError, loadConfig } from '@govmatrix/common';
import { prepareDatabase } from '@govmatrix/database';
import { createApp } from './bootstrap/create-app';
import { DemoLoader } from './demo/demo-loader';
import { ensureOperator } from './bootstrap/operator-bootstrap';

/** Boot-time messages, before the app's logger exists: one JSON object a line, like the rest. */
const log = (msg: string, level = 'info'): void => {
  process.stdout.write(`${JSON.stringify({ level, time: new Date().toISOString(), context: 'Bootstrap', msg })}\n`);
};

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const demo = process.argv.includes('--demo') || process.env.GOVMATRIX_DEMO === '1';

  const database = await prepareDatabase(config, (msg) => log(msg));
  if (database.appliedMigrations.length > 0) log(`applied migrations: ${database.appliedMigrations.join(', ')}`);
  let app: Awaited<ReturnType<typeof createApp>>;
  try {
    await ensureOperator(database.ownerUrl, config, (msg) => log(msg, 'warn'));
    app = await createApp({ config, appDatabaseUrl: database.appUrl });
    if (demo) await app.get(DemoLoader).load((msg) => log(msg));
    await app.listen(config.port, config.host);
  } catch (error) {
    await database.embedded?.stop();
    throw error;
  }

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${signal} received: draining requests and stopping`);
    try {
      await app.close();
    } finally {
      await database.embedded?.stop();
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  log(
    `GovMatrix API listening on http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port} (console at /console, docs at /docs, OpenAPI at /openapi.json)`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', time: new Date().toISOString(), msg: 'startup failed', err: String((error as Error)?.stack ?? error) })}\n`,
  );
  process.exit(1);
});
