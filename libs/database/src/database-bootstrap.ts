import { join } from 'node:path';
import { AppConfig } from '@govmatrix/common';
import { deriveAppUrl, withDatabase } from './database-urls';
import { EmbeddedCluster } from './embedded/embedded-cluster';
import { ensureDatabase, migrate } from './migrator';

export interface PreparedDatabase {
  ownerUrl: string;
  appUrl: string;
  /** Present when this process started (or adopted) the embedded server and must stop it. */
  embedded?: EmbeddedCluster;
  appliedMigrations: string[];
}

export const EMBEDDED_DATABASE_NAME = 'govmatrix';

/**
 * Before the app starts: the embedded PostgreSQL when no DATABASE_URL is set, the app role, and
 * pending migrations. The app itself then connects as the non-owner role only.
 */
export async function prepareDatabase(config: AppConfig, log: (message: string) => void): Promise<PreparedDatabase> {
  let ownerUrl = config.databaseUrl;
  let embedded: EmbeddedCluster | undefined;
  if (!ownerUrl) {
    embedded = new EmbeddedCluster({ dir: join(config.dataDir, 'pg'), port: config.embeddedPgPort, log });
    const connection = await embedded.start();
    ownerUrl = withDatabase(connection.url, EMBEDDED_DATABASE_NAME);
  }
  try {
    await ensureDatabase(ownerUrl);
    const appliedMigrations = await migrate(ownerUrl, { manageAppRolePassword: !config.appDatabaseUrl });
    const appUrl = config.appDatabaseUrl ?? deriveAppUrl(ownerUrl);
    return { ownerUrl, appUrl, embedded, appliedMigrations };
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}
