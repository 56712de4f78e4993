import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants, the unit tree, users, machine clients, sessions; the scope functions every row-level
 * policy is written with; the narrow SECURITY DEFINER functions authentication needs before a scope
 * exists. The application connects as `govmatrix_app`, which owns nothing and cannot bypass RLS.
 */
export class Foundation1732300000000 implements MigrationInterface {
  name = 'Foundation1732300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS ltree`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    // The request scope, set with set_config(..., true) inside each request's transaction.
    // NULLIF: after a transaction-local setting ends it reads back as '' (not NULL); '' must not mean "everything".
    await q.query(`
      CREATE FUNCTION app_tenant_id() RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid $$`);
    await q.query(`
      CREATE FUNCTION app_scope_path() RETURNS ltree LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT NULLIF(current_setting('app.scope_path', true), '')::ltree $$`);
    await q.query(`
      CREATE FUNCTION app_is_operator() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT coalesce(current_setting('app.operator', true) = 'on', false) $$`);

    await q.query(`
      CREATE TABLE tenants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        active boolean NOT NULL DEFAULT true,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`CREATE SEQUENCE unit_label_seq`);
    await q.query(`
      CREATE TABLE units (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        parent_id uuid,
        path ltree NOT NULL,
        code text,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        short_name text CHECK (length(short_name) BETWEEN 1 AND 50),
        level text NOT NULL CHECK (level IN ('province', 'city', 'county', 'bureau')),
        division_code text CHECK (division_code ~ '^[0-9]{6}$'),
        sector text NOT NULL CHECK (sector ~ '^[a-z][a-z_]{1,39}$'),
        sector_parent_id uuid,
        supervisor boolean NOT NULL DEFAULT false,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, path),
        UNIQUE (tenant_id, code),
        FOREIGN KEY (tenant_id, parent_id) REFERENCES units (tenant_id, id),
        FOREIGN KEY (tenant_id, sector_parent_id) REFERENCES units (tenant_id, id),
        CHECK ((level = 'bureau') = (division_code IS NULL)),
        CHECK ((parent_id IS NULL) = (nlevel(path) = 1))
      )`);
    await q.query(`CREATE INDEX units_path_gist ON units USING gist (path)`);
    await q.query(`CREATE INDEX units_parent ON units (tenant_id, parent_id)`);
    await q.query(`CREATE INDEX units_sector_parent ON units (tenant_id, sector_parent_id) WHERE sector_parent_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX units_division_code ON units (tenant_id, division_code) WHERE division_code IS NOT NULL`);
    await q.query(`CREATE INDEX units_name_trgm ON units USING gin (name gin_trgm_ops)`);
    // One supervising office (cyberspace office) per region.
    await q.query(`CREATE UNIQUE INDEX units_one_supervisor ON units (tenant_id, parent_id) WHERE supervisor`);

    await q.query(`
      CREATE TABLE users (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        username text NOT NULL CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('tenant_admin', 'auditor', 'unit_operator', 'matrix_lead')),
        unit_id uuid NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, username),
        FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX users_unit ON users (tenant_id, unit_id)`);

    await q.query(`
      CREATE TABLE api_clients (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        client_id text NOT NULL,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        secret_hash bytea NOT NULL,
        unit_id uuid NOT NULL,
        scopes text[] NOT NULL CHECK (cardinality(scopes) > 0),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, id),
        UNIQUE (tenant_id, client_id),
        FOREIGN KEY (tenant_id, unit_id) REFERENCES units (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX api_clients_client_id ON api_clients (client_id)`);
    await q.query(`CREATE INDEX api_clients_unit ON api_clients (tenant_id, unit_id)`);

    // Operators run the SaaS and see no tenant data; their rows are reached only through definer functions.
    await q.query(`
      CREATE TABLE operators (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);

    // Sessions back every token: logout or deactivation revokes them. Reached only through definer functions.
    await q.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        tenant_id uuid REFERENCES tenants(id),
        subject_kind text NOT NULL CHECK (subject_kind IN ('operator', 'user', 'client')),
        subject_id uuid NOT NULL,
        refresh_hash bytea UNIQUE,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        refreshed_at timestamptz,
        CHECK ((subject_kind = 'operator') = (tenant_id IS NULL))
      )`);
    await q.query(`CREATE INDEX sessions_subject ON sessions (tenant_id, subject_kind, subject_id) WHERE revoked_at IS NULL`);

    // Row-level security: FORCEd so that even the owner is filtered; no policy matches an unset scope.
    await q.query(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY tenants_scope ON tenants
      USING (id = app_tenant_id() OR app_is_operator())
      WITH CHECK (id = app_tenant_id() OR app_is_operator())`);
    await q.query(`ALTER TABLE units ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY units_scope ON units
      USING (tenant_id = app_tenant_id() AND path <@ app_scope_path())
      WITH CHECK (tenant_id = app_tenant_id() AND path <@ app_scope_path())`);
    for (const table of ['users', 'api_clients']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      // = ANY(ARRAY(subquery)) lets the planner use the unit index; IN (subquery) scanned.
      await q.query(`
        CREATE POLICY ${table}_scope ON ${table}
        USING (tenant_id = app_tenant_id() AND unit_id = ANY (ARRAY(
          SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))
        WITH CHECK (tenant_id = app_tenant_id() AND unit_id = ANY (ARRAY(
          SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))`);
    }
    // Not tenant data and never granted to the app role: RLS without FORCE, so their owner (the
    // operator bootstrap) and the authentication role below reach them, nobody else.
    for (const table of ['operators', 'sessions']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    }
    // The authentication role reads across tenants, through its own functions only.
    for (const table of ['tenants', 'units', 'users', 'api_clients', 'operators', 'sessions']) {
      await q.query(`CREATE POLICY ${table}_auth_lookup ON ${table} TO govmatrix_auth USING (true) WITH CHECK (true)`);
    }
    await q.query(`GRANT USAGE ON SCHEMA public TO govmatrix_auth`);
    await q.query(`GRANT SELECT ON tenants, units, users, api_clients, operators TO govmatrix_auth`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON sessions TO govmatrix_auth`);

    await this.createAuthFunctions(q);

    await q.query(`GRANT USAGE ON SCHEMA public TO govmatrix_app`);
    await q.query(`GRANT SELECT, INSERT, UPDATE ON tenants, units, users, api_clients TO govmatrix_app`);
    await q.query(`GRANT USAGE ON SEQUENCE unit_label_seq TO govmatrix_app`);
    await q.query(`GRANT SELECT ON schema_migrations TO govmatrix_app`);
  }

  /**
   * Authentication happens before a scope exists, so these look rows up across tenants. Each does
   * one narrow thing, runs as `govmatrix_auth` (which owns nothing else and may only read), and
   * pins its search_path.
   */
  private async createAuthFunctions(q: QueryRunner): Promise<void> {
    const definer = `LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, public`;

    await q.query(`
      CREATE FUNCTION auth_find_user(p_tenant_slug text, p_username text)
      RETURNS TABLE (tenant_id uuid, user_id uuid, password_hash text)
      ${definer} STABLE AS $$
        SELECT u.tenant_id, u.id, u.password_hash
        FROM users u JOIN tenants t ON t.id = u.tenant_id
        JOIN units un ON un.tenant_id = u.tenant_id AND un.id = u.unit_id
        WHERE t.slug = p_tenant_slug AND u.username = p_username AND u.active AND t.active AND un.active
      $$`);
    await q.query(`
      CREATE FUNCTION auth_find_operator(p_username text)
      RETURNS TABLE (operator_id uuid, password_hash text)
      ${definer} STABLE AS $$
        SELECT o.id, o.password_hash FROM operators o WHERE o.username = p_username AND o.active
      $$`);
    await q.query(`
      CREATE FUNCTION auth_find_client(p_client_id text)
      RETURNS TABLE (tenant_id uuid, client_pk uuid, secret_hash bytea)
      ${definer} STABLE AS $$
        SELECT c.tenant_id, c.id, c.secret_hash
        FROM api_clients c JOIN tenants t ON t.id = c.tenant_id
        JOIN units un ON un.tenant_id = c.tenant_id AND un.id = c.unit_id
        WHERE c.client_id = p_client_id AND c.active AND t.active AND un.active
      $$`);
    await q.query(`
      CREATE FUNCTION auth_open_session(p_tenant_id uuid, p_kind text, p_subject_id uuid, p_refresh_hash bytea, p_expires_at timestamptz)
      RETURNS uuid ${definer} VOLATILE AS $$
        INSERT INTO sessions (tenant_id, subject_kind, subject_id, refresh_hash, expires_at)
        VALUES (p_tenant_id, p_kind, p_subject_id, p_refresh_hash, p_expires_at)
        RETURNING id
      $$`);
    // The live context of a session: revoked sessions, deactivated subjects or units yield no row.
    // A supervising office (supervisor unit) acts on its region: the scope is the parent's subtree.
    await q.query(`
      CREATE FUNCTION auth_session_context(p_session_id uuid)
      RETURNS TABLE (tenant_id uuid, subject_kind text, subject_id uuid, role text, unit_id uuid, scope_path ltree, scopes text[])
      ${definer} STABLE AS $$
        SELECT s.tenant_id, s.subject_kind, s.subject_id, 'operator', NULL::uuid, NULL::ltree, NULL::text[]
        FROM sessions s JOIN operators o ON o.id = s.subject_id
        WHERE s.id = p_session_id AND s.subject_kind = 'operator' AND s.revoked_at IS NULL AND s.expires_at > now() AND o.active
        UNION ALL
        SELECT s.tenant_id, s.subject_kind, s.subject_id, u.role, u.unit_id,
               CASE WHEN un.supervisor AND p.id IS NOT NULL THEN p.path ELSE un.path END, NULL::text[]
        FROM sessions s
        JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.subject_id
        JOIN tenants t ON t.id = s.tenant_id
        JOIN units un ON un.tenant_id = u.tenant_id AND un.id = u.unit_id
        LEFT JOIN units p ON p.tenant_id = un.tenant_id AND p.id = un.parent_id
        WHERE s.id = p_session_id AND s.subject_kind = 'user' AND s.revoked_at IS NULL AND s.expires_at > now()
          AND u.active AND un.active AND t.active
        UNION ALL
        SELECT s.tenant_id, s.subject_kind, s.subject_id, NULL, c.unit_id, un.path, c.scopes
        FROM sessions s
        JOIN api_clients c ON c.tenant_id = s.tenant_id AND c.id = s.subject_id
        JOIN tenants t ON t.id = s.tenant_id
        JOIN units un ON un.tenant_id = c.tenant_id AND un.id = c.unit_id
        WHERE s.id = p_session_id AND s.subject_kind = 'client' AND s.revoked_at IS NULL AND s.expires_at > now()
          AND c.active AND un.active AND t.active
      $$`);
    // Refresh-token rotation: the old token stops working the moment a new one is issued.
    await q.query(`
      CREATE FUNCTION auth_rotate_refresh(p_old_hash bytea, p_new_hash bytea, p_expires_at timestamptz)
      RETURNS TABLE (session_id uuid, tenant_id uuid, subject_kind text, subject_id uuid)
      ${definer} VOLATILE AS $$
        UPDATE sessions s SET refresh_hash = p_new_hash, expires_at = p_expires_at, refreshed_at = now()
        WHERE s.refresh_hash = p_old_hash AND s.revoked_at IS NULL AND s.expires_at > now()
        RETURNING s.id, s.tenant_id, s.subject_kind, s.subject_id
      $$`);
    await q.query(`
      CREATE FUNCTION auth_revoke_session(p_session_id uuid)
      RETURNS void ${definer} VOLATILE AS $$
        UPDATE sessions SET revoked_at = now() WHERE id = p_session_id AND revoked_at IS NULL
      $$`);
    // Only within the caller's own tenant scope: a deactivated user or client loses every session.
    await q.query(`
      CREATE FUNCTION auth_revoke_subject_sessions(p_kind text, p_subject_id uuid)
      RETURNS void ${definer} VOLATILE AS $$
        UPDATE sessions SET revoked_at = now()
        WHERE tenant_id = app_tenant_id() AND subject_kind = p_kind AND subject_id = p_subject_id AND revoked_at IS NULL
      $$`);

    const functions = [
      'auth_find_user(text, text)',
      'auth_find_operator(text)',
      'auth_find_client(text)',
      'auth_open_session(uuid, text, uuid, bytea, timestamptz)',
      'auth_session_context(uuid)',
      'auth_rotate_refresh(bytea, bytea, timestamptz)',
      'auth_revoke_session(uuid)',
      'auth_revoke_subject_sessions(text, uuid)',
    ];
    for (const fn of functions) {
      await q.query(`ALTER FUNCTION ${fn} OWNER TO govmatrix_auth`);
      await q.query(`REVOKE ALL ON FUNCTION ${fn} FROM PUBLIC`);
      await q.query(`GRANT EXECUTE ON FUNCTION ${fn} TO govmatrix_app`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of [
      'auth_revoke_subject_sessions(text, uuid)',
      'auth_revoke_session(uuid)',
      'auth_rotate_refresh(bytea, bytea, timestamptz)',
      'auth_session_context(uuid)',
      'auth_open_session(uuid, text, uuid, bytea, timestamptz)',
      'auth_find_client(text)',
      'auth_find_operator(text)',
      'auth_find_user(text, text)',
    ]) {
      await q.query(`DROP FUNCTION ${fn}`);
    }
    await q.query(`DROP TABLE sessions, operators, api_clients, users, units, tenants`);
    await q.query(`DROP SEQUENCE unit_label_seq`);
    await q.query(`DROP FUNCTION app_is_operator(), app_scope_path(), app_tenant_id()`);
  }
}
