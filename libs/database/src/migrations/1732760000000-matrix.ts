import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Upper interaction and lower linkage (集群指数) compare an interaction's target with the superiors of
 * the unit that acted: its ancestors in the tree and its sector parents (a county court's
 * intermediate and high courts). Those superiors usually sit above the caller's scope, where
 * row-level security hides them, so this definer function answers only that question: for units
 * the caller can see, the ids of their superiors' accounts, within the caller's tenant. And an
 * index for reading a subtree's interactions by acting unit.
 */
export class Matrix1732760000000 implements MigrationInterface {
  name = 'Matrix1732760000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION matrix_superior_accounts(p_unit_ids uuid[])
      RETURNS TABLE (unit_id uuid, account_id uuid)
      LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        WITH RECURSIVE src AS (
          SELECT u.id, u.path, u.sector_parent_id FROM units u
          WHERE u.tenant_id = app_tenant_id() AND u.id = ANY (p_unit_ids) AND u.path <@ app_scope_path()
        ),
        sector_chain AS (
          SELECT s.id AS unit_id, s.sector_parent_id AS superior_id, 1 AS depth FROM src s WHERE s.sector_parent_id IS NOT NULL
          UNION ALL
          SELECT c.unit_id, p.sector_parent_id, c.depth + 1
          FROM sector_chain c JOIN units p ON p.tenant_id = app_tenant_id() AND p.id = c.superior_id
          WHERE p.sector_parent_id IS NOT NULL AND c.depth < 16
        ),
        superiors AS (
          SELECT s.id AS unit_id, a.id AS superior_id
          FROM src s CROSS JOIN LATERAL generate_series(1, nlevel(s.path) - 1) AS k
          JOIN units a ON a.tenant_id = app_tenant_id() AND a.path = subpath(s.path, 0, k)
          UNION
          SELECT c.unit_id, c.superior_id FROM sector_chain c
        )
        SELECT sp.unit_id, acc.id FROM superiors sp
        JOIN accounts acc ON acc.tenant_id = app_tenant_id() AND acc.unit_id = sp.superior_id
      $$`);
    await q.query(`ALTER FUNCTION matrix_superior_accounts(uuid[]) OWNER TO govmatrix_auth`);
    await q.query(`REVOKE ALL ON FUNCTION matrix_superior_accounts(uuid[]) FROM PUBLIC`);
    await q.query(`GRANT EXECUTE ON FUNCTION matrix_superior_accounts(uuid[]) TO govmatrix_app`);

    // Upper interaction reads a subtree's interactions by acting unit (as row-level security filters them).
    await q.query(`CREATE INDEX interactions_unit_day ON interactions (tenant_id, unit_id, day)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX interactions_unit_day`);
    await q.query(`DROP FUNCTION matrix_superior_accounts(uuid[])`);
  }
}
