import { withClient } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The schema stays ready for Citus (distribution by tenant_id): every tenant table's primary key,
 * unique constraints and unique indexes contain tenant_id, and foreign keys between tenant tables
 * carry it, so each tenant's rows can live on one shard. docs/DEPLOY.md explains the plan.
 */
describe('Citus readiness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  /** Not distributed: sessions stays a coordinator-local table (auth infrastructure, by session id). */
  const COORDINATOR_LOCAL = new Set(['sessions']);

  const tenantTables = () =>
    withClient(t.db.ownerUrl, async (c) => {
      const { rows } = await c.query<{ table: string }>(
        `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
         WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1`,
      );
      return rows.map((r) => r.table).filter((name) => !COORDINATOR_LOCAL.has(name));
    });

  it('finds the tenant tables (the check is not vacuous)', async () => {
    const tables = await tenantTables();
    expect(tables).toEqual(expect.arrayContaining(['units', 'users', 'api_clients', 'accounts', 'filings', 'audit_log', 'daily_metrics']));
  });

  it('has tenant_id in every primary key, unique constraint and unique index of a tenant table', async () => {
    const tables = await tenantTables();
    const offenders = await withClient(t.db.ownerUrl, async (c) => {
      const { rows } = await c.query<{ table: string; index: string }>(
        `SELECT t.relname AS table, i.relname AS index
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
         WHERE x.indisunique AND t.relname = ANY($1::text[])
           AND NOT EXISTS (SELECT 1 FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k WHERE a.attname = 'tenant_id')`,
        [tables],
      );
      return rows;
    });
    expect(offenders).toEqual([]);
  });

  it('carries tenant_id in every foreign key between tenant tables', async () => {
    const tables = await tenantTables();
    const offenders = await withClient(t.db.ownerUrl, async (c) => {
      const { rows } = await c.query<{ constraint: string }>(
        `SELECT con.conname AS constraint
         FROM pg_constraint con JOIN pg_class src ON src.oid = con.conrelid JOIN pg_class dst ON dst.oid = con.confrelid
         WHERE con.contype = 'f' AND src.relname = ANY($1::text[]) AND dst.relname = ANY($1::text[])
           AND NOT EXISTS (SELECT 1 FROM unnest(con.conkey) k JOIN pg_attribute a ON a.attrelid = src.oid AND a.attnum = k WHERE a.attname = 'tenant_id')`,
        [tables],
      );
      return rows.map((r) => r.constraint);
    });
    expect(offenders).toEqual([]);
  });
});
