import { Client } from 'pg';
import { createClient, createTenant, createUser, importUnits, loginOperator, TenantFixture, TWO_CITY_TREE } from '../support/fixtures';
import { withClient } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

/** One tenant as the tests need it: ids by code (`root` for the province), ltree paths read as the owner. */
interface TenantRows {
  tenant: TenantFixture;
  adminUserId: string;
  units: Record<string, string>;
  paths: Record<string, string>;
  users: { tx: string; hd: string };
  clients: { tx: string; hd: string };
}

const sorted = (ids: string[]): string[] => [...ids].sort();
const ids = (rows: { id: string }[]): string[] => sorted(rows.map((r) => r.id));

/** The error a statement fails with, or a marker when it does not fail. */
async function failureOf(db: Client, sql: string, params: unknown[] = []): Promise<{ code?: string; message: string }> {
  await db.query('SAVEPOINT attempt');
  try {
    await db.query(sql, params);
  } catch (error) {
    await db.query('ROLLBACK TO SAVEPOINT attempt');
    return { code: (error as { code?: string }).code, message: (error as Error).message };
  }
  await db.query('RELEASE SAVEPOINT attempt');
  return { message: 'the statement succeeded' };
}

describe('row-level security on its own (raw SQL as the app role, no service scoping)', () => {
  let t: TestApp;
  let A: TenantRows;
  let B: TenantRows;
  /** Tables holding tenant data: every table with a tenant_id column the app role can read, and tenants. */
  let tenantTables: string[];

  const asApp = <T>(work: (db: Client) => Promise<T>): Promise<T> => withClient(t.db.appUrl, work);
  const asOwner = <T>(work: (db: Client) => Promise<T>): Promise<T> => withClient(t.db.ownerUrl, work);

  /** Runs work in a transaction scoped like TransactionHost does it, then rolls back. */
  async function scoped<T>(db: Client, tenantId: string, scopePath: string, work: () => Promise<T>): Promise<T> {
    await db.query('BEGIN');
    try {
      await db.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`, [tenantId, scopePath]);
      return await work();
    } finally {
      await db.query('ROLLBACK');
    }
  }

  async function visible(db: Client): Promise<Record<'tenants' | 'units' | 'users' | 'api_clients', string[]>> {
    return {
      tenants: ids((await db.query('SELECT * FROM tenants')).rows),
      units: ids((await db.query('SELECT * FROM units')).rows),
      users: ids((await db.query('SELECT * FROM users')).rows),
      api_clients: ids((await db.query('SELECT * FROM api_clients')).rows),
    };
  }

  async function counts(db: Client): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const table of tenantTables) result[table] = Number((await db.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    return result;
  }
  const zeroes = (): Record<string, number> => Object.fromEntries(tenantTables.map((table) => [table, 0]));

  async function setUpTenant(operatorToken: { token: string }, name: string): Promise<TenantRows> {
    const tenant = await createTenant(t, operatorToken, { name });
    const units: Record<string, string> = { ...(await importUnits(t, tenant, TWO_CITY_TREE)), root: tenant.rootUnitId };
    const user = (code: string) => createUser(t, tenant, { username: `operator-${code}`, role: 'unit_operator', unitId: units[code] });
    const client = (code: string) => createClient(t, tenant, { name: `portal ${code}`, unitId: units[code] });
    const [userTx, userHd, clientTx, clientHd] = [await user('tx'), await user('hd'), await client('tx'), await client('hd')];
    return asOwner(async (db) => {
      const paths: Record<string, string> = {};
      for (const [code, id] of Object.entries(units)) {
        paths[code] = (await db.query(`SELECT path::text AS path FROM units WHERE id = $1`, [id])).rows[0].path;
      }
      const admin = await db.query(`SELECT id FROM users WHERE tenant_id = $1 AND username = 'admin'`, [tenant.id]);
      return {
        tenant,
        adminUserId: admin.rows[0].id,
        units,
        paths,
        users: { tx: userTx.id, hd: userHd.id },
        clients: { tx: clientTx.id, hd: clientHd.id },
      };
    });
  }

  beforeAll(async () => {
    t = await startTestApp();
    const operator = await loginOperator(t);
    A = await setUpTenant(operator, '湖南省');
    B = await setUpTenant(operator, '湖南省（另一租户）');
    tenantTables = await asOwner(async (db) => {
      const { rows } = await db.query<{ table: string }>(
        `SELECT c.relname AS table FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
           AND has_table_privilege('govmatrix_app', c.oid, 'SELECT')
         ORDER BY 1`,
      );
      return rows.map((r) => r.table);
    });
  });
  afterAll(() => t.close());

  it('has data to hide: the owner sees both tenants in every core table', async () => {
    expect(tenantTables).toEqual(expect.arrayContaining(['api_clients', 'tenants', 'units', 'users']));
    expect(tenantTables).not.toContain('sessions');
    const owner = await asOwner(visible);
    expect(owner.tenants).toEqual(sorted([A.tenant.id, B.tenant.id]));
    expect(owner.units).toHaveLength(18);
    expect(owner.users).toHaveLength(6);
    expect(owner.api_clients).toHaveLength(4);
  });

  it("shows a city's scope exactly its subtree's rows, from raw unfiltered SELECTs", async () => {
    await asApp((db) =>
      scoped(db, A.tenant.id, A.paths.cs, async () => {
        expect(await visible(db)).toEqual({
          tenants: [A.tenant.id],
          units: sorted(['cs', 'cs-wxb', 'tx', 'tx-gaj'].map((c) => A.units[c])),
          users: [A.users.tx],
          api_clients: [A.clients.tx],
        });
      }),
    );
  });

  it("shows a tenant root's scope the whole tenant and nothing of the other", async () => {
    await asApp((db) =>
      scoped(db, B.tenant.id, B.paths.root, async () => {
        expect(await visible(db)).toEqual({
          tenants: [B.tenant.id],
          units: sorted([...new Set(Object.values(B.units))]),
          users: sorted([B.adminUserId, B.users.tx, B.users.hd]),
          api_clients: sorted([B.clients.tx, B.clients.hd]),
        });
      }),
    );
  });

  it('shows nothing when the tenant and the path do not belong together', async () => {
    await asApp(async (db) => {
      for (const [tenantId, path] of [
        [A.tenant.id, B.paths.root],
        [B.tenant.id, A.paths.cs],
      ]) {
        await scoped(db, tenantId, path, async () => {
          expect(await visible(db)).toEqual({ tenants: [tenantId], units: [], users: [], api_clients: [] });
        });
      }
    });
  });

  it('shows zero rows of every tenant table when no scope is set, or only half of it', async () => {
    await asApp(async (db) => {
      // Autocommit, and inside a transaction that never set a scope.
      expect(await counts(db)).toEqual(zeroes());
      await db.query('BEGIN');
      expect(await counts(db)).toEqual(zeroes());
      await db.query('ROLLBACK');
      // A tenant without a path sees no tenant rows below the tenants table; a path without a tenant sees nothing.
      await db.query('BEGIN');
      await db.query(`SELECT set_config('app.tenant_id', $1, true)`, [A.tenant.id]);
      expect(await visible(db)).toEqual({ tenants: [A.tenant.id], units: [], users: [], api_clients: [] });
      await db.query('ROLLBACK');
      await db.query('BEGIN');
      await db.query(`SELECT set_config('app.scope_path', $1, true)`, [A.paths.root]);
      expect(await counts(db)).toEqual(zeroes());
      await db.query('ROLLBACK');
    });
  });

  it("sees zero rows on the same connection once a scoped transaction has committed (the '' pitfall)", async () => {
    await asApp(async (db) => {
      await db.query('BEGIN');
      await db.query(`SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true)`, [A.tenant.id, A.paths.root]);
      expect((await visible(db)).units).toHaveLength(9);
      await db.query('COMMIT');
      // The precondition of the pitfall: the settings now read back as '' rather than NULL.
      const settings = await db.query(`SELECT current_setting('app.tenant_id', true) AS t, current_setting('app.scope_path', true) AS p`);
      expect(settings.rows).toEqual([{ t: '', p: '' }]);
      await db.query('BEGIN');
      expect(await counts(db)).toEqual(zeroes());
      await db.query('COMMIT');
      expect(await counts(db)).toEqual(zeroes());
    });
  });

  describe('WITH CHECK', () => {
    const insertUnit = `INSERT INTO units (tenant_id, parent_id, path, name, level, sector) VALUES ($1, $2, $3::ltree, 'new bureau', 'bureau', 'other')`;
    const insertUser = `INSERT INTO users (tenant_id, username, display_name, password_hash, role, unit_id)
      VALUES ($1, 'rls-intruder', 'x', 'not-a-hash', 'unit_operator', $2)`;
    const insertClient = `INSERT INTO api_clients (tenant_id, client_id, name, secret_hash, unit_id, scopes)
      VALUES ($1, 'gmc_rls_intruder', 'x', '\\x00', $2, '{read:own}')`;

    it('accepts rows inside the scope, the control for the refusals below', async () => {
      await asApp((db) =>
        scoped(db, A.tenant.id, A.paths.cs, async () => {
          expect(await failureOf(db, insertUnit, [A.tenant.id, A.units.tx, `${A.paths.tx}.new`])).toEqual({
            message: 'the statement succeeded',
          });
          expect(await failureOf(db, insertUser, [A.tenant.id, A.units.tx])).toEqual({ message: 'the statement succeeded' });
          expect(await failureOf(db, insertClient, [A.tenant.id, A.units.tx])).toEqual({ message: 'the statement succeeded' });
          const moved = await db.query(`UPDATE units SET name = name || '' WHERE id = $1`, [A.units['tx-gaj']]);
          expect(moved.rowCount).toBe(1);
        }),
      );
    });

    it.each([
      ['a unit of the other tenant', insertUnit, (): unknown[] => [B.tenant.id, B.units.tx, `${B.paths.tx}.new`]],
      ['a unit outside the subtree', insertUnit, (): unknown[] => [A.tenant.id, A.units.hd, `${A.paths.hd}.new`]],
      ['a user of the other tenant', insertUser, (): unknown[] => [B.tenant.id, B.units.tx]],
      ['a user on a unit outside the subtree', insertUser, (): unknown[] => [A.tenant.id, A.units.hd]],
      ['a client of the other tenant', insertClient, (): unknown[] => [B.tenant.id, B.units.tx]],
      ['a client on a unit outside the subtree', insertClient, (): unknown[] => [A.tenant.id, A.units.hd]],
    ])('refuses to INSERT %s', async (_what, sql, params) => {
      await asApp((db) =>
        scoped(db, A.tenant.id, A.paths.cs, async () => {
          const failure = await failureOf(db, sql, params());
          expect(failure.code).toBe('42501');
          expect(failure.message).toMatch(/violates row-level security policy/);
        }),
      );
    });

    it.each([
      [
        'move a unit out of the subtree',
        `UPDATE units SET path = $2::ltree WHERE id = $1`,
        (): unknown[] => [A.units['tx-gaj'], `${A.paths.hd}.moved`],
      ],
      [
        'hand a unit to the other tenant',
        `UPDATE units SET tenant_id = $2 WHERE id = $1`,
        (): unknown[] => [A.units['tx-gaj'], B.tenant.id],
      ],
      [
        'rebind a user to a unit outside the subtree',
        `UPDATE users SET unit_id = $2 WHERE id = $1`,
        (): unknown[] => [A.users.tx, A.units.hd],
      ],
      [
        'rebind a client to a unit outside the subtree',
        `UPDATE api_clients SET unit_id = $2 WHERE id = $1`,
        (): unknown[] => [A.clients.tx, A.units.hd],
      ],
      ['create another tenant', `INSERT INTO tenants (slug, name) VALUES ($1, $2)`, (): unknown[] => ['rls-intruder', 'x']],
      ['rename the tenant id', `UPDATE tenants SET id = $2 WHERE id = $1`, (): unknown[] => [A.tenant.id, B.tenant.id]],
    ])('refuses an UPDATE or INSERT that would %s', async (_what, sql, params) => {
      await asApp((db) =>
        scoped(db, A.tenant.id, A.paths.cs, async () => {
          const failure = await failureOf(db, sql, params());
          expect(failure.code).toBe('42501');
          expect(failure.message).toMatch(/violates row-level security policy/);
        }),
      );
    });

    it('lets an unfiltered UPDATE touch only the rows in scope', async () => {
      await asApp((db) =>
        scoped(db, A.tenant.id, A.paths.cs, async () => {
          expect((await db.query(`UPDATE units SET name = name || '!'`)).rowCount).toBe(4);
          expect((await db.query(`UPDATE users SET display_name = display_name || '!'`)).rowCount).toBe(1);
          expect((await db.query(`UPDATE units SET name = 'x' WHERE id = ANY($1::uuid[])`, [[A.units.hd, B.units.tx]])).rowCount).toBe(0);
        }),
      );
    });
  });

  describe('the app role', () => {
    it('cannot read sessions or operators, nor delete or truncate tenant data', async () => {
      await asApp(async (db) => {
        for (const sql of [
          'SELECT * FROM sessions',
          'SELECT * FROM operators',
          'UPDATE sessions SET revoked_at = now()',
          'DELETE FROM units',
          'DELETE FROM users',
          'TRUNCATE units CASCADE',
        ]) {
          await db.query('BEGIN');
          const failure = await failureOf(db, sql);
          await db.query('ROLLBACK');
          expect({ sql, ...failure }).toEqual({ sql, code: '42501', message: expect.stringMatching(/^permission denied for table/) });
        }
      });
    });

    it('is no superuser, cannot bypass RLS, owns nothing and cannot become the auth role', async () => {
      await asApp(async (db) => {
        const role = await db.query(
          `SELECT rolname, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user`,
        );
        expect(role.rows).toEqual([
          { rolname: 'govmatrix_app', rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false },
        ]);
        expect((await db.query(`SELECT tablename FROM pg_tables WHERE tableowner = current_user`)).rows).toEqual([]);
        expect(
          (await db.query(`SELECT relname FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)`)).rows,
        ).toEqual([]);
        expect(
          (await db.query(`SELECT proname FROM pg_proc WHERE proowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)`)).rows,
        ).toEqual([]);
        const membership = await db.query(`SELECT pg_has_role(current_user, 'govmatrix_auth', 'MEMBER') AS member`);
        expect(membership.rows).toEqual([{ member: false }]);
        await db.query('BEGIN');
        expect((await failureOf(db, 'SET LOCAL ROLE govmatrix_auth')).code).toBe('42501');
        await db.query('ROLLBACK');
      });
    });

    it('cancels its statements after 30 s on any connection, not only the pool’s (a role setting)', async () => {
      // A bare connection: nothing but the role's own setting applies here.
      await asApp(async (db) => {
        expect((await db.query('SHOW statement_timeout')).rows).toEqual([{ statement_timeout: '30s' }]);
      });
      await asOwner(async (db) => {
        const settings = await db.query(
          `SELECT s.setconfig FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole WHERE r.rolname = 'govmatrix_app' AND s.setdatabase = 0`,
        );
        expect(settings.rows).toEqual([{ setconfig: ['statement_timeout=30s'] }]);
      });
    });
  });

  describe('the catalog', () => {
    it('forces row-level security on every table with a tenant_id column, except sessions', async () => {
      const { rows } = await asOwner((db) =>
        db.query<{ table: string; rls: boolean; forced: boolean }>(
          `SELECT c.relname AS table, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
             AND (c.relname = 'tenants' OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
           ORDER BY 1`,
        ),
      );
      expect(rows.map((r) => r.table)).toEqual(expect.arrayContaining(['api_clients', 'sessions', 'tenants', 'units', 'users']));
      // sessions carries a tenant_id but is no tenant data the app reads: it is reached only through the
      // SECURITY DEFINER functions owned by govmatrix_auth. RLS is enabled without FORCE so that its owner
      // and the auth role's policy reach it; the app role holds no privilege on it at all (checked below).
      const [sessions] = rows.filter((r) => r.table === 'sessions');
      expect(sessions).toEqual({ table: 'sessions', rls: true, forced: false });
      const unforced = rows.filter((r) => r.table !== 'sessions' && !(r.rls && r.forced));
      expect(unforced).toEqual([]);

      const privileges = await asOwner((db) =>
        db.query(
          `SELECT p.privilege, has_table_privilege('govmatrix_app', 'sessions', p.privilege) AS granted
           FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(privilege)`,
        ),
      );
      expect(privileges.rows.filter((r) => r.granted)).toEqual([]);
    });

    it('keys every policy the app role is subject to on the tenant scope', async () => {
      const { rows } = await asOwner((db) =>
        db.query<{ table: string; policy: string; qual: string | null; check: string | null }>(
          `SELECT p.tablename AS table, p.policyname AS policy, p.qual, p.with_check AS check
           FROM pg_policies p
           WHERE p.schemaname = 'public' AND ('public' = ANY (p.roles) OR 'govmatrix_app' = ANY (p.roles))
             AND p.tablename IN (SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id')
           ORDER BY 1, 2`,
        ),
      );
      expect(rows.map((r) => r.table)).toEqual(expect.arrayContaining(['api_clients', 'units', 'users']));
      const unkeyed = rows.filter(
        (r) => !/app_tenant_id\(\)/.test(r.qual ?? '') || (r.check !== null && !/app_tenant_id\(\)/.test(r.check)),
      );
      expect(unkeyed).toEqual([]);
    });

    it('runs every SECURITY DEFINER function as govmatrix_auth with a pinned search_path, callable by the app role only', async () => {
      const { rows } = await asOwner((db) =>
        db.query<{ name: string; owner: string; config: string[] | null; public_can_run: boolean }>(
          `SELECT p.oid::regprocedure::text AS name, pg_get_userbyid(p.proowner) AS owner, p.proconfig AS config,
                  has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_run
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
           WHERE n.nspname = 'public' AND p.prosecdef ORDER BY 1`,
        ),
      );
      expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining(['auth_find_user(text,text)', 'auth_session_context(uuid)']));
      const misfits = rows.filter(
        (r) => r.owner !== 'govmatrix_auth' || !(r.config ?? []).some((c) => c.startsWith('search_path=')) || r.public_can_run,
      );
      expect(misfits).toEqual([]);
    });
  });
});
