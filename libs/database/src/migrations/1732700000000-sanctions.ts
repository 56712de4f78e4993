import { MigrationInterface, QueryRunner } from 'typeorm';

/** Row-level policy for rows that belong to a unit: visible when the unit is in the scope. */
const unitScoped = (table: string): string => `
  CREATE POLICY ${table}_scope ON ${table}
  USING (tenant_id = app_tenant_id() AND unit_id = ANY (ARRAY(
    SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))
  WITH CHECK (tenant_id = app_tenant_id() AND unit_id = ANY (ARRAY(
    SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))`;

const MEASURES = `('order_deletion', 'talk', 'warning', 'public_notice', 'forced_closure')`;
const CASE_STATUSES = `('awaiting_rectification', 'rectification_submitted', 'resolved')`;

/**
 * Sanctions (R9): cases on findings with a measure and a working-day deadline, their append-only
 * step history, notices to the unit, and webhook endpoints with their deliveries.
 *
 * A case's current state (status, measure, deadline) is a row updated in place so that the hourly
 * escalation and the listings find overdue cases by index; every change to it is also a step
 * (INSERT only, refused UPDATE/DELETE/TRUNCATE by trigger and by grants) and an audit entry in the
 * same transaction, so the row can always be rebuilt from the steps. The app role may update only
 * the state columns of a case, never who opened it, on which account, or whom it names.
 */
export class Sanctions1732700000000 implements MigrationInterface {
  name = 'Sanctions1732700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sanction_cases (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        status text NOT NULL DEFAULT 'awaiting_rectification' CHECK (status IN ${CASE_STATUSES}),
        initial_measure text NOT NULL CHECK (initial_measure IN ${MEASURES}),
        measure text NOT NULL CHECK (measure IN ${MEASURES}),
        decision text NOT NULL CHECK (length(decision) BETWEEN 1 AND 2000),
        decided_on date NOT NULL,
        due_on date NOT NULL,
        due_provisional boolean NOT NULL DEFAULT false,
        step_count integer NOT NULL DEFAULT 1 CHECK (step_count >= 1),
        persons_of_record jsonb NOT NULL,
        opened_by uuid NOT NULL,
        opened_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        resolved_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
        CHECK (due_on >= decided_on),
        CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX sanction_cases_account ON sanction_cases (tenant_id, account_id, status)`);
    await q.query(`CREATE INDEX sanction_cases_opened ON sanction_cases (tenant_id, opened_at DESC, id DESC)`);
    // The hourly escalation: unresolved cases by deadline.
    await q.query(`CREATE INDEX sanction_cases_due ON sanction_cases (tenant_id, due_on) WHERE status = 'awaiting_rectification'`);

    await q.query(`
      CREATE TABLE sanction_case_findings (
        tenant_id uuid NOT NULL,
        case_id uuid NOT NULL,
        finding_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        PRIMARY KEY (tenant_id, case_id, finding_id),
        FOREIGN KEY (tenant_id, case_id) REFERENCES sanction_cases (tenant_id, id),
        FOREIGN KEY (tenant_id, finding_id) REFERENCES findings (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX sanction_case_findings_finding ON sanction_case_findings (tenant_id, finding_id)`);

    await q.query(`
      CREATE TABLE sanction_case_steps (
        tenant_id uuid NOT NULL,
        case_id uuid NOT NULL,
        seq integer NOT NULL CHECK (seq >= 1),
        unit_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('opened', 'rectification_submitted', 'accepted', 'returned', 'escalated')),
        status_after text NOT NULL CHECK (status_after IN ${CASE_STATUSES}),
        measure text NOT NULL CHECK (measure IN ${MEASURES}),
        due_on date NOT NULL,
        due_provisional boolean NOT NULL,
        actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'client', 'system')),
        actor_id uuid,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        as_of timestamptz,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, case_id, seq),
        FOREIGN KEY (tenant_id, case_id) REFERENCES sanction_cases (tenant_id, id),
        CHECK ((actor_kind = 'system') = (actor_id IS NULL))
      )`);
    // Append-only, even for the owner: row triggers for UPDATE/DELETE, a statement trigger for TRUNCATE.
    await q.query(`
      CREATE FUNCTION sanctions_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['sanction_case_steps', 'sanction_case_findings']) {
      await q.query(
        `CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION sanctions_refuse_change()`,
      );
      await q.query(
        `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION sanctions_refuse_change()`,
      );
    }

    // One notice per case step, addressed to the account's unit.
    await q.query(`
      CREATE TABLE notices (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL,
        account_id uuid NOT NULL,
        case_id uuid NOT NULL,
        step_seq integer NOT NULL,
        kind text NOT NULL,
        measure text NOT NULL CHECK (measure IN ${MEASURES}),
        due_on date NOT NULL,
        title text NOT NULL CHECK (length(title) BETWEEN 1 AND 500),
        message text NOT NULL CHECK (length(message) BETWEEN 1 AND 10000),
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        read_by uuid,
        webhooks_enqueued boolean NOT NULL DEFAULT false,
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, case_id, step_seq),
        FOREIGN KEY (tenant_id, case_id, step_seq) REFERENCES sanction_case_steps (tenant_id, case_id, seq),
        FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
        CHECK ((read_at IS NULL) = (read_by IS NULL))
      )`);
    await q.query(`CREATE INDEX notices_unit ON notices (tenant_id, unit_id, created_at DESC)`);
    await q.query(`CREATE INDEX notices_to_enqueue ON notices (tenant_id, created_at) WHERE NOT webhooks_enqueued`);

    // A tenant admin's endpoint for a subtree (the tenant's root for all of it). The secret signs
    // payloads (HMAC), so it is kept as given, and is never read back through the API.
    await q.query(`
      CREATE TABLE webhook_endpoints (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL,
        url text NOT NULL CHECK (length(url) BETWEEN 8 AND 2000 AND url ~ '^https?://'),
        secret text NOT NULL CHECK (length(secret) BETWEEN 32 AND 200),
        description text CHECK (length(description) BETWEEN 1 AND 200),
        active boolean NOT NULL DEFAULT true,
        created_by uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deactivated_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
        CHECK (active = (deactivated_at IS NULL))
      )`);

    // One delivery per notice and endpoint; attempts are retried with exponential backoff.
    await q.query(`
      CREATE TABLE webhook_deliveries (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL,
        endpoint_id uuid NOT NULL,
        notice_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        payload text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        last_status integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, endpoint_id, notice_id),
        FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id),
        FOREIGN KEY (tenant_id, notice_id) REFERENCES notices (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX webhook_deliveries_due ON webhook_deliveries (tenant_id, next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC)`);

    for (const table of [
      'sanction_cases',
      'sanction_case_findings',
      'sanction_case_steps',
      'notices',
      'webhook_endpoints',
      'webhook_deliveries',
    ]) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      await q.query(unitScoped(table));
    }

    await q.query(`GRANT SELECT, INSERT ON sanction_cases, sanction_case_findings, sanction_case_steps TO govmatrix_app`);
    await q.query(
      `GRANT UPDATE (status, measure, due_on, due_provisional, step_count, updated_at, resolved_at) ON sanction_cases TO govmatrix_app`,
    );
    await q.query(`GRANT SELECT, INSERT ON notices, webhook_endpoints TO govmatrix_app`);
    await q.query(`GRANT UPDATE (read_at, read_by, webhooks_enqueued) ON notices TO govmatrix_app`);
    await q.query(`GRANT UPDATE (active, deactivated_at) ON webhook_endpoints TO govmatrix_app`);
    await q.query(`GRANT SELECT, INSERT ON webhook_deliveries TO govmatrix_app`);
    await q.query(
      `GRANT UPDATE (status, attempts, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at) ON webhook_deliveries TO govmatrix_app`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE webhook_deliveries, webhook_endpoints, notices, sanction_case_steps, sanction_case_findings, sanction_cases`);
    await q.query(`DROP FUNCTION sanctions_refuse_change()`);
  }
}
