import {
  bearer,
  createTenant,
  createUser,
  expectProblem,
  importUnits,
  loginOperator,
  pointersOf,
  ProblemBody,
  TenantFixture,
  TWO_CITY_TREE,
} from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/** A cursor as the API encodes them, with whatever position we like inside. */
const forgedCursor = (position: unknown): string => Buffer.from(JSON.stringify(position)).toString('base64url');

describe('bad input answers as problem details, never a 500', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let ids: Record<string, string>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    tenant = await createTenant(t, await loginOperator(t));
    ids = await importUnits(t, tenant, TWO_CITY_TREE);
    admin = bearer(tenant.admin.token);
  });
  afterAll(() => t.close());

  describe('malformed bodies', () => {
    it('bad JSON is a 400 problem with type, title, status, detail and requestId', async () => {
      const res = await t.http
        .post('/v1/auth/login')
        .set('content-type', 'application/json')
        .set('x-request-id', 'bad-json-req-0001')
        .send('{"username": "admin", "password": ');
      const problem = expectProblem(res, 400);
      expect(problem).toMatchObject({
        type: 'https://govmatrix.dev/problems/malformed-body',
        title: 'Bad Request',
        status: 400,
        detail: 'The request body is not valid JSON',
        code: 'malformed_body',
        instance: '/v1/auth/login',
        requestId: 'bad-json-req-0001',
      });
    });

    it('bad JSON on an authenticated route, and JSON that is not an object or array, are 400 too', async () => {
      const units = await t.http.post('/v1/units').set(admin).set('content-type', 'application/json').send("{'single': 'quotes'}");
      expect(expectProblem(units, 400).code).toBe('malformed_body');
      for (const body of ['null', '"a string"', '42', '{"a":1}{"b":2}']) {
        const res = await t.http.post('/v1/auth/login').set('content-type', 'application/json').send(body);
        expect(expectProblem(res, 400).code).toBe('malformed_body');
      }
    });

    it('an unsupported charset is a 415 problem', async () => {
      const res = await t.http.post('/v1/auth/login').set('content-type', 'application/json; charset=koi8-r').send('{}');
      expect(expectProblem(res, 415).code).toBe('unsupported_encoding');
    });

    it('a body that is not an object is refused with the fields it lacks', async () => {
      const array = expectProblem(await t.http.post('/v1/auth/login').set('content-type', 'application/json').send('[]'), 400);
      expect(pointersOf(array)).toEqual(expect.arrayContaining(['/username', '/password']));
      const empty = expectProblem(await t.http.post('/v1/auth/login'), 400);
      expect(pointersOf(empty)).toEqual(expect.arrayContaining(['/username', '/password']));
      const importArray = expectProblem(
        await t.http
          .post('/v1/units/import')
          .set(admin)
          .send([{ code: 'x' }]),
        400,
      );
      expect(importArray.detail).toMatch(/JSON object/);
    });
  });

  describe('unknown fields and wrong types', () => {
    it('an unknown field is a 400 naming it', async () => {
      const res = await t.http.post('/v1/auth/login').send({ tenant: tenant.slug, username: 'admin', password: 'x', isAdmin: true });
      const problem = expectProblem(res, 400);
      expect(pointersOf(problem)).toEqual(['/isAdmin']);
      expect(problem.errors![0].reason).toMatch(/should not exist/);
      expect(problem.detail).toContain('/isAdmin');
    });

    it('unknown fields in nested objects and in import rows are named by their full pointer', async () => {
      const tenantRes = await t.http
        .post('/v1/tenants')
        .set(bearer((await loginOperator(t)).token))
        .send({
          slug: 'nested-extra',
          name: '湖北省',
          root: { name: '湖北省', level: 'province', divisionCode: '420000', capital: '武汉' },
          admin: { username: 'admin', displayName: 'a', password: 'admin-password-123' },
        });
      expect(pointersOf(expectProblem(tenantRes, 400))).toEqual(['/root/capital']);

      const importRes = await t.http
        .post('/v1/units/import')
        .set(admin)
        .send({ units: [{ code: 'x1', name: '某县', level: 'county', divisionCode: '430121', population: 3 }] });
      expect(pointersOf(expectProblem(importRes, 400))).toEqual(['/units/0/population']);
    });

    it('an unknown query parameter is a 400 naming it', async () => {
      const problem = expectProblem(await t.http.get('/v1/units').query({ orderBy: 'name' }).set(admin), 400);
      expect(pointersOf(problem)).toEqual(['/orderBy']);
    });

    it('a number where a string belongs, a string where a boolean belongs', async () => {
      const login = expectProblem(await t.http.post('/v1/auth/login').send({ tenant: tenant.slug, username: 12345, password: 'x' }), 400);
      expect(pointersOf(login)).toContain('/username');
      expect(pointersOf(login)).not.toContain('/password');

      const unit = expectProblem(
        await t.http
          .post('/v1/units')
          .set(admin)
          .send({ parentId: ids['cs'], name: '长沙市委网信办二', level: 'bureau', supervisor: 'yes' }),
        400,
      );
      expect(pointersOf(unit)).toEqual(['/supervisor']);

      const cascade = expectProblem(await t.http.post(`/v1/units/${ids['tx']}/deactivate`).set(admin).send({ cascade: 'true' }), 400);
      expect(pointersOf(cascade)).toEqual(['/cascade']);

      const division = expectProblem(
        await t.http
          .post('/v1/units')
          .set(admin)
          .send({ parentId: ids['cs'], name: '长沙市岳麓区', level: 'county', divisionCode: 430104 }),
        400,
      );
      expect(pointersOf(division)).toEqual(['/divisionCode']);

      const active = expectProblem(await t.http.get('/v1/units').query({ active: 'maybe' }).set(admin), 400);
      expect(pointersOf(active)).toEqual(['/active']);

      // Nothing of the refused writes landed.
      const list = await t.http.get('/v1/units').query({ under: ids['cs'], limit: 500 }).set(admin);
      expect(list.body.items.map((u: { name: string }) => u.name)).not.toContain('长沙市岳麓区');
    });

    it('an invalid value deep in an import row is named /units/<i>/<field>', async () => {
      const rows = [
        { code: 'yl', parentCode: 'cs', name: '长沙市岳麓区', level: 'county', divisionCode: '430104' },
        { code: 'yl-gaj', parentCode: 'yl', name: '长沙市公安局岳麓分局', level: 'bureau', sector: 'public_security' },
        { code: 'yl-jyj', parentCode: 'yl', name: 42, level: 'bureau', sector: 'education' },
        { code: 'yl-wlj', parentCode: 'yl', name: '岳麓区文旅局', level: 'township', sector: 'tourism' },
        { code: 'yl-jtj', parentCode: 'yl', name: '岳麓区交通局', level: 'bureau', supervisor: 'no' },
      ];
      const problem = expectProblem(await t.http.post('/v1/units/import').set(admin).send({ units: rows }), 400);
      expect([...new Set(pointersOf(problem))].sort()).toEqual(['/units/2/name', '/units/3/level', '/units/4/supervisor']);
      const units = await t.http.get('/v1/units').query({ under: ids['cs'], limit: 500 }).set(admin);
      expect(units.body.items.map((u: { code: string }) => u.code)).not.toContain('yl');
    });
  });

  describe('parameters', () => {
    it('a path id that is not a UUID is a 400 naming /id', async () => {
      for (const req of [
        t.http.get('/v1/units/not-a-uuid').set(admin),
        t.http.get('/v1/units/1234').set(admin),
        t.http.patch('/v1/units/xyz').set(admin).send({ name: 'x' }),
        t.http.post(`/v1/units/${ids['tx']}x/move`).set(admin).send({ parentId: ids['zz'] }),
        t.http.get('/v1/users/00000000-0000-0000-0000-00000000000g').set(admin),
        t.http.post('/v1/clients/abc/rotate-secret').set(admin),
      ]) {
        const problem = expectProblem(await req, 400);
        expect(pointersOf(problem)).toEqual(['/id']);
      }
    });

    it('a cursor the API did not issue is a 400 naming /cursor, forged positions included', async () => {
      const cursors = ['garbage!!', forgedCursor({ path: '1.2' }), forgedCursor(['1', '2']), forgedCursor(['a b']), forgedCursor([{}])];
      for (const cursor of cursors) {
        const problem = expectProblem(await t.http.get('/v1/units').query({ cursor }).set(admin), 400);
        expect(pointersOf(problem)).toEqual(['/cursor']);
      }
      for (const [path, cursor] of [
        ['/v1/users', forgedCursor([{ x: 1 }])],
        ['/v1/users', 'nonsense'],
        ['/v1/clients', forgedCursor(['not-a-uuid'])],
        ['/v1/clients', forgedCursor([7])],
      ]) {
        const problem = expectProblem(await t.http.get(path).query({ cursor }).set(admin), 400);
        expect(pointersOf(problem)).toEqual(['/cursor']);
      }
    });

    it('a real cursor pages through the tree', async () => {
      const first = await t.http.get('/v1/units').query({ limit: 4 }).set(admin);
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(4);
      const second = await t.http.get('/v1/units').query({ limit: 4, cursor: first.body.nextCursor }).set(admin);
      expect(second.status).toBe(200);
      // 9 units: the province and the two-city tree.
      expect(second.body.items).toHaveLength(4);
      const third = await t.http.get('/v1/units').query({ limit: 4, cursor: second.body.nextCursor }).set(admin);
      expect(third.body.items).toHaveLength(1);
      expect(third.body.nextCursor).toBeUndefined();
      const all = [...first.body.items, ...second.body.items, ...third.body.items].map((u: { id: string }) => u.id);
      expect(new Set(all).size).toBe(9);
    });

    it('limit above 500, below 1, or not a number is a 400 naming /limit', async () => {
      for (const limit of ['501', '0', '-1', 'ten', '2.5']) {
        const problem = expectProblem(await t.http.get('/v1/units').query({ limit }).set(admin), 400);
        expect([...new Set(pointersOf(problem))]).toEqual(['/limit']);
      }
      expect((await t.http.get('/v1/units').query({ limit: 500 }).set(admin)).status).toBe(200);
    });

    it('an over-long search string is a 400 naming /q', async () => {
      const problem = expectProblem(
        await t.http
          .get('/v1/units')
          .query({ q: '长'.repeat(101) })
          .set(admin),
        400,
      );
      expect(pointersOf(problem)).toEqual(['/q']);
    });
  });

  describe('routes and conflicts', () => {
    it('an unknown route or method is a 404 problem, with or without a token', async () => {
      for (const req of [
        t.http.get('/v1/nothing-here'),
        t.http.get('/v1/nothing-here').set(admin),
        t.http.delete('/v1/units').set(admin),
      ]) {
        const problem = expectProblem(await req, 404);
        expect(problem).toMatchObject({ type: 'https://govmatrix.dev/problems/not-found', title: 'Not Found', code: 'not_found' });
      }
    });

    it('a unit id that does not exist is a 404 problem', async () => {
      const problem = expectProblem(await t.http.get('/v1/units/6f1c1d7e-0000-4000-8000-000000000000').set(admin), 404);
      expect(problem.detail).toContain('6f1c1d7e-0000-4000-8000-000000000000');
    });

    it('a duplicate username is a 409 naming /username; the first user is untouched', async () => {
      const first = await createUser(t, tenant, { username: 'tx-operator', role: 'unit_operator', unitId: ids['tx-gaj'] });
      const res = await t.http.post('/v1/users').set(admin).send({
        username: 'tx-operator',
        displayName: '另一个',
        password: 'another-password-1',
        role: 'unit_operator',
        unitId: ids['hd-gaj'],
      });
      const problem = expectProblem(res, 409);
      expect(problem.code).toBe('username_taken');
      expect(pointersOf(problem)).toEqual(['/username']);
      const still = await t.http.get(`/v1/users/${first.id}`).set(admin);
      expect(still.body).toMatchObject({ username: 'tx-operator', unitId: ids['tx-gaj'] });
    });

    it('a duplicate tenant slug or unit code is a 409', async () => {
      const operator = await loginOperator(t);
      const slug = await t.http
        .post('/v1/tenants')
        .set(bearer(operator.token))
        .send({
          slug: tenant.slug,
          name: '湖南省',
          root: { name: '湖南省', level: 'province', divisionCode: '430000' },
          admin: { username: 'admin', displayName: 'a', password: 'admin-password-123' },
        });
      expect(pointersOf(expectProblem(slug, 409))).toEqual(['/slug']);

      const code = await t.http
        .post('/v1/units')
        .set(admin)
        .send({ parentId: tenant.rootUnitId, code: 'cs', name: '湘潭市', level: 'city', divisionCode: '430300' });
      expect(expectProblem(code, 409).code).toBe('duplicate');
    });
  });

  describe('oversize bodies', () => {
    let small: TestApp;
    beforeAll(async () => {
      small = await startTestApp({ BODY_LIMIT_BYTES: '2048' });
    });
    afterAll(() => small.close());

    it('a JSON body over the limit is a 413 problem; one under it is served', async () => {
      const big = { username: 'operator', password: 'x'.repeat(3000) };
      const problem = expectProblem(await small.http.post('/v1/auth/login').send(big), 413);
      expect(problem).toMatchObject({ code: 'body_too_large', title: 'Content Too Large' });
      const ok = await small.http.post('/v1/auth/login').send({ username: 'operator', password: 'operator-test-password' });
      expect(ok.status).toBe(200);
    });

    it('a CSV body over the limit is a 413 problem too', async () => {
      const operator = await loginOperator(small);
      const tiny = await createTenant(small, operator);
      const rows = Array.from({ length: 100 }, (_, i) => `b${i},,某局${i},,bureau,,,,`).join('\n');
      const res = await small.http
        .post('/v1/units/import')
        .set(bearer(tiny.admin.token))
        .set('content-type', 'text/csv')
        .send(`code,parent_code,name,short_name,level,division_code,sector,sector_parent_code,supervisor\n${rows}`);
      expect(expectProblem(res, 413).code).toBe('body_too_large');
    });
  });

  it('none of a sweep of odd requests answers 5xx, and every failure is problem details', async () => {
    const odd = [
      t.http
        .get('/v1/units')
        .query({ cursor: forgedCursor(['..']) })
        .set(admin),
      t.http.get('/v1/units').query({ q: '%_\\' }).set(admin),
      t.http.get('/v1/units').query({ under: ids['tx'], level: 'galaxy' }).set(admin),
      t.http.get('/v1/units?limit=1&limit=2').set(admin),
      t.http
        .post('/v1/units')
        .set(admin)
        .send({ parentId: ids['tx'], name: 'x'.repeat(201), level: 'bureau' }),
      t.http
        .post('/v1/units')
        .set(admin)
        .send({ parentId: ids['tx'], name: { zh: '局' }, level: ['bureau'] }),
      t.http
        .post('/v1/units/import')
        .set(admin)
        .send({ units: [null, 5, 'x'] }),
      t.http.post('/v1/units/import').set(admin).set('content-type', 'text/csv').send('编码,名称\n"unclosed,x'),
      t.http.post('/v1/auth/refresh').send({ refreshToken: ['a'] }),
      t.http.post('/v1/auth/token').send({ clientId: 'gmc_x', clientSecret: 'short' }),
      t.http.get('/v1/auth/me').set('authorization', 'Bearer '),
      t.http.patch(`/v1/units/${ids['tx']}`).set(admin).send({ sectorParentId: 'not-a-uuid' }),
    ];
    const answers = await Promise.all(odd);
    expect(answers.map((res) => res.status).filter((status) => status >= 500)).toEqual([]);
    // The search with LIKE wildcards is served (they match literally, so nothing); every other one is refused.
    expect(answers[1].status).toBe(200);
    expect(answers[1].body.items).toEqual([]);
    const failures = answers.filter((_, i) => i !== 1);
    expect(failures.every((res) => res.status >= 400 && res.status < 500)).toBe(true);
    const problems: ProblemBody[] = failures.map((res) => expectProblem(res, res.status));
    expect(problems.every((p) => p.requestId.length >= 8)).toBe(true);
  });
});
