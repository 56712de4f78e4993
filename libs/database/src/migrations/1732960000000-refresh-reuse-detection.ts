import { MigrationInterface, QueryRunner } from 'typeorm';

const ROTATE = 'auth_rotate_refresh(p_old_hash bytea, p_new_hash bytea, p_expires_at timestamptz)';
const DEFINER = `SECURITY DEFINER SET search_path = pg_catalog, public`;

/**
 * Refresh-token reuse detection (RFC 9700 §4.14.2): a refresh token that was already rotated away
 * and is presented again means two parties hold the session, so the whole session is revoked.
 * Used token hashes are remembered per session and go with it.
 */
export class RefreshReuseDetection1732960000000 implements MigrationInterface {
  name = 'RefreshReuseDetection1732960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE used_refresh_tokens (
        refresh_hash bytea PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        used_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX used_refresh_tokens_session ON used_refresh_tokens (session_id)`);
    // Like sessions: not tenant data, never granted to the app role, reached through definer functions only.
    await q.query(`ALTER TABLE used_refresh_tokens ENABLE ROW LEVEL SECURITY`);
    await q.query(`CREATE POLICY used_refresh_tokens_auth ON used_refresh_tokens TO govmatrix_auth USING (true) WITH CHECK (true)`);
    await q.query(`GRANT SELECT, INSERT ON used_refresh_tokens TO govmatrix_auth`);
    await q.query(`
      CREATE OR REPLACE FUNCTION ${ROTATE}
      RETURNS TABLE (session_id uuid, tenant_id uuid, subject_kind text, subject_id uuid)
      LANGUAGE plpgsql ${DEFINER} VOLATILE AS $$
      #variable_conflict use_column
      BEGIN
        RETURN QUERY
          WITH rotated AS (
            UPDATE sessions s SET refresh_hash = p_new_hash, expires_at = p_expires_at, refreshed_at = now()
            WHERE s.refresh_hash = p_old_hash AND s.revoked_at IS NULL AND s.expires_at > now()
            RETURNING s.id, s.tenant_id, s.subject_kind, s.subject_id
          ), remembered AS (
            INSERT INTO used_refresh_tokens (refresh_hash, session_id) SELECT p_old_hash, r.id FROM rotated r
          )
          SELECT r.id, r.tenant_id, r.subject_kind, r.subject_id FROM rotated r;
        IF NOT FOUND THEN
          UPDATE sessions s SET revoked_at = now()
          FROM used_refresh_tokens u
          WHERE u.refresh_hash = p_old_hash AND s.id = u.session_id AND s.revoked_at IS NULL;
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION ${ROTATE}
      RETURNS TABLE (session_id uuid, tenant_id uuid, subject_kind text, subject_id uuid)
      LANGUAGE sql ${DEFINER} VOLATILE AS $$
        UPDATE sessions s SET refresh_hash = p_new_hash, expires_at = p_expires_at, refreshed_at = now()
        WHERE s.refresh_hash = p_old_hash AND s.revoked_at IS NULL AND s.expires_at > now()
        RETURNING s.id, s.tenant_id, s.subject_kind, s.subject_id
      $$`);
    await q.query(`DROP TABLE used_refresh_tokens`);
  }
}
