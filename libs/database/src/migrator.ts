import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { APP_ROLE, AUTH_ROLE, databaseName, deriveAppUrl, withDatabase } from './database-urls';
import { MIGRATIONS } from './migrations';

/** Serialises provisioning and migrations across replicas and test workers. */
const MIGRATION_LOCK_KEY = 4_732_300_001;

/** Creates the database when the server has none of that name (embedded server, test clusters). */
export async function ensureDatabase(ownerUrl: string): Promise<void> {
  const name = databaseName(ownerUrl);
  const admin = new Client({ connectionString: withDatabase(ownerUrl, 'postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await admin
        .query(`CREATE DATABASE ${admin.escapeIdentifier(name)} ENCODING 'UTF8' TEMPLATE template0`)
        .catch((error: { code?: string }) => {
          if (error.code !== '42P04') throw error; // created concurrently by another process
        });
    }
  } finally {
    await admin.end();
  }
}

/**
 * Makes sure the app role exists (with the derived password unless the operator manages the role
 * through APP_DATABASE_URL) and applies pending migrations, under an advisory lock.
 */
export async function migrate(ownerUrl: string, options: { manageAppRolePassword: boolean }): Promise<string[]> {
  const managedAppUrl = options.manageAppRolePassword ? deriveAppUrl(ownerUrl) : undefined;
  const dataSource = new DataSource({
    type: 'postgres',
    url: ownerUrl,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    extra: { max: 1 },
    logging: false,
  });
  await dataSource.initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await ensureAppRole(dataSource, managedAppUrl);
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await dataSource.destroy();
  }
}

async function ensureAppRole(dataSource: DataSource, appUrl: string | undefined): Promise<void> {
  for (const role of [APP_ROLE, AUTH_ROLE]) {
    await dataSource
      .query(`CREATE ROLE ${role} NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT`)
      .catch((error: { code?: string }) => {
        if (error.code !== '42710') throw error; // exists already (roles are cluster-wide)
      });
  }
  // The migration user hands the authentication functions to AUTH_ROLE, which needs membership.
  const [{ member }] = (await dataSource.query(`SELECT pg_has_role(current_user, $1, 'MEMBER') AS member`, [AUTH_ROLE])) as {
    member: boolean;
  }[];
  if (!member) await dataSource.query(`GRANT ${AUTH_ROLE} TO CURRENT_USER`);
  if (appUrl !== undefined && !(await canConnect(appUrl))) {
    const password = decodeURIComponent(new URL(appUrl).password);
    await dataSource.query(`ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD '${password.replace(/'/g, "''")}'`);
  }
  const db = dataSource.driver.database ?? 'postgres';
  await dataSource.query(`GRANT CONNECT, TEMPORARY ON DATABASE "${db.replace(/"/g, '""')}" TO ${APP_ROLE}`);
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
