import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig } from '@govmatrix/common';
import { prepareDatabase } from '@govmatrix/database';
import { WorkerModule } from './worker.module';

/**
 * Scheduled jobs (daily inspection, hourly escalation, yearly assessment) apart from the HTTP API;
 * run as many as you like, each tenant's job runs once per key. Without DATABASE_URL it joins
 * the embedded PostgreSQL the API started (and leaves it running when it stops).
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const database = await prepareDatabase(config, (msg) =>
    process.stdout.write(`${JSON.stringify({ level: 'info', context: 'Worker', msg })}\n`),
  );
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config, database.appUrl));
  const stop = async (): Promise<void> => {
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', msg: 'worker startup failed', err: String((error as Error)?.stack ?? error) })}\n`,
  );
  process.exit(1);
});
