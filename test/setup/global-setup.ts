import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Relative imports only: Jest's globalSetup does not apply the path aliases.
import { EmbeddedCluster } from '../../libs/database/src/embedded/embedded-cluster';
import { withDatabase } from '../../libs/database/src/database-urls';
import { ensureDatabase, migrate } from '../../libs/database/src/migrator';
import { TEST_STATE_ENV, TestRunState } from './test-state';

/**
 * One PostgreSQL per test run: the embedded server on a free port, or the server of DATABASE_URL.
 * The schema is migrated once into a template database; each test file clones it.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  let serverUrl = process.env.DATABASE_URL;
  let clusterDir: string | undefined;
  if (!serverUrl) {
    clusterDir = mkdtempSync(join(tmpdir(), 'govmatrix-test-pg-'));
    const cluster = new EmbeddedCluster({ dir: clusterDir });
    serverUrl = (await cluster.start()).url;
    (globalThis as { __GOVMATRIX_CLUSTER__?: EmbeddedCluster }).__GOVMATRIX_CLUSTER__ = cluster;
  }
  const templateUrl = withDatabase(serverUrl, `gm_template_${runId}`);
  await ensureDatabase(templateUrl);
  await migrate(templateUrl, { manageAppRolePassword: true });

  const state: TestRunState = { runId, serverUrl, templateDatabase: `gm_template_${runId}`, clusterDir };
  process.env[TEST_STATE_ENV] = JSON.stringify(state);
}
