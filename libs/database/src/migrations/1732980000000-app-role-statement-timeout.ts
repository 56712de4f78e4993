import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A runaway query is cancelled after 30 s on every connection of the app role, not only on those of
 * the app's own pool (which sets the same limit): a psql session, a script or another pool logging in
 * as govmatrix_app gets it too. Long jobs raise it for their transaction with SET LOCAL.
 * Roles are server-wide, so this applies to every database of the server. Where the migrating user
 * may not alter the role (a managed server whose administrator created it), it says so and goes on:
 * the pool's setting still holds.
 */
export class AppRoleStatementTimeout1732980000000 implements MigrationInterface {
  name = 'AppRoleStatementTimeout1732980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        ALTER ROLE govmatrix_app SET statement_timeout = '30s';
      EXCEPTION WHEN insufficient_privilege THEN
        RAISE WARNING 'cannot set statement_timeout on govmatrix_app: %', SQLERRM;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER ROLE govmatrix_app RESET statement_timeout`);
  }
}
