import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { deriveAppUrl, withDatabase } from '@govmatrix/database';
import { TEST_STATE_ENV, TestRunState } from '../setup/test-state';

export function testRunState(): TestRunState {
  const raw = process.env[TEST_STATE_ENV];
  if (!raw) throw new Error('The test run state is missing: run the tests through jest (globalSetup)');
  return JSON.parse(raw) as TestRunState;
}

export interface TestDatabase {
  /** Owner connection: migrations, fixtures the app cannot make, tampering. */
  ownerUrl: string;
  /** The non-owner role the app runs as. */
  appUrl: string;
  name: string;
}

/** A fresh, migrated database cloned from the run's template (milliseconds, not a migration run). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const state = testRunState();
  const name = `gm_t_${state.runId}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: withDatabase(state.serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${state.templateDatabase}"`);
  } finally {
    await admin.end();
  }
  const ownerUrl = withDatabase(state.serverUrl, name);
  return { ownerUrl, appUrl: deriveAppUrl(ownerUrl), name };
}

export async function dropTestDatabase(db: TestDatabase): Promise<void> {
  const admin = new Client({ connectionString: withDatabase(testRunState().serverUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Runs SQL on a connection of its own, as the given URL's role. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
