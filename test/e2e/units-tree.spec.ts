import {
  bearer,
  createTenant,
  createUser,
  expectProblem,
  importUnits,
  listAllUnits,
  login,
  loginOperator,
  pointersOf,
  Session,
  TenantFixture,
  TWO_CITY_TREE,
  UnitItem,
  UnitRow,
} from '../support/fixtures';
import { withClient } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

const EN_HEADER = 'code,parent_code,name,short_name,level,division_code,sector,sector_parent_code,supervisor';
const ZH_HEADER = '编码,上级编码,名称,简称,层级,区划代码,行业,行业上级编码,网信办';

const codesOf = (units: UnitItem[]): string[] => units.map((u) => u.code ?? '').sort();

describe('the unit tree', () => {
  let t: TestApp;
  let operator: Session;
  let tenant: TenantFixture;
  let ids: Record<string, string>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    operator = await loginOperator(t);
    tenant = await createTenant(t, operator);
    ids = await importUnits(t, tenant, TWO_CITY_TREE);
    admin = bearer(tenant.admin.token);
  });
  afterAll(() => t.close());

  const countUnits = (tenantId: string): Promise<number> =>
    withClient(t.db.ownerUrl, async (c) => {
      const { rows } = await c.query<{ n: string }>('SELECT count(*)::text AS n FROM units WHERE tenant_id = $1', [tenantId]);
      return Number(rows[0].n);
    });
  const getUnit = async (id: string): Promise<UnitItem> => {
    const res = await t.http.get(`/v1/units/${id}`).set(admin);
    expect(res.status).toBe(200);
    return res.body as UnitItem;
  };
  const importJson = (units: object[], parentId?: string) =>
    t.http
      .post('/v1/units/import')
      .set(admin)
      .send({ units, ...(parentId ? { parentId } : {}) });
  const importCsv = (csv: string, parentId?: string) =>
    t.http
      .post('/v1/units/import')
      .query(parentId ? { parentId } : {})
      .set(admin)
      .set('content-type', 'text/csv; charset=utf-8')
      .send(csv);

  describe('name search', () => {
    it('finds units by a Chinese substring of the name', async () => {
      const names = async (query: Record<string, string>): Promise<string[]> =>
        (await listAllUnits(t, tenant.admin.token, query)).map((u) => u.name).sort();
      expect(await names({ q: '天心' })).toEqual(['长沙市公安局天心分局', '长沙市天心区'].sort());
      expect(await names({ q: '公安局' })).toEqual(['株洲市公安局荷塘分局', '长沙市公安局天心分局'].sort());
      expect(await names({ q: '天心', level: 'bureau' })).toEqual(['长沙市公安局天心分局']);
      expect(await names({ q: '株洲', under: ids['cs'] })).toEqual([]);
      expect(await names({ q: '网信办' })).toEqual(['株洲市委网信办', '长沙市委网信办'].sort());
      // LIKE wildcards are searched for literally.
      expect(await names({ q: '%' })).toEqual([]);
      expect(await names({ q: '_' })).toEqual([]);
    });
  });

  describe('creating units', () => {
    const create = (body: object) => t.http.post('/v1/units').set(admin).send(body);

    it('creates a unit under its parent at the next depth', async () => {
      const res = await create({
        parentId: ids['tx'],
        code: 'tx-jyj',
        name: '长沙市天心区教育局',
        shortName: '天心教育',
        level: 'bureau',
        sector: 'education',
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ parentId: ids['tx'], code: 'tx-jyj', level: 'bureau', depth: 4, sector: 'education', active: true });
      const county = await create({ parentId: tenant.rootUnitId, name: '湘潭市', level: 'city', divisionCode: '430300' });
      expect(county.status).toBe(201);
      expect(county.body).toMatchObject({ depth: 2, sector: 'government', divisionCode: '430300' });
      // A county directly under the province (省直管县) is allowed.
      const direct = await create({ parentId: tenant.rootUnitId, name: '某省直管县', level: 'county', divisionCode: '439001' });
      expect(direct.status).toBe(201);
      expect(direct.body.depth).toBe(2);
    });

    it('refuses a unit of a level that cannot sit under its parent, naming /level', async () => {
      const before = await countUnits(tenant.id);
      for (const body of [
        { parentId: ids['tx'], name: '某市', level: 'city', divisionCode: '430199' },
        { parentId: ids['cs'], name: '某省', level: 'province', divisionCode: '430000' },
        { parentId: ids['tx-gaj'], name: '某县', level: 'county', divisionCode: '430109' },
        { parentId: ids['cs'], name: '另一个市', level: 'city', divisionCode: '430101' },
      ]) {
        const problem = expectProblem(await create(body), 422);
        expect(pointersOf(problem)[0]).toBe('/level');
        expect(problem.errors![0].reason).toMatch(/cannot sit under/);
      }
      expect(await countUnits(tenant.id)).toBe(before);
    });

    it('applies the division code rules, naming /divisionCode', async () => {
      const cases: [object, RegExp][] = [
        [{ parentId: ids['cs'], name: '长沙市岳麓区', level: 'county' }, /needs its 6-digit division code/],
        [{ parentId: ids['tx'], name: '天心区文旅局', level: 'bureau', divisionCode: '430103' }, /only regions/],
        [{ parentId: ids['cs'], name: '长沙市某区', level: 'county', divisionCode: '430211' }, /does not lie within 430100/],
        [{ parentId: tenant.rootUnitId, name: '广州市', level: 'city', divisionCode: '440100' }, /does not lie within 430000/],
      ];
      for (const [body, reason] of cases) {
        const problem = expectProblem(await create(body), 422);
        expect(pointersOf(problem)).toEqual(['/divisionCode']);
        expect(problem.errors![0].reason).toMatch(reason);
      }
      // A division code already used in the tenant is a conflict.
      expect(expectProblem(await create({ parentId: ids['cs'], name: '重复', level: 'county', divisionCode: '430103' }), 409).code).toBe(
        'duplicate',
      );
    });

    it('applies the supervisor and sector-parent rules and refuses parents outside the tree', async () => {
      const nested = expectProblem(
        await create({ parentId: ids['tx-gaj'], name: '某网信办', level: 'bureau', sector: 'cyberspace', supervisor: true }),
        422,
      );
      expect(pointersOf(nested)).toEqual(['/supervisor']);
      const second = await create({ parentId: ids['cs'], name: '第二个网信办', level: 'bureau', sector: 'cyberspace', supervisor: true });
      expect(second.status).toBe(409);
      const sector = expectProblem(
        await create({ parentId: ids['tx'], name: '天心区法院', level: 'bureau', sector: 'court', sectorParentId: ids['tx-gaj'] }),
        422,
      );
      expect(pointersOf(sector)).toEqual(['/sectorParentId']);
      const orphan = expectProblem(await create({ parentId: '6f1c1d7e-0000-4000-8000-000000000000', name: '无', level: 'bureau' }), 422);
      expect(pointersOf(orphan)).toEqual(['/parentId']);
    });

    it('refuses a sector parent that would close a circle, and changes nothing', async () => {
      const link = await t.http.patch(`/v1/units/${ids['hd-gaj']}`).set(admin).send({ sectorParentId: ids['tx-gaj'] });
      expect(link.status).toBe(200);
      expect(link.body.sectorParentId).toBe(ids['tx-gaj']);
      for (const [unit, sectorParent] of [
        [ids['tx-gaj'], ids['hd-gaj']],
        [ids['tx-gaj'], ids['tx-gaj']],
      ]) {
        const circle = expectProblem(await t.http.patch(`/v1/units/${unit}`).set(admin).send({ sectorParentId: sectorParent }), 422);
        expect(pointersOf(circle)).toEqual(['/sectorParentId']);
        expect(circle.errors![0].reason).toMatch(/circular/);
      }
      expect((await getUnit(ids['tx-gaj'])).sectorParentId).toBeNull();
      const unlink = await t.http.patch(`/v1/units/${ids['hd-gaj']}`).set(admin).send({ sectorParentId: null });
      expect(unlink.status).toBe(200);
      expect(unlink.body.sectorParentId).toBeNull();
    });

    it('renames a unit with PATCH', async () => {
      const before = await getUnit(ids['hd-gaj']);
      const res = await t.http
        .patch(`/v1/units/${ids['hd-gaj']}`)
        .set(admin)
        .send({ name: '株洲市公安局荷塘分局（更名）', shortName: '荷塘公安局' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: ids['hd-gaj'],
        name: '株洲市公安局荷塘分局（更名）',
        shortName: '荷塘公安局',
        parentId: ids['hd'],
      });
      expect(Date.parse(res.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(before.updatedAt));
      expect((await getUnit(ids['hd-gaj'])).name).toBe('株洲市公安局荷塘分局（更名）');
      // A PATCH that breaks a rule changes nothing.
      const bad = expectProblem(
        await t.http.patch(`/v1/units/${ids['hd']}`).set(admin).send({ name: '改名', divisionCode: '430103' }),
        422,
      );
      expect(pointersOf(bad)).toEqual(['/divisionCode']);
      expect((await getUnit(ids['hd'])).name).toBe('株洲市荷塘区');
    });
  });

  describe('moving subtrees', () => {
    let m: Record<string, string>;
    beforeAll(async () => {
      // A county with bureaus and a nested police station, and a second city to move it to.
      const res = await importJson([
        { code: 'm-a', name: '衡阳市', level: 'city', divisionCode: '430400' },
        { code: 'm-b', name: '邵阳市', level: 'city', divisionCode: '430500' },
        { code: 'm-b-1', parentCode: 'm-b', name: '邵阳市大祥区', level: 'county', divisionCode: '430503' },
        { code: 'm-c', parentCode: 'm-a', name: '衡阳市珠晖区', level: 'county', divisionCode: '430405' },
        { code: 'm-c-ga', parentCode: 'm-c', name: '衡阳市公安局珠晖分局', level: 'bureau', sector: 'public_security' },
        { code: 'm-c-ga-1', parentCode: 'm-c-ga', name: '珠晖分局东风派出所', level: 'bureau', sector: 'public_security' },
        { code: 'm-c-jy', parentCode: 'm-c', name: '珠晖区教育局', level: 'bureau', sector: 'education' },
      ]);
      expect(res.status).toBe(201);
      m = Object.fromEntries((await listAllUnits(t, tenant.admin.token)).map((u) => [u.code, u.id]));
      expect(Object.keys(m)).toEqual(expect.arrayContaining(['m-a', 'm-b', 'm-b-1', 'm-c', 'm-c-ga', 'm-c-ga-1', 'm-c-jy']));
    });

    it('refuses a county whose division code does not fit the new city, moving nothing', async () => {
      const problem = expectProblem(await t.http.post(`/v1/units/${m['m-c']}/move`).set(admin).send({ parentId: m['m-b'] }), 422);
      expect(pointersOf(problem)).toEqual(['/divisionCode']);
      expect(codesOf(await listAllUnits(t, tenant.admin.token, { under: m['m-a'] }))).toEqual([
        'm-a',
        'm-c',
        'm-c-ga',
        'm-c-ga-1',
        'm-c-jy',
      ]);
    });

    it('moves a county with its bureaus under another city: the whole subtree follows', async () => {
      const before = await listAllUnits(t, tenant.admin.token, { under: m['m-c'] });
      const res = await t.http.post(`/v1/units/${m['m-c']}/move`).set(admin).send({ parentId: m['m-b'], divisionCode: '430522' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: m['m-c'], parentId: m['m-b'], depth: 3, divisionCode: '430522' });

      expect(codesOf(await listAllUnits(t, tenant.admin.token, { under: m['m-a'] }))).toEqual(['m-a']);
      const underB = await listAllUnits(t, tenant.admin.token, { under: m['m-b'] });
      expect(codesOf(underB)).toEqual(['m-b', 'm-b-1', 'm-c', 'm-c-ga', 'm-c-ga-1', 'm-c-jy']);
      // Depths and parent links inside the subtree are unchanged; the tree order puts the subtree under its new city.
      const after = await listAllUnits(t, tenant.admin.token, { under: m['m-c'] });
      expect(after.map((u) => [u.code, u.depth, u.parentId])).toEqual(
        before.map((u) => [u.code, u.depth, u.parentId]).map(([c, d, p]) => [c, d, c === 'm-c' ? m['m-b'] : p]),
      );
      expect(after.find((u) => u.code === 'm-c-ga-1')).toMatchObject({ depth: 5, parentId: m['m-c-ga'] });

      // Every path in the database lies under the new city's path.
      const paths = await withClient(t.db.ownerUrl, async (c) => {
        const { rows } = await c.query<{ code: string; ok: boolean }>(
          `SELECT u.code, u.path <@ (SELECT path FROM units WHERE tenant_id = $1 AND id = $2) AS ok
           FROM units u WHERE u.tenant_id = $1 AND u.code LIKE 'm-c%'`,
          [tenant.id, m['m-b']],
        );
        return rows;
      });
      expect(paths).toHaveLength(4);
      expect(paths.every((r) => r.ok)).toBe(true);
    });

    it('a bureau moved up a level changes depth with its descendants', async () => {
      const res = await t.http.post(`/v1/units/${m['m-c-ga']}/move`).set(admin).send({ parentId: m['m-b'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ parentId: m['m-b'], depth: 3 });
      expect(await getUnit(m['m-c-ga-1'])).toMatchObject({ depth: 4, parentId: m['m-c-ga'] });
      expect(codesOf(await listAllUnits(t, tenant.admin.token, { under: m['m-c'] }))).toEqual(['m-c', 'm-c-jy']);
      // And back down.
      const back = await t.http.post(`/v1/units/${m['m-c-ga']}/move`).set(admin).send({ parentId: m['m-c'] });
      expect(back.status).toBe(200);
      expect(await getUnit(m['m-c-ga-1'])).toMatchObject({ depth: 5 });
    });

    it('refuses a move under the unit itself or its own descendants with 409', async () => {
      for (const [unit, parent] of [
        ['m-c', 'm-c-ga-1'],
        ['m-c-ga', 'm-c-ga-1'],
        ['m-c-ga', 'm-c-ga'],
        ['m-b', 'm-c'],
      ]) {
        const problem = expectProblem(await t.http.post(`/v1/units/${m[unit]}/move`).set(admin).send({ parentId: m[parent] }), 409);
        expect(problem.code).toBe('move_into_own_subtree');
        expect(pointersOf(problem)).toEqual(['/parentId']);
      }
      expect((await getUnit(m['m-c'])).parentId).toBe(m['m-b']);
      expect(
        expectProblem(await t.http.post(`/v1/units/${tenant.rootUnitId}/move`).set(admin).send({ parentId: m['m-b'] }), 403).code,
      ).toBe('forbidden');
    });
  });

  describe('deactivation', () => {
    let d: Record<string, string>;
    beforeAll(async () => {
      const res = await importJson(
        [
          { code: 'd-x', name: '长沙市开福区', level: 'county', divisionCode: '430105' },
          { code: 'd-x-a', parentCode: 'd-x', name: '开福区公安分局', level: 'bureau', sector: 'public_security' },
          { code: 'd-x-a-1', parentCode: 'd-x-a', name: '开福区某派出所', level: 'bureau', sector: 'public_security' },
          { code: 'd-x-b', parentCode: 'd-x', name: '开福区教育局', level: 'bureau', sector: 'education' },
        ],
        ids['cs'],
      );
      expect(res.body).toEqual({ created: 4 });
      d = Object.fromEntries((await listAllUnits(t, tenant.admin.token, { under: ids['cs'], q: '开福' })).map((u) => [u.code, u.id]));
      expect((await getUnit(d['d-x'])).parentId).toBe(ids['cs']);
    });

    it('refuses to deactivate a unit with active descendants unless cascade, then deactivates the whole subtree', async () => {
      const station = await createUser(t, tenant, { username: 'kf-station', role: 'unit_operator', unitId: d['d-x-a-1'] });
      const county = await createUser(t, tenant, { username: 'kf-county', role: 'matrix_lead', unitId: d['d-x'] });

      const refused = expectProblem(await t.http.post(`/v1/units/${d['d-x']}/deactivate`).set(admin).send({}), 409);
      expect(refused.code).toBe('active_descendants');
      expect(refused.detail).toContain('3 active units');
      expect((await getUnit(d['d-x'])).active).toBe(true);

      const res = await t.http.post(`/v1/units/${d['d-x']}/deactivate`).set(admin).send({ cascade: true });
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
      const subtree = await listAllUnits(t, tenant.admin.token, { under: d['d-x'] });
      expect(subtree).toHaveLength(4);
      expect(subtree.every((u) => !u.active)).toBe(true);
      expect(await listAllUnits(t, tenant.admin.token, { under: d['d-x'], active: true })).toEqual([]);
      // The rest of the city is untouched.
      expect((await getUnit(ids['tx'])).active).toBe(true);

      // Users bound there can no longer log in, and their sessions end at once.
      for (const [username, session] of [
        ['kf-station', station.session],
        ['kf-county', county.session],
      ] as const) {
        const problem = expectProblem(
          await t.http.post('/v1/auth/login').send({ tenant: tenant.slug, username, password: 'user-password-123' }),
          401,
        );
        expect(problem.detail).toBe('Invalid tenant, username or password');
        expectProblem(await t.http.get('/v1/auth/me').set(bearer(session.token)), 401);
      }
      // Nobody new is bound to a deactivated unit.
      const bind = await t.http
        .post('/v1/users')
        .set(admin)
        .send({ username: 'kf-new', displayName: 'x', password: 'user-password-123', role: 'unit_operator', unitId: d['d-x-b'] });
      expect(pointersOf(expectProblem(bind, 422))).toEqual(['/unitId']);
    });

    it('reactivates top-down only', async () => {
      const child = expectProblem(await t.http.post(`/v1/units/${d['d-x-a']}/activate`).set(admin), 409);
      expect(child.code).toBe('inactive_parent');
      expect((await t.http.post(`/v1/units/${d['d-x']}/activate`).set(admin)).body.active).toBe(true);
      expect((await getUnit(d['d-x-a'])).active).toBe(false);
      expect((await t.http.post(`/v1/units/${d['d-x-a']}/activate`).set(admin)).body.active).toBe(true);
      expect((await t.http.post(`/v1/units/${d['d-x-a-1']}/activate`).set(admin)).status).toBe(200);
      const back = await login(t, tenant.slug, 'kf-station', 'user-password-123');
      expect((await t.http.get('/v1/auth/me').set(bearer(back.token))).status).toBe(200);
    });

    it('a leaf deactivates without cascade', async () => {
      const res = await t.http.post(`/v1/units/${d['d-x-b']}/deactivate`).set(admin).send({});
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(false);
    });
  });

  describe('imports', () => {
    it('imports a JSON tree under a given parent, parents after children in the batch', async () => {
      const res = await importJson(
        [
          { code: 'j-gaj-1', parentCode: 'j-gaj', name: '雨花分局某派出所', level: 'bureau', sector: 'public_security' },
          { code: 'j-gaj', parentCode: 'j-yh', name: '长沙市公安局雨花分局', level: 'bureau', sector: 'public_security' },
          { code: 'j-yh', name: '长沙市雨花区', shortName: '雨花', level: 'county', divisionCode: '430111' },
          { code: 'j-wxb', parentCode: 'j-yh', name: '雨花区委网信办', level: 'bureau', sector: 'cyberspace', supervisor: true },
        ],
        ids['cs'],
      );
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ created: 4 });
      const yh = (await listAllUnits(t, tenant.admin.token, { q: '长沙市雨花区' }))[0];
      expect(yh).toMatchObject({ code: 'j-yh', parentId: ids['cs'], depth: 3, shortName: '雨花', sector: 'government' } as object);
      const subtree = await listAllUnits(t, tenant.admin.token, { under: yh.id });
      expect(subtree.map((u) => [u.code, u.depth])).toEqual([
        ['j-yh', 3],
        ['j-gaj', 4],
        ['j-gaj-1', 5],
        ['j-wxb', 4],
      ]);
      expect(subtree.find((u) => u.code === 'j-wxb')!.supervisor).toBe(true);
    });

    it('imports CSV with English headers, referring to existing parents by code', async () => {
      const csv = [
        EN_HEADER,
        'c-wl,cs,长沙市文化旅游广电局,长沙文旅,bureau,,tourism,,false',
        'c-wl-1,c-wl,长沙市博物馆,,bureau,,tourism,,0',
        'c-ws,tx,天心区卫生健康局,天心卫健,bureau,,health,,',
      ].join('\n');
      const res = await importCsv(csv);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ created: 3 });
      const found = await listAllUnits(t, tenant.admin.token, { q: '博物馆' });
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ code: 'c-wl-1', depth: 4, sector: 'tourism', supervisor: false });
      expect(codesOf(await listAllUnits(t, tenant.admin.token, { under: ids['tx'], level: 'bureau' }))).toEqual([
        'c-ws',
        'tx-gaj',
        'tx-jyj',
      ]);
    });

    it('imports CSV with Chinese headers and a BOM: a court system with its sector-parent chain', async () => {
      const csv =
        '\uFEFF' +
        [
          ZH_HEADER,
          'hn-gy,,湖南省高级人民法院,湖南高院,bureau,,court,,否',
          'cs-zy,cs,长沙市中级人民法院,长沙中院,bureau,,court,hn-gy,否',
          'tx-fy,tx,长沙市天心区人民法院,天心法院,bureau,,court,cs-zy,',
          'zz-zy,zz,株洲市中级人民法院,株洲中院,bureau,,court,hn-gy,否',
          'hd-fy,hd,株洲市荷塘区人民法院,荷塘法院,bureau,,court,zz-zy,否',
          'zz-xq,zz,株洲市某新区,,county,430271,,,',
          'zz-xq-wxb,zz-xq,株洲市某新区网信办,,bureau,,cyberspace,,是',
        ].join('\r\n');
      const res = await importCsv(csv);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ created: 7 });
      const courts = await listAllUnits(t, tenant.admin.token, { sector: 'court' });
      const byCode = Object.fromEntries(courts.map((c) => [c.code, c]));
      expect(Object.keys(byCode).sort()).toEqual(['cs-zy', 'hd-fy', 'hn-gy', 'tx-fy', 'zz-zy']);
      expect(byCode['hn-gy']).toMatchObject({ parentId: tenant.rootUnitId, sectorParentId: null, depth: 2 });
      expect(byCode['cs-zy']).toMatchObject({ parentId: ids['cs'], sectorParentId: byCode['hn-gy'].id, depth: 3 });
      expect(byCode['tx-fy']).toMatchObject({ parentId: ids['tx'], sectorParentId: byCode['cs-zy'].id, depth: 4 });
      expect(byCode['hd-fy']).toMatchObject({ parentId: ids['hd'], sectorParentId: byCode['zz-zy'].id });
      const xq = (await listAllUnits(t, tenant.admin.token, { q: '某新区' })).map((u) => [u.code, u.sector, u.supervisor, u.divisionCode]);
      expect(xq).toEqual([
        ['zz-xq', 'government', false, '430271'],
        ['zz-xq-wxb', 'cyberspace', true, null],
      ]);
    });

    it('reports every bad JSON row with its pointer and writes nothing', async () => {
      const before = await countUnits(tenant.id);
      const rows: UnitRow[] = [
        { code: 'e-ok', parentCode: 'cs', name: '长沙市望城区', level: 'county', divisionCode: '430112' },
        { code: 'e-ok', parentCode: 'cs', name: '重复编码', level: 'bureau' },
        { code: 'tx', parentCode: 'cs', name: '已存在的编码', level: 'bureau' },
        { code: 'e-orphan', parentCode: 'nowhere', name: '无上级', level: 'bureau' },
        { code: 'e-c1', parentCode: 'e-c2', name: '循环一', level: 'bureau' },
        { code: 'e-c2', parentCode: 'e-c1', name: '循环二', level: 'bureau' },
        { code: 'e-city', parentCode: 'tx', name: '县下之市', level: 'city', divisionCode: '430199' },
        { code: 'e-bureau-dc', parentCode: 'tx', name: '带区划的局', level: 'bureau', divisionCode: '430188' },
        { code: 'e-county-nodc', parentCode: 'cs', name: '无区划的县', level: 'county' },
        { code: 'e-county-out', parentCode: 'cs', name: '区划不在市内', level: 'county', divisionCode: '430211' },
        { code: 'e-county-taken', parentCode: 'cs', name: '区划已用', level: 'county', divisionCode: '430103' },
        { code: 'e-court', parentCode: 'tx', name: '错行业上级', level: 'bureau', sector: 'court', sectorParentCode: 'tx-gaj' },
        { code: 'e-court-2', parentCode: 'tx', name: '未知行业上级', level: 'bureau', sector: 'court', sectorParentCode: 'no-court' },
        { code: 'e-self', parentCode: 'e-self', name: '自己的上级', level: 'bureau' },
      ];
      const problem = expectProblem(await importJson(rows), 422);
      expect(problem.code).toBe('validation_failed');
      expect(problem.detail).toMatch(/nothing was imported/);
      expect(pointersOf(problem)).toEqual([
        '/units/1/code',
        '/units/2/code',
        '/units/3/parentCode',
        '/units/4/parentCode',
        '/units/5/parentCode',
        '/units/6/level',
        '/units/7/divisionCode',
        '/units/8/divisionCode',
        '/units/9/divisionCode',
        '/units/10/divisionCode',
        '/units/11/sectorParentCode',
        '/units/12/sectorParentCode',
        '/units/13/parentCode',
      ]);
      const reasons = Object.fromEntries(problem.errors!.map((e) => [e.pointer, e.reason]));
      expect(reasons['/units/1/code']).toMatch(/duplicate code e-ok/);
      expect(reasons['/units/2/code']).toMatch(/already exists/);
      expect(reasons['/units/3/parentCode']).toMatch(/no unit with code nowhere/);
      expect(reasons['/units/4/parentCode']).toMatch(/circular/);
      expect(reasons['/units/13/parentCode']).toMatch(/circular/);
      expect(reasons['/units/11/sectorParentCode']).toMatch(/sector public_security, not court/);
      expect(await countUnits(tenant.id)).toBe(before);
      expect(await listAllUnits(t, tenant.admin.token, { q: '望城' })).toEqual([]);
    });

    it('reports bad CSV rows as /rows/<i>/<field> with their line, and writes nothing', async () => {
      const before = await countUnits(tenant.id);
      const shape = expectProblem(
        await importCsv([ZH_HEADER, 'v-1,cs,好的局,,bureau,,,,', 'v-2,cs,坏层级,,town,,,,', 'v-3,cs,坏网信办,,bureau,,,,也许'].join('\n')),
        422,
      );
      expect([...new Set(pointersOf(shape))]).toEqual(['/rows/1/level', '/rows/2/supervisor']);
      expect(shape.errors![0].reason).toMatch(/line 3/);

      const rules = expectProblem(
        await importCsv(
          [
            EN_HEADER,
            'v-1,cs,好的局,,bureau,,,,',
            'v-2,ghost,无上级,,bureau,,,,',
            'v-1,cs,重复,,bureau,,,,',
            'v-4,v-5,循环,,bureau,,,,',
            'v-5,v-4,循环,,bureau,,,,',
          ].join('\n'),
        ),
        422,
      );
      expect(pointersOf(rules)).toEqual(['/rows/1/parentCode', '/rows/2/code', '/rows/3/parentCode', '/rows/4/parentCode']);

      const columns = expectProblem(await importCsv('编码,名称,颜色\nv-9,某局,红'), 422);
      expect(pointersOf(columns)).toEqual(['/rows']);
      expect(columns.errors![0].reason).toContain('颜色');
      const ragged = expectProblem(await importCsv(`${EN_HEADER}\nv-9,cs,某局`), 422);
      expect(pointersOf(ragged)).toEqual(['/rows']);
      expect(await countUnits(tenant.id)).toBe(before);
    });
  });

  describe('limits of the tree', () => {
    it('refuses sector-parent cycles in an import', async () => {
      const before = await countUnits(tenant.id);
      const problem = expectProblem(
        await importJson([
          { code: 's-1', parentCode: 'cs', name: '甲法院', level: 'bureau', sector: 'court', sectorParentCode: 's-2' },
          { code: 's-2', parentCode: 'cs', name: '乙法院', level: 'bureau', sector: 'court', sectorParentCode: 's-3' },
          { code: 's-3', parentCode: 'cs', name: '丙法院', level: 'bureau', sector: 'court', sectorParentCode: 's-1' },
          { code: 's-4', parentCode: 'cs', name: '丁法院', level: 'bureau', sector: 'court', sectorParentCode: 's-1' },
          { code: 's-5', parentCode: 'cs', name: '戊法院', level: 'bureau', sector: 'court', sectorParentCode: 's-5' },
        ]),
        422,
      );
      expect(pointersOf(problem)).toEqual([
        '/units/0/sectorParentCode',
        '/units/1/sectorParentCode',
        '/units/2/sectorParentCode',
        '/units/4/sectorParentCode',
      ]);
      expect(problem.errors![0].reason).toMatch(/circular/);
      expect(await countUnits(tenant.id)).toBe(before);
    });

    it('bounds the depth at 32 levels in imports, creation and moves, quickly and without a 500', async () => {
      const chain = (prefix: string, length: number, under: string) =>
        Array.from({ length }, (_, i) => ({
          code: `${prefix}-${i}`,
          parentCode: i === 0 ? under : `${prefix}-${i - 1}`,
          name: `第${i + 1}层`,
          level: 'bureau',
        }));
      const before = await countUnits(tenant.id);
      // Under tx (depth 3), row i sits at depth i + 4: rows 29 and beyond are too deep, in either order.
      for (const rows of [chain('deep', 40, 'tx'), chain('deep', 40, 'tx').reverse()]) {
        const problem = expectProblem(await importJson(rows), 422);
        const flagged = problem.errors!.map((e) => rows[Number(e.pointer.split('/')[2])].code).sort();
        expect(flagged).toEqual(Array.from({ length: 11 }, (_, i) => `deep-${i + 29}`).sort());
        expect(problem.errors!.every((e) => e.pointer.endsWith('/parentCode') && /at most 32 levels/.test(e.reason))).toBe(true);
      }
      const started = Date.now();
      const long = expectProblem(await importJson(chain('long', 5000, 'tx')), 422);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(long.errors).toHaveLength(5000 - 29);
      expect(await countUnits(tenant.id)).toBe(before);

      // Exactly 32 levels is fine.
      expect((await importJson(chain('edge', 29, 'tx'))).body).toEqual({ created: 29 });
      const deepest = (await listAllUnits(t, tenant.admin.token, { q: '第29层' })).find((u) => u.code === 'edge-28')!;
      expect(deepest.depth).toBe(32);
      const create = await t.http.post('/v1/units').set(admin).send({ parentId: deepest.id, name: '第33层', level: 'bureau' });
      expect(pointersOf(expectProblem(create, 422))).toEqual(['/parentId']);
      // edge-27 (depth 31) cannot take a two-level subtree; a single unit fits.
      const edge27 = deepest.parentId!;
      expect(
        (
          await importJson([
            { code: 'pair', parentCode: 'tx', name: '两层', level: 'bureau' },
            { code: 'pair-1', parentCode: 'pair', name: '两层之下', level: 'bureau' },
          ])
        ).status,
      ).toBe(201);
      const pair = (await listAllUnits(t, tenant.admin.token, { q: '两层' })).find((u) => u.code === 'pair')!;
      const move = await t.http.post(`/v1/units/${pair.id}/move`).set(admin).send({ parentId: edge27 });
      expect(pointersOf(expectProblem(move, 422))).toEqual(['/parentId']);
      const pairChild = (await listAllUnits(t, tenant.admin.token, { q: '两层之下' }))[0];
      const single = await t.http.post(`/v1/units/${pairChild.id}/move`).set(admin).send({ parentId: edge27 });
      expect(single.status).toBe(200);
      expect(single.body.depth).toBe(32);
    });
  });

  describe('a 20,000-unit tree', () => {
    it('imports in one request and lists by subtree', async () => {
      const big = await createTenant(t, operator, { name: '广东省', divisionCode: '440000' });
      const rows: UnitRow[] = [{ code: 'gz', name: '广州市', level: 'city', divisionCode: '440100' }];
      const sectors = ['public_security', 'education', 'health', 'transport', 'tourism'];
      for (let c = 1; c <= 20; c++) {
        const county = `gz-${c}`;
        rows.push({
          code: county,
          parentCode: 'gz',
          name: `广州市第${c}区`,
          level: 'county',
          divisionCode: `4401${String(c).padStart(2, '0')}`,
        });
        const bureaus = c === 20 ? 979 : 1000;
        for (let b = 1; b <= bureaus; b++) {
          rows.push({
            code: `${county}-${b}`,
            parentCode: county,
            name: `第${c}区第${b}局`,
            level: 'bureau',
            sector: sectors[b % sectors.length],
          });
        }
      }
      expect(rows).toHaveLength(20_000);

      const started = Date.now();
      const res = await t.http.post('/v1/units/import').set(bearer(big.admin.token)).send({ units: rows });
      const took = Date.now() - started;
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ created: 20_000 });
      expect(took).toBeLessThan(30_000);
      expect(await countUnits(big.id)).toBe(20_001);

      const counties = await listAllUnits(t, big.admin.token, { level: 'county' });
      expect(counties).toHaveLength(20);
      const seventh = counties.find((u) => u.code === 'gz-7')!;
      const subtree = await listAllUnits(t, big.admin.token, { under: seventh.id });
      expect(subtree).toHaveLength(1001);
      expect(subtree[0].code).toBe('gz-7');
      expect(subtree.slice(1).every((u) => u.parentId === seventh.id && u.depth === 4)).toBe(true);
      expect(new Set(subtree.map((u) => u.id)).size).toBe(1001);
      const police = await listAllUnits(t, big.admin.token, {
        under: counties.find((u) => u.code === 'gz-20')!.id,
        sector: 'public_security',
      });
      expect(police).toHaveLength(195);
      const search = await listAllUnits(t, big.admin.token, { q: '第7区第99' });
      expect(codesOf(search)).toEqual(
        [
          'gz-7-99',
          'gz-7-990',
          'gz-7-991',
          'gz-7-992',
          'gz-7-993',
          'gz-7-994',
          'gz-7-995',
          'gz-7-996',
          'gz-7-997',
          'gz-7-998',
          'gz-7-999',
        ].sort(),
      );
    });
  });
});
