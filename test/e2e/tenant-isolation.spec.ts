import { randomUUID } from 'node:crypto';
import {
  bearer,
  clientLogin,
  ClientFixture,
  createClient,
  createTenant,
  createUser,
  expectProblem,
  importUnits,
  loginOperator,
  markUnitNames,
  pointersOf,
  ProblemBody,
  Session,
  TenantFixture,
  TWO_CITY_TREE,
} from '../support/fixtures';
import { withClient } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

type Method = 'get' | 'patch' | 'post';
type Code = 'cs' | 'cs-wxb' | 'tx' | 'tx-gaj' | 'zz' | 'zz-wxb' | 'hd' | 'hd-gaj';

const CS: Code[] = ['cs', 'cs-wxb', 'tx', 'tx-gaj'];
const ZZ: Code[] = ['zz', 'zz-wxb', 'hd', 'hd-gaj'];
const TX: Code[] = ['tx', 'tx-gaj'];

interface UserFixture {
  id: string;
  username: string;
  session: Session;
}

type UserKey = 'cityAdminCs' | 'auditorCs' | 'auditorZz' | 'operatorTx' | 'operatorHd';

/** One tenant of the matrix: a province with the two-city tree, users across it and two machine clients. */
interface Side {
  label: string;
  mark: string;
  tenant: TenantFixture;
  tenantName: string;
  adminUserId: string;
  /** Unit ids by code, `root` for the province. */
  units: Record<Code | 'root', string>;
  unitNames: string[];
  users: Record<UserKey, UserFixture>;
  clients: Record<'tx' | 'hd', ClientFixture & { name: string; session: Session }>;
}

/** A route that acts on one row, by id. */
interface Route {
  name: string;
  method: Method;
  path: (id: string) => string;
  body?: object;
}

const unitReadRoutes: Route[] = [
  { name: 'GET /v1/units/:id', method: 'get', path: (id) => `/v1/units/${id}` },
  { name: 'GET /v1/units?under=:id', method: 'get', path: (id) => `/v1/units?under=${id}` },
];
/** Every write of the unit tree; `move` needs a parent the caller may use, so that only the target decides. */
const unitWriteRoutes = (ownParentId: string): Route[] => [
  { name: 'PATCH /v1/units/:id', method: 'patch', path: (id) => `/v1/units/${id}`, body: { name: '被改名的单位' } },
  { name: 'POST /v1/units/:id/move', method: 'post', path: (id) => `/v1/units/${id}/move`, body: { parentId: ownParentId } },
  { name: 'POST /v1/units/:id/deactivate', method: 'post', path: (id) => `/v1/units/${id}/deactivate`, body: { cascade: true } },
  { name: 'POST /v1/units/:id/activate', method: 'post', path: (id) => `/v1/units/${id}/activate`, body: {} },
];
const userReadRoutes: Route[] = [{ name: 'GET /v1/users/:id', method: 'get', path: (id) => `/v1/users/${id}` }];
const userWriteRoutes: Route[] = [
  { name: 'PATCH /v1/users/:id', method: 'patch', path: (id) => `/v1/users/${id}`, body: { displayName: '被改名的用户' } },
  { name: 'POST /v1/users/:id/deactivate', method: 'post', path: (id) => `/v1/users/${id}/deactivate`, body: {} },
];
const clientRoutes: Route[] = [
  { name: 'GET /v1/clients/:id', method: 'get', path: (id) => `/v1/clients/${id}` },
  { name: 'POST /v1/clients/:id/rotate-secret', method: 'post', path: (id) => `/v1/clients/${id}/rotate-secret`, body: {} },
  { name: 'POST /v1/clients/:id/deactivate', method: 'post', path: (id) => `/v1/clients/${id}/deactivate`, body: {} },
];

describe('tenant and subtree isolation', () => {
  let t: TestApp;
  let operator: Session;
  let A: Side;
  let B: Side;

  const send = (session: Session, method: Method, path: string, body?: object) => {
    const req = t.http[method](path).set(bearer(session.token));
    return body ? req.send(body) : req;
  };

  /** Every string that would betray the side's existence: ids, names, usernames, client ids, its mark. */
  const tracesOf = (side: Side): string[] => [
    side.mark,
    side.tenant.id,
    side.tenant.slug,
    side.tenantName,
    side.adminUserId,
    ...Object.values(side.units),
    ...side.unitNames,
    ...Object.values(side.users).flatMap((u) => [u.id, u.username]),
    ...Object.values(side.clients).flatMap((c) => [c.id, c.clientId, c.name]),
  ];
  const tracesIn = (body: unknown, strings: string[]): string[] => {
    const json = JSON.stringify(body);
    return strings.filter((s) => json.includes(s));
  };

  /** The problem without what differs between any two answers: the request id and the id the caller sent. */
  const normalized = (problem: ProblemBody, sentId: string): unknown =>
    JSON.parse(
      JSON.stringify({ ...problem, requestId: undefined })
        .split(sentId)
        .join(':id'),
    );

  /**
   * The route answers for a row outside the caller's scope exactly as for an id that exists nowhere:
   * the same status and problem, no hint that the row exists, no trace of who owns it.
   */
  async function expectIndistinguishable(session: Session, route: Route, id: string, status: number, hidden: string[]): Promise<void> {
    const unknownId = randomUUID();
    const answer = expectProblem(await send(session, route.method, route.path(id), route.body), status);
    const baseline = expectProblem(await send(session, route.method, route.path(unknownId), route.body), status);
    expect(normalized(answer, id)).toEqual(normalized(baseline, unknownId));
    expect(tracesIn(normalized(answer, id), hidden)).toEqual([]);
  }

  async function listIds(session: Session, path: string, query: Record<string, string> = {}): Promise<{ ids: string[]; body: unknown }> {
    const res = await send(session, 'get', path).query({ limit: 500, ...query });
    expect(res.status).toBe(200);
    const body = res.body as { items: { id: string }[]; nextCursor?: string };
    expect(body.nextCursor).toBeUndefined();
    return { ids: body.items.map((i) => i.id).sort(), body };
  }

  async function buildSide(label: string, mark: string): Promise<Side> {
    const tenantName = `湖南省${mark}`;
    const tenant = await createTenant(t, operator, { name: tenantName });
    const tree = markUnitNames(TWO_CITY_TREE, mark);
    const imported = await importUnits(t, tenant, tree);
    const units = { root: tenant.rootUnitId } as Record<Code | 'root', string>;
    for (const code of [...CS, ...ZZ]) units[code] = imported[code];
    const me = await send(tenant.admin, 'get', '/v1/auth/me');
    expect(me.status).toBe(200);

    const prefix = label.toLowerCase();
    const user = async (suffix: string, role: string, code: Code): Promise<UserFixture> => {
      const username = `${prefix}-${suffix}`;
      const created = await createUser(t, tenant, { username, role, unitId: units[code] });
      return { ...created, username };
    };
    const client = async (code: 'tx' | 'hd', name: string): Promise<Side['clients']['tx']> => {
      const created = await createClient(t, tenant, { name, unitId: units[code], scopes: ['read:own'] });
      return { ...created, name, session: await clientLogin(t, created) };
    };
    return {
      label,
      mark,
      tenant,
      tenantName,
      adminUserId: (me.body as { subjectId: string }).subjectId,
      units,
      unitNames: [tenantName, ...tree.map((row) => row.name)],
      users: {
        cityAdminCs: await user('city-admin-cs', 'tenant_admin', 'cs'),
        auditorCs: await user('auditor-cs', 'auditor', 'cs-wxb'),
        auditorZz: await user('auditor-zz', 'auditor', 'zz-wxb'),
        operatorTx: await user('operator-tx', 'unit_operator', 'tx'),
        operatorHd: await user('operator-hd', 'unit_operator', 'hd'),
      },
      clients: { tx: await client('tx', `天心区政务公开平台${mark}`), hd: await client('hd', `荷塘区政务公开平台${mark}`) },
    };
  }

  const unitIds = (side: Side, codes: (Code | 'root')[]): string[] => codes.map((c) => side.units[c]).sort();
  const userIds = (side: Side, keys: UserKey[], withAdmin = false): string[] =>
    [...keys.map((k) => side.users[k].id), ...(withAdmin ? [side.adminUserId] : [])].sort();
  const ALL_USERS: UserKey[] = ['cityAdminCs', 'auditorCs', 'auditorZz', 'operatorTx', 'operatorHd'];
  const CS_USERS: UserKey[] = ['cityAdminCs', 'auditorCs', 'operatorTx'];
  const ZZ_USERS: UserKey[] = ['auditorZz', 'operatorHd'];

  /** Everything a hidden route could have changed, read as the owner. */
  const snapshot = (): Promise<unknown> =>
    withClient(t.db.ownerUrl, async (db) => ({
      units: (await db.query(`SELECT id, parent_id, path::text, name, active, updated_at FROM units ORDER BY id`)).rows,
      users: (await db.query(`SELECT id, unit_id, display_name, role, password_hash, active, updated_at FROM users ORDER BY id`)).rows,
      clients: (await db.query(`SELECT id, secret_hash, active, updated_at FROM api_clients ORDER BY id`)).rows,
      revokedSessions: (await db.query(`SELECT id FROM sessions WHERE revoked_at IS NOT NULL ORDER BY id`)).rows,
    }));
  let before: unknown;

  beforeAll(async () => {
    t = await startTestApp();
    operator = await loginOperator(t);
    A = await buildSide('A', '（甲）');
    B = await buildSide('B', '（乙）');
    before = await snapshot();
  });
  afterAll(() => t.close());

  describe.each([
    ['A', 'B'],
    ['B', 'A'],
  ])("tenant %s's admin and tenant %s's rows", (callerLabel, otherLabel) => {
    const caller = (): Side => (callerLabel === 'A' ? A : B);
    const other = (): Side => (otherLabel === 'A' ? A : B);

    it("answers 404 on every unit route for each of the other tenant's units, as for an unknown id", async () => {
      const routes = [...unitReadRoutes, ...unitWriteRoutes(caller().units.cs)];
      for (const id of Object.values(other().units)) {
        for (const route of routes) await expectIndistinguishable(caller().tenant.admin, route, id, 404, tracesOf(other()));
      }
    });

    it("answers 404 on every user route for each of the other tenant's users, its admin included", async () => {
      const ids = [other().adminUserId, ...Object.values(other().users).map((u) => u.id)];
      for (const id of ids) {
        for (const route of [...userReadRoutes, ...userWriteRoutes]) {
          await expectIndistinguishable(caller().tenant.admin, route, id, 404, tracesOf(other()));
        }
      }
    });

    it("answers 404 on every client route for each of the other tenant's clients", async () => {
      for (const client of Object.values(other().clients)) {
        for (const route of clientRoutes) await expectIndistinguishable(caller().tenant.admin, route, client.id, 404, tracesOf(other()));
      }
    });

    it("refuses the other tenant's units and users referenced from a body like unknown ones", async () => {
      const me = caller();
      const foreignUnit = other().units.zz;
      // Each route gets the foreign id and, for the baseline, a random one in the same place.
      const cases: { name: string; method: Method; path: string; body: (ref: string) => object; pointer: string; status: number }[] = [
        {
          name: 'create a unit under it',
          method: 'post',
          path: '/v1/units',
          body: (ref) => ({ parentId: ref, name: '新单位', level: 'bureau' }),
          pointer: '/parentId',
          status: 422,
        },
        {
          name: 'move an own unit under it',
          method: 'post',
          path: `/v1/units/${me.units['tx-gaj']}/move`,
          body: (ref) => ({ parentId: ref }),
          pointer: '/parentId',
          status: 422,
        },
        {
          name: 'make it the sector parent of an own unit',
          method: 'patch',
          path: `/v1/units/${me.units['tx-gaj']}`,
          body: (ref) => ({ sectorParentId: ref }),
          pointer: '/sectorParentId',
          status: 422,
        },
        {
          name: 'import under it',
          method: 'post',
          path: '/v1/units/import',
          body: (ref) => ({ parentId: ref, units: [{ code: 'new-bureau', name: '新单位', level: 'bureau' }] }),
          pointer: '/parentId',
          status: 422,
        },
        {
          name: 'bind a new user to it',
          method: 'post',
          path: '/v1/users',
          body: (ref) => ({ username: 'intruder', displayName: 'x', password: 'intruder-password-1', role: 'unit_operator', unitId: ref }),
          pointer: '/unitId',
          status: 422,
        },
        {
          name: 'move an own user to it',
          method: 'patch',
          path: `/v1/users/${me.users.operatorTx.id}`,
          body: (ref) => ({ unitId: ref }),
          pointer: '/unitId',
          status: 422,
        },
        {
          name: 'bind a new client to it',
          method: 'post',
          path: '/v1/clients',
          body: (ref) => ({ name: 'intruder', unitId: ref, scopes: ['read:own'] }),
          pointer: '/unitId',
          status: 422,
        },
      ];
      for (const c of cases) {
        const unknownId = randomUUID();
        const answer = expectProblem(await send(me.tenant.admin, c.method, c.path, c.body(foreignUnit)), c.status);
        const baseline = expectProblem(await send(me.tenant.admin, c.method, c.path, c.body(unknownId)), c.status);
        expect(pointersOf(answer)).toEqual([c.pointer]);
        expect(normalized(answer, foreignUnit)).toEqual(normalized(baseline, unknownId));
        expect(tracesIn(normalized(answer, foreignUnit), tracesOf(other()))).toEqual([]);
      }
    });

    it('lists exactly its own units, users and clients, with no trace of the other tenant', async () => {
      const me = caller();
      const hidden = tracesOf(other());
      const units = await listIds(me.tenant.admin, '/v1/units');
      expect(units.ids).toEqual(unitIds(me, ['root', ...CS, ...ZZ]));
      expect(tracesIn(units.body, hidden)).toEqual([]);
      const users = await listIds(me.tenant.admin, '/v1/users');
      expect(users.ids).toEqual(userIds(me, ALL_USERS, true));
      expect(tracesIn(users.body, hidden)).toEqual([]);
      const clients = await listIds(me.tenant.admin, '/v1/clients');
      expect(clients.ids).toEqual([me.clients.tx.id, me.clients.hd.id].sort());
      expect(tracesIn(clients.body, hidden)).toEqual([]);
    });

    it('finds nothing of the other tenant through list filters', async () => {
      const me = caller();
      // The name search finds the caller's own marked units, never the other tenant's.
      expect((await listIds(me.tenant.admin, '/v1/units', { q: me.mark })).ids).toEqual(unitIds(me, ['root', ...CS, ...ZZ]));
      expect((await listIds(me.tenant.admin, '/v1/units', { q: other().mark })).ids).toEqual([]);
      expect((await listIds(me.tenant.admin, '/v1/users', { unitId: me.units.hd })).ids).toEqual(userIds(me, ['operatorHd']));
      expect((await listIds(me.tenant.admin, '/v1/users', { unitId: other().units.hd })).ids).toEqual([]);
    });

    it("gives the tenant's machine client its county only, and 404 for the other tenant's units", async () => {
      const me = caller();
      const client = me.clients.tx.session;
      expect((await listIds(client, '/v1/units')).ids).toEqual(unitIds(me, TX));
      for (const id of Object.values(other().units)) {
        await expectIndistinguishable(client, unitReadRoutes[0], id, 404, tracesOf(other()));
      }
    });
  });

  describe('two cities of one tenant', () => {
    it("gives a city's tenant admin 404 on every route for the other city's rows and the province above", async () => {
      const admin = A.users.cityAdminCs.session;
      const hidden = [...unitIds(A, ['root', ...ZZ]), ...A.unitNames.filter((n) => n.startsWith('株洲') || n === A.tenantName)];
      const unitRoutes = [...unitReadRoutes, ...unitWriteRoutes(A.units.tx)];
      for (const id of unitIds(A, ['root', ...ZZ])) {
        for (const route of unitRoutes) await expectIndistinguishable(admin, route, id, 404, hidden);
      }
      for (const id of userIds(A, ZZ_USERS, true)) {
        for (const route of [...userReadRoutes, ...userWriteRoutes]) await expectIndistinguishable(admin, route, id, 404, hidden);
      }
      for (const route of clientRoutes) await expectIndistinguishable(admin, route, A.clients.hd.id, 404, hidden);
    });

    it("lists only the city's subtree for its tenant admin", async () => {
      const admin = A.users.cityAdminCs.session;
      expect((await listIds(admin, '/v1/units')).ids).toEqual(unitIds(A, CS));
      expect((await listIds(admin, '/v1/users')).ids).toEqual(userIds(A, CS_USERS));
      expect((await listIds(admin, '/v1/clients')).ids).toEqual([A.clients.tx.id]);
      expect((await listIds(admin, '/v1/users', { unitId: A.units.hd })).ids).toEqual([]);
    });

    it("refuses a city admin's references to the other city from a body", async () => {
      const admin = A.users.cityAdminCs.session;
      const moved = await send(admin, 'post', `/v1/units/${A.units['tx-gaj']}/move`, { parentId: A.units.hd });
      expect(pointersOf(expectProblem(moved, 422))).toEqual(['/parentId']);
      const bound = await send(admin, 'post', '/v1/users', {
        username: 'a-intruder',
        displayName: 'x',
        password: 'intruder-password-1',
        role: 'unit_operator',
        unitId: A.units.hd,
      });
      expect(pointersOf(expectProblem(bound, 422))).toEqual(['/unitId']);
      // Rows referring to a code of the other city are refused like unknown codes.
      const imported = await send(admin, 'post', '/v1/units/import', {
        units: [{ code: 'a-new-bureau', parentCode: 'hd', name: '新单位', level: 'bureau' }],
      });
      expect(expectProblem(imported, 422).errors).toEqual([
        { pointer: '/units/0/parentCode', reason: 'no unit with code hd in this import or your scope' },
      ]);
    });

    it.each([
      ['cs', 'auditorCs', CS, ['root', ...ZZ], CS_USERS, ZZ_USERS],
      ['zz', 'auditorZz', ZZ, ['root', ...CS], ZZ_USERS, CS_USERS],
    ] as const)(
      "gives the %s supervising office's auditor its city's subtree and 404 for the rest",
      async (_city, key, own, foreign, ownUsers, foreignUsers) => {
        const auditor = A.users[key].session;
        const hidden = unitIds(A, [...foreign]);
        expect((await listIds(auditor, '/v1/units')).ids).toEqual(unitIds(A, [...own]));
        expect((await listIds(auditor, '/v1/users')).ids).toEqual(userIds(A, [...ownUsers]));
        for (const id of unitIds(A, [...foreign])) {
          for (const route of unitReadRoutes) await expectIndistinguishable(auditor, route, id, 404, hidden);
        }
        for (const id of userIds(A, [...foreignUsers], true)) {
          await expectIndistinguishable(auditor, userReadRoutes[0], id, 404, hidden);
        }
        // Reading is all an auditor does here: writes and clients are refused whatever the row.
        expect((await send(auditor, 'patch', `/v1/units/${A.units[own[0]]}`, { name: 'x' })).status).toBe(403);
        expect((await send(auditor, 'get', '/v1/clients')).status).toBe(403);
      },
    );

    it("gives a county's unit operator its county only: 404 for its parent, siblings and the other city", async () => {
      const unitOperator = A.users.operatorTx.session;
      expect((await listIds(unitOperator, '/v1/units')).ids).toEqual(unitIds(A, TX));
      const outside = unitIds(A, ['root', 'cs', 'cs-wxb', ...ZZ]);
      for (const id of outside) {
        for (const route of unitReadRoutes) await expectIndistinguishable(unitOperator, route, id, 404, outside);
      }
      expect((await send(unitOperator, 'get', `/v1/units/${A.units['tx-gaj']}`)).status).toBe(200);
      expect((await send(unitOperator, 'get', '/v1/users')).status).toBe(403);
    });

    it("gives a county's machine client its county only", async () => {
      const client = A.clients.hd.session;
      expect((await listIds(client, '/v1/units')).ids).toEqual(unitIds(A, ['hd', 'hd-gaj']));
      const outside = unitIds(A, ['root', 'zz', 'zz-wxb', ...CS]);
      for (const id of outside) await expectIndistinguishable(client, unitReadRoutes[0], id, 404, outside);
    });
  });

  describe('the SaaS operator', () => {
    it.each([
      ['get', '/v1/units'],
      ['get', '/v1/users'],
      ['get', '/v1/clients'],
    ] as const)('gets 403 on %s %s', async (method, path) => {
      expect(expectProblem(await send(operator, method, path), 403).detail).toMatch(/permission/);
    });

    it("gets 403 on a tenant's rows, the same as for an unknown id", async () => {
      for (const route of [...unitReadRoutes, ...userReadRoutes, clientRoutes[0]]) {
        await expectIndistinguishable(operator, route, A.units.cs, 403, tracesOf(A));
      }
    });

    it("sees tenants, not their data: a tenant's record carries no unit, user or client", async () => {
      const res = await send(operator, 'get', `/v1/tenants/${A.tenant.id}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body as object).sort()).toEqual(['active', 'createdAt', 'id', 'name', 'slug']);
    });
  });

  it('changed no row anywhere through all the refused calls above', async () => {
    expect(await snapshot()).toEqual(before);
  });

  describe("a scope's own root", () => {
    it('cannot be flagged a supervising office by a city admin to widen the scope to the province', async () => {
      const admin = A.users.cityAdminCs.session;
      const res = await send(admin, 'patch', `/v1/units/${A.units.cs}`, { supervisor: true });
      expect(expectProblem(res, 403).detail).toMatch(/scope/);
      expect((await listIds(admin, '/v1/units')).ids).toEqual(unitIds(A, CS));
      const stored = await withClient(t.db.ownerUrl, (db) => db.query(`SELECT supervisor FROM units WHERE id = $1`, [A.units.cs]));
      expect(stored.rows).toEqual([{ supervisor: false }]);
    });

    it('keeps its division code, which only the scope above can check', async () => {
      const admin = A.users.cityAdminCs.session;
      const res = await send(admin, 'patch', `/v1/units/${A.units.cs}`, { divisionCode: '440100' });
      expect(expectProblem(res, 403).detail).toMatch(/scope/);
    });

    it('can still be renamed by the admin of that scope', async () => {
      const admin = A.users.cityAdminCs.session;
      const res = await send(admin, 'patch', `/v1/units/${A.units.cs}`, { name: '长沙市（甲）新名', supervisor: false });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: A.units.cs, name: '长沙市（甲）新名', supervisor: false });
    });
  });
});
