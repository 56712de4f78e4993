import { Client } from 'pg';
import { EmbeddedCluster } from '../../libs/database/src/embedded/embedded-cluster';
import { withDatabase } from '../../libs/database/src/database-urls';
import { TEST_STATE_ENV, TestRunState } from './test-state';

export default async function globalTeardown(): Promise<void> {
  const cluster = (globalThis as { __GOVMATRIX_CLUSTER__?: EmbeddedCluster }).__GOVMATRIX_CLUSTER__;
  if (cluster) {
    await cluster.destroy();
    return;
  }
  // An external server: drop what this run created.
  const state = JSON.parse(process.env[TEST_STATE_ENV] ?? '{}') as Partial<TestRunState>;
  if (!state.serverUrl || !state.runId) return;
  const admin = new Client({ connectionString: withDatabase(state.serverUrl, 'postgres') });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
      `gm_%_${state.runId}%`,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
