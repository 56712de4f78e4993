import { ConfigError, loadConfig } from '@govmatrix/common';
import { prepareDatabase } from '@govmatrix/database';

/** Applies pending migrations (and provisions the app roles) then exits: the deployment's migration step. */
async function main(): Promise<void> {
  const config = loadConfig();
  const database = await prepareDatabase(config, (msg) => process.stdout.write(`${msg}\n`));
  process.stdout.write(
    database.appliedMigrations.length > 0 ? `applied: ${database.appliedMigrations.join(', ')}\n` : 'the schema is up to date\n',
  );
  await database.embedded?.stop();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
