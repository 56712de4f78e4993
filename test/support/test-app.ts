import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createApp } from '../../apps/api/src/bootstrap/create-app';
import { ensureOperator } from '../../apps/api/src/bootstrap/operator-bootstrap';
import { AppConfig, loadConfig } from '@govmatrix/common';
import { createTestDatabase, dropTestDatabase, TestDatabase } from './database';

export const TEST_JWT_KEYS = 'test-1:0123456789abcdef0123456789abcdef-test-key-one,test-0:fedcba9876543210fedcba9876543210-test-key-old';
export const OPERATOR_PASSWORD = 'operator-test-password';

export interface TestApp {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  db: TestDatabase;
  config: AppConfig;
  close(): Promise<void>;
}

/** The real application on its own freshly migrated database, connected as the non-owner role. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const db = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: db.ownerUrl,
    JWT_KEYS: TEST_JWT_KEYS,
    OPERATOR_PASSWORD,
    LOG_LEVEL: 'silent',
    DB_POOL_SIZE: '5',
    // Tests call far faster than any portal; test/e2e/rate-limit.spec.ts sets real limits.
    RATE_LIMIT_PER_MINUTE: '1000000',
    ANONYMOUS_RATE_LIMIT_PER_MINUTE: '1000000',
    ...env,
  });
  await ensureOperator(db.ownerUrl, config, () => undefined);
  const app = await createApp({ config, appDatabaseUrl: db.appUrl });
  await app.init();
  const http = request(app.getHttpServer());
  return {
    app,
    http,
    db,
    config,
    close: async () => {
      await app.close();
      await dropTestDatabase(db);
    },
  };
}
