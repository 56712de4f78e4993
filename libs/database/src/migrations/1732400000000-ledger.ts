import { MigrationInterface, QueryRunner } from 'typeorm';

/** Row-level policy for a table whose rows belong to a unit: visible when the unit is in the scope. */
const unitScoped = (table: string, unitColumn = 'unit_id'): string => `
  CREATE POLICY ${table}_scope ON ${table}
  USING (tenant_id = app_tenant_id() AND ${unitColumn} = ANY (ARRAY(
    SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))
  WITH CHECK (tenant_id = app_tenant_id() AND ${unitColumn} = ANY (ARRAY(
    SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))`;

/**
 * The account ledger: accounts with their responsibility chain (history kept), filings with
 * working-day deadlines, findings, the working-day calendar overrides, and the append-only,
 * hash-chained audit log.
 */
export class Ledger1732400000000 implements MigrationInterface {
  name = 'Ledger1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        unit_id uuid NOT NULL,
        platform text NOT NULL CHECK (platform IN ('weibo', 'wechat', 'douyin', 'kuaishou', 'toutiao', 'bilibili', 'xiaohongshu',
          'video_channel', 'mini_program', 'app', 'website_column', 'other')),
        wechat_type text CHECK (wechat_type IN ('subscription', 'service')),
        kind text NOT NULL CHECK (kind IN ('institutional', 'official_personal')),
        holder_name text CHECK (length(holder_name) BETWEEN 1 AND 100),
        holder_position text CHECK (length(holder_position) BETWEEN 1 AND 100),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        platform_uid text CHECK (length(platform_uid) BETWEEN 1 AND 200),
        url text CHECK (length(url) BETWEEN 1 AND 2000),
        verified boolean NOT NULL DEFAULT false,
        verified_on date,
        operating_mode text NOT NULL CHECK (operating_mode IN ('self', 'outsourced')),
        vendor text CHECK (length(vendor) BETWEEN 1 AND 200),
        status text NOT NULL DEFAULT 'pending_filing'
          CHECK (status IN ('pending_filing', 'active', 'rectifying', 'closing', 'closed', 'force_closed')),
        opened_on date NOT NULL,
        opening_due_on date NOT NULL,
        opening_due_provisional boolean NOT NULL DEFAULT false,
        closing_started_on date,
        closure_due_on date,
        closure_due_provisional boolean NOT NULL DEFAULT false,
        closed_on date,
        second_account_justification text CHECK (length(second_account_justification) BETWEEN 1 AND 2000),
        second_account_approved_by uuid,
        second_account_approved_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id),
        CHECK ((platform = 'wechat') = (wechat_type IS NOT NULL)),
        CHECK ((kind = 'official_personal') = (holder_name IS NOT NULL)),
        CHECK ((operating_mode = 'outsourced') = (vendor IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX accounts_unit_platform ON accounts (tenant_id, unit_id, platform)`);
    await q.query(`CREATE INDEX accounts_status ON accounts (tenant_id, status)`);
    await q.query(`CREATE INDEX accounts_name_trgm ON accounts USING gin (name gin_trgm_ops)`);
    await q.query(
      `CREATE UNIQUE INDEX accounts_platform_uid ON accounts (tenant_id, platform, platform_uid) WHERE platform_uid IS NOT NULL`,
    );

    // The responsibility chain (谁开设、谁主管): one row per holder and period, never overwritten.
    await q.query(`
      CREATE TABLE account_people (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        role text NOT NULL CHECK (role IN ('first_responsible', 'main_responsible', 'chief_editor', 'operator')),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        position text CHECK (length(position) BETWEEN 1 AND 100),
        phone text CHECK (length(phone) BETWEEN 3 AND 40),
        email text CHECK (length(email) BETWEEN 3 AND 200),
        valid_from timestamptz NOT NULL DEFAULT now(),
        valid_to timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
        CHECK (valid_to IS NULL OR valid_to >= valid_from)
      )`);
    await q.query(`CREATE INDEX account_people_account ON account_people (tenant_id, account_id, role, valid_from)`);
    await q.query(`
      CREATE UNIQUE INDEX account_people_one_current ON account_people (tenant_id, account_id, role)
      WHERE valid_to IS NULL AND role <> 'operator'`);

    await q.query(`
      CREATE TABLE filings (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('opening', 'change', 'closure')),
        status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'accepted', 'returned')),
        details jsonb NOT NULL,
        resubmission_of uuid,
        submitted_by_kind text NOT NULL,
        submitted_by uuid NOT NULL,
        submitted_at timestamptz NOT NULL DEFAULT now(),
        reviewed_by uuid,
        reviewed_at timestamptz,
        return_reasons text[],
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
        FOREIGN KEY (tenant_id, resubmission_of) REFERENCES filings (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX filings_account ON filings (tenant_id, account_id, submitted_at)`);
    await q.query(`CREATE INDEX filings_queue ON filings (tenant_id, status, submitted_at) WHERE status = 'submitted'`);
    // One pending filing of each kind per account at a time.
    await q.query(`CREATE UNIQUE INDEX filings_one_pending ON filings (tenant_id, account_id, kind) WHERE status = 'submitted'`);

    await q.query(`
      CREATE TABLE findings (
        tenant_id uuid NOT NULL,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        account_id uuid NOT NULL,
        unit_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,39}$'),
        status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        detail text NOT NULL,
        evidence jsonb NOT NULL DEFAULT '{}'::jsonb,
        opened_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz,
        PRIMARY KEY (tenant_id, id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
      )`);
    await q.query(`CREATE UNIQUE INDEX findings_one_open ON findings (tenant_id, account_id, kind) WHERE status = 'open'`);
    await q.query(`CREATE INDEX findings_unit ON findings (tenant_id, unit_id, status)`);

    // The official holiday arrangement for years the bundled calendar package does not know (or corrects).
    await q.query(`
      CREATE TABLE calendar_years (
        year integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
        holidays date[] NOT NULL,
        workdays date[] NOT NULL,
        source text NOT NULL CHECK (length(source) BETWEEN 1 AND 500),
        loaded_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE audit_log (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        seq bigint NOT NULL,
        occurred_at timestamptz NOT NULL,
        actor_kind text NOT NULL,
        actor_id uuid,
        entity_type text NOT NULL,
        entity_id uuid NOT NULL,
        action text NOT NULL,
        before jsonb,
        after jsonb,
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL,
        PRIMARY KEY (tenant_id, seq)
      )`);
    await q.query(`CREATE INDEX audit_log_entity ON audit_log (tenant_id, entity_id, seq)`);
    // Append-only, even for the owner: row triggers for UPDATE/DELETE, a statement trigger for TRUNCATE.
    await q.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(
      `CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`,
    );
    await q.query(
      `CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`,
    );

    for (const table of ['accounts', 'account_people', 'filings', 'findings']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      await q.query(unitScoped(table));
    }
    // The audit log is the tenant's as a whole (a unit's history is read through its entities).
    await q.query(`ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY audit_log_scope ON audit_log
      USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);
    await q.query(`ALTER TABLE calendar_years ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY calendar_years_read ON calendar_years FOR SELECT USING (true)`);
    await q.query(
      `CREATE POLICY calendar_years_operator ON calendar_years FOR ALL USING (app_is_operator()) WITH CHECK (app_is_operator())`,
    );

    // The naming check (R5) compares an account's name with its unit's and region's names; the
    // region may lie above the caller's scope, so only those names are handed out, within the tenant.
    await q.query(`
      CREATE FUNCTION unit_naming_context(p_unit_id uuid)
      RETURNS TABLE (unit_name text, unit_short_name text, region_name text, region_short_name text)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT u.name, u.short_name, r.name, r.short_name
        FROM units u
        LEFT JOIN LATERAL (
          SELECT x.name, x.short_name FROM units x
          WHERE x.tenant_id = u.tenant_id AND x.path @> u.path AND x.level <> 'bureau'
          ORDER BY nlevel(x.path) DESC LIMIT 1) r ON true
        WHERE u.tenant_id = app_tenant_id() AND u.id = p_unit_id
      $$`);
    await q.query(`ALTER FUNCTION unit_naming_context(uuid) OWNER TO govmatrix_auth`);
    await q.query(`REVOKE ALL ON FUNCTION unit_naming_context(uuid) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION unit_naming_context(uuid) TO govmatrix_app`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON accounts, account_people, filings, findings TO govmatrix_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON calendar_years TO govmatrix_app`);
    await q.query(`GRANT SELECT, INSERT ON audit_log TO govmatrix_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log, calendar_years, findings, filings, account_people, accounts`);
    await q.query(`DROP FUNCTION audit_log_refuse_change(), unit_naming_context(uuid)`);
  }
}
