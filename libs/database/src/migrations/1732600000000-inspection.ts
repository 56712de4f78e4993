import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Scheduled jobs and the daily inspection: job runs (one success per job, key and tenant, so a
 * job runs once however many workers there are), finding evidence by check date, and the
 * definer function the worker uses to find each tenant's root scope.
 */
export class Inspection1732600000000 implements MigrationInterface {
  name = 'Inspection1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_runs (
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        job text NOT NULL CHECK (job ~ '^[a-z][a-z_]{1,39}$'),
        run_key text NOT NULL CHECK (length(run_key) BETWEEN 1 AND 40),
        status text NOT NULL CHECK (status IN ('succeeded', 'failed', 'skipped')),
        started_at timestamptz NOT NULL,
        finished_at timestamptz NOT NULL DEFAULT now(),
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        error text,
        triggered_by text NOT NULL,
        worker text NOT NULL,
        PRIMARY KEY (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX job_runs_once ON job_runs (tenant_id, job, run_key) WHERE status = 'succeeded'`);
    await q.query(`CREATE INDEX job_runs_recent ON job_runs (tenant_id, job, started_at DESC)`);
    await q.query(`ALTER TABLE job_runs ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY job_runs_scope ON job_runs USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON job_runs TO govmatrix_app`);

    // The check date a finding was last confirmed on, and the findings an auditor entered by hand.
    await q.query(`ALTER TABLE findings ADD COLUMN checked_on date`);
    await q.query(`ALTER TABLE findings ADD COLUMN source text NOT NULL DEFAULT 'inspection' CHECK (source IN ('inspection', 'auditor'))`);
    await q.query(`ALTER TABLE findings ADD COLUMN entered_by uuid`);
    await q.query(`CREATE INDEX findings_kind_open ON findings (tenant_id, kind) WHERE status = 'open'`);

    // Jobs iterate over tenants: each tenant's id and root path, nothing else.
    await q.query(`
      CREATE FUNCTION tenant_root_scopes() RETURNS TABLE (tenant_id uuid, root_path ltree)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT t.id, u.path FROM tenants t JOIN units u ON u.tenant_id = t.id AND u.parent_id IS NULL
        WHERE t.active ORDER BY t.id
      $$`);
    await q.query(`ALTER FUNCTION tenant_root_scopes() OWNER TO govmatrix_auth`);
    await q.query(`REVOKE ALL ON FUNCTION tenant_root_scopes() FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION tenant_root_scopes() TO govmatrix_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION tenant_root_scopes()`);
    await q.query(`DROP INDEX findings_kind_open`);
    await q.query(`ALTER TABLE findings DROP COLUMN checked_on, DROP COLUMN source, DROP COLUMN entered_by`);
    await q.query(`DROP TABLE job_runs`);
  }
}
