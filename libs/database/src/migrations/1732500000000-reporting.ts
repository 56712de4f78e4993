import { MigrationInterface, QueryRunner } from 'typeorm';

const METRIC_COLUMNS = `posts integer NOT NULL DEFAULT 0 CHECK (posts >= 0),
        originals integer NOT NULL DEFAULT 0 CHECK (originals >= 0),
        reposts integer NOT NULL DEFAULT 0 CHECK (reposts >= 0),
        comments integer NOT NULL DEFAULT 0 CHECK (comments >= 0),
        likes integer NOT NULL DEFAULT 0 CHECK (likes >= 0),
        reads bigint CHECK (reads >= 0),
        plays bigint CHECK (plays >= 0),
        followers bigint CHECK (followers >= 0),
        new_followers integer NOT NULL DEFAULT 0,
        messages_received integer NOT NULL DEFAULT 0 CHECK (messages_received >= 0),
        messages_answered integer NOT NULL DEFAULT 0 CHECK (messages_answered >= 0),
        median_answer_minutes numeric(10, 2) CHECK (median_answer_minutes >= 0),
        posts_government integer NOT NULL DEFAULT 0 CHECK (posts_government >= 0),
        posts_livelihood integer NOT NULL DEFAULT 0 CHECK (posts_livelihood >= 0),
        posts_b_class integer NOT NULL DEFAULT 0 CHECK (posts_b_class >= 0)`;

/** Row-level policy for rows owned by a unit (the account's). */
const unitScoped = (table: string): string => `
  CREATE POLICY ${table}_scope ON ${table}
  USING (tenant_id = app_tenant_id() AND unit_id = ANY (ARRAY(
    SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))
  WITH CHECK (tenant_id = app_tenant_id() AND unit_id = ANY (ARRAY(
    SELECT u.id FROM units u WHERE u.tenant_id = app_tenant_id() AND u.path <@ app_scope_path())))`;

/**
 * What subordinate portals report: daily metrics per account and day (late corrections keep the
 * replaced values), interactions between accounts, posts; and the idempotency keys of report batches.
 */
export class Reporting1732500000000 implements MigrationInterface {
  name = 'Reporting1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE daily_metrics (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        day date NOT NULL,
        unit_id uuid NOT NULL,
        ${METRIC_COLUMNS},
        reported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, account_id, day),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id),
        CHECK (originals <= posts),
        CHECK (messages_answered <= messages_received)
      )`);
    await q.query(`CREATE INDEX daily_metrics_unit_day ON daily_metrics (tenant_id, unit_id, day)`);

    // A late correction replaces the day's values; what it replaced is kept here.
    await q.query(`
      CREATE TABLE daily_metrics_history (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        day date NOT NULL,
        replaced_at timestamptz NOT NULL DEFAULT now(),
        unit_id uuid NOT NULL,
        ${METRIC_COLUMNS},
        reported_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, account_id, day, replaced_at)
      )`);

    await q.query(`
      CREATE TABLE interactions (
        tenant_id uuid NOT NULL,
        day date NOT NULL,
        source_account_id uuid NOT NULL,
        target_account_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('repost', 'comment')),
        unit_id uuid NOT NULL,
        target_post_id text CHECK (length(target_post_id) BETWEEN 1 AND 200),
        count integer NOT NULL CHECK (count > 0),
        reported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, day, source_account_id, target_account_id, kind),
        FOREIGN KEY (tenant_id, source_account_id) REFERENCES accounts (tenant_id, id),
        CHECK (source_account_id <> target_account_id)
      )`);
    await q.query(`CREATE INDEX interactions_target ON interactions (tenant_id, target_account_id, day)`);

    await q.query(`
      CREATE TABLE posts (
        tenant_id uuid NOT NULL,
        account_id uuid NOT NULL,
        post_id text NOT NULL CHECK (length(post_id) BETWEEN 1 AND 200),
        unit_id uuid NOT NULL,
        published_at timestamptz NOT NULL,
        title text CHECK (length(title) <= 500),
        body text CHECK (length(body) <= 20000),
        url text CHECK (length(url) <= 2000),
        content_class text CHECK (content_class IN ('government', 'livelihood', 'b_class', 'other')),
        reported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, account_id, post_id),
        FOREIGN KEY (tenant_id, account_id) REFERENCES accounts (tenant_id, id)
      )`);
    await q.query(`CREATE INDEX posts_published ON posts (tenant_id, account_id, published_at)`);

    // The key and its stored answer commit with the rows they stand for; kept 7 days.
    await q.query(`
      CREATE TABLE idempotency_keys (
        tenant_id uuid NOT NULL REFERENCES tenants(id),
        subject_id uuid NOT NULL,
        key text NOT NULL CHECK (length(key) BETWEEN 8 AND 200),
        request_hash bytea NOT NULL,
        response_status integer NOT NULL,
        response_body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (tenant_id, subject_id, key)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at)`);

    for (const table of ['daily_metrics', 'daily_metrics_history', 'interactions', 'posts']) {
      await q.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      await q.query(unitScoped(table));
    }
    await q.query(`ALTER TABLE idempotency_keys ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
    await q.query(`
      CREATE POLICY idempotency_keys_scope ON idempotency_keys
      USING (tenant_id = app_tenant_id()) WITH CHECK (tenant_id = app_tenant_id())`);

    // An interaction's target is usually a superior's account, outside the reporter's subtree: only
    // whether such ids exist in the caller's tenant is revealed.
    await q.query(`
      CREATE FUNCTION tenant_accounts_existing(p_ids uuid[]) RETURNS SETOF uuid
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        SELECT a.id FROM accounts a WHERE a.tenant_id = app_tenant_id() AND a.id = ANY (p_ids)
      $$`);
    await q.query(`GRANT SELECT ON accounts TO govmatrix_auth`);
    await q.query(`CREATE POLICY accounts_auth_lookup ON accounts TO govmatrix_auth USING (true)`);
    await q.query(`ALTER FUNCTION tenant_accounts_existing(uuid[]) OWNER TO govmatrix_auth`);
    await q.query(`REVOKE ALL ON FUNCTION tenant_accounts_existing(uuid[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION tenant_accounts_existing(uuid[]) TO govmatrix_app`);

    await q.query(`GRANT SELECT, INSERT, UPDATE ON daily_metrics, interactions, posts TO govmatrix_app`);
    await q.query(`GRANT SELECT, INSERT ON daily_metrics_history TO govmatrix_app`);
    await q.query(`GRANT SELECT, INSERT, DELETE ON idempotency_keys TO govmatrix_app`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION tenant_accounts_existing(uuid[])`);
    await q.query(`DROP POLICY accounts_auth_lookup ON accounts`);
    await q.query(`REVOKE SELECT ON accounts FROM govmatrix_auth`);
    await q.query(`DROP TABLE idempotency_keys, posts, interactions, daily_metrics_history, daily_metrics`);
  }
}
