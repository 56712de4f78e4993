import { AddressInfo } from 'node:net';
import { createGovMatrixClient, GovMatrixApiError, GovMatrixAuthError, GovMatrixClient, GovMatrixClientOptions } from '@govmatrix/sdk';
import { bearer, createTenant, createUser, importUnits, loginOperator, TenantFixture, TWO_CITY_TREE } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

interface Sent {
  method: string;
  path: string;
  status: number;
  authorization: string | null;
}

/**
 * The SDK against the real application over real HTTP (a listening socket and the platform's fetch): no
 * supertest and no fakes between them. Fixtures are made through the API; everything else through the SDK.
 */
describe('@govmatrix/sdk against the running API', () => {
  let t: TestApp;
  let baseUrl: string;
  let tenant: TenantFixture;
  let ids: Record<string, string>;
  let machine: { id: string; clientId: string; clientSecret: string };

  /** A client whose requests are logged on their way to the real fetch. */
  function sdk(auth: GovMatrixClientOptions['auth'], extra: Partial<GovMatrixClientOptions> = {}): { gm: GovMatrixClient; sent: Sent[] } {
    const sent: Sent[] = [];
    const gm = createGovMatrixClient({
      baseUrl,
      auth,
      fetch: async (request) => {
        const authorization = request.headers.get('authorization');
        const response = await fetch(request);
        const url = new URL(request.url);
        sent.push({ method: request.method, path: url.pathname + url.search, status: response.status, authorization });
        return response;
      },
      ...extra,
    });
    return { gm, sent };
  }

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen(0, '127.0.0.1');
    const { port } = t.app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;

    const operator = await loginOperator(t);
    tenant = await createTenant(t, operator);
    ids = await importUnits(t, tenant, TWO_CITY_TREE);
    const res = await t.http
      .post('/v1/clients')
      .set(bearer(tenant.admin.token))
      .send({ name: '长沙市政务新媒体平台', unitId: ids.cs, scopes: ['read:own', 'report:metrics'] });
    expect(res.status).toBe(201);
    machine = res.body as typeof machine;
  });
  afterAll(() => t?.close());

  it('logs in with client credentials and says who it is', async () => {
    const { gm, sent } = sdk({ kind: 'client', clientId: machine.clientId, clientSecret: machine.clientSecret, scopes: ['read:own'] });
    const me = await gm.me();
    expect(me).toMatchObject({ kind: 'client', tenantId: tenant.id, unitId: ids.cs, scopes: ['read:own'] });
    expect(me.permissions).toContain('units.read');
    await gm.me();
    expect(sent.map((s) => `${s.method} ${s.path} ${s.status}`)).toEqual([
      'POST /v1/auth/token 200',
      'GET /v1/auth/me 200',
      'GET /v1/auth/me 200',
    ]);
    expect(sent[1].authorization).toMatch(/^Bearer ey/);
    expect(sent[2].authorization).toBe(sent[1].authorization);
  });

  it('lists every unit of its subtree across pages', async () => {
    const { gm, sent } = sdk({ kind: 'client', clientId: machine.clientId, clientSecret: machine.clientSecret });
    const units = await gm.listAllUnits({ pageSize: 1 });
    expect(units.map((u) => u.code).sort()).toEqual(['cs', 'cs-wxb', 'tx', 'tx-gaj']);
    expect(units.map((u) => u.id)).toContain(ids.tx);
    const pages = sent.filter((s) => s.path.startsWith('/v1/units'));
    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages[0].path).toBe('/v1/units?limit=1');
    expect(pages.slice(1).every((p) => /[?&]cursor=/.test(p.path))).toBe(true);

    const bureaus: string[] = [];
    for await (const unit of gm.iterateUnits({ level: 'bureau', pageSize: 1 })) bureaus.push(unit.code ?? '');
    expect(bureaus.sort()).toEqual(['cs-wxb', 'tx-gaj']);
  });

  it("gets a typed 404 with problem details for another subtree's unit", async () => {
    const { gm } = sdk({ kind: 'client', clientId: machine.clientId, clientSecret: machine.clientSecret });
    await expect(gm.getUnit(ids.tx)).resolves.toMatchObject({ id: ids.tx, code: 'tx' });
    const error = await gm.getUnit(ids.zz).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GovMatrixApiError);
    const problem = error as GovMatrixApiError;
    expect(problem).toMatchObject({
      status: 404,
      type: 'https://govmatrix.dev/problems/not-found',
      title: 'Not Found',
      code: 'not_found',
      instance: `/v1/units/${ids.zz}`,
      method: 'GET',
      url: `${baseUrl}/v1/units/${ids.zz}`,
      errors: [],
    });
    expect(problem.detail).toEqual(expect.any(String));
    expect(problem.requestId).toEqual(expect.any(String));
    expect(problem.message).toContain('404 Not Found');
  });

  it('replaces a revoked token transparently, and its expiring token before it expires', async () => {
    let clock = Date.now();
    const { gm, sent } = sdk({ kind: 'client', clientId: machine.clientId, clientSecret: machine.clientSecret }, { now: () => clock });
    await gm.me();
    const first = await gm.getAccessToken();

    // The session is ended behind the SDK's back: the old token is refused from now on.
    const logout = await t.http.post('/v1/auth/logout').set(bearer(first));
    expect(logout.status).toBe(204);
    sent.length = 0;
    await expect(gm.me()).resolves.toMatchObject({ kind: 'client' });
    expect(sent.map((s) => `${s.method} ${s.path} ${s.status}`)).toEqual([
      'GET /v1/auth/me 401',
      'POST /v1/auth/token 200',
      'GET /v1/auth/me 200',
    ]);
    const second = await gm.getAccessToken();
    expect(second).not.toBe(first);

    // Close to expiry the SDK gets a new token first, without a 401.
    clock += (t.config.accessTokenTtlSeconds - 30) * 1000;
    sent.length = 0;
    await gm.me();
    expect(sent.map((s) => `${s.method} ${s.path} ${s.status}`)).toEqual(['POST /v1/auth/token 200', 'GET /v1/auth/me 200']);
    expect(await gm.getAccessToken()).not.toBe(second);
  });

  it('a user session that was logged out logs in again on its own', async () => {
    const user = await createUser(t, tenant, {
      username: 'tx-operator',
      role: 'unit_operator',
      unitId: ids.tx,
      password: 'tx-password-123',
    });
    const { gm, sent } = sdk({ kind: 'user', tenant: tenant.slug, username: 'tx-operator', password: 'tx-password-123' });
    await expect(gm.me()).resolves.toMatchObject({ kind: 'user', subjectId: user.id, unitId: ids.tx, role: 'unit_operator' });
    const first = await gm.getAccessToken();

    expect((await t.http.post('/v1/auth/logout').set(bearer(first))).status).toBe(204);
    sent.length = 0;
    const units = await gm.listAllUnits({ pageSize: 1 });
    expect(units.map((u) => u.code).sort()).toEqual(['tx', 'tx-gaj']);
    expect(sent.slice(0, 4).map((s) => `${s.method} ${s.path} ${s.status}`)).toEqual([
      'GET /v1/units?limit=1 401',
      'POST /v1/auth/refresh 401',
      'POST /v1/auth/login 200',
      'GET /v1/units?limit=1 200',
    ]);

    await gm.logout();
    sent.length = 0;
    await gm.me();
    expect(sent.map((s) => `${s.method} ${s.path} ${s.status}`)).toEqual(['POST /v1/auth/login 200', 'GET /v1/auth/me 200']);
  });

  it('fails clearly once the client secret is rotated, and works with the new secret', async () => {
    const { gm, sent } = sdk({ kind: 'client', clientId: machine.clientId, clientSecret: machine.clientSecret });
    await gm.me();

    const rotated = await t.http.post(`/v1/clients/${machine.id}/rotate-secret`).set(bearer(tenant.admin.token));
    expect(rotated.status).toBe(200);
    const newSecret = (rotated.body as { clientSecret: string }).clientSecret;

    sent.length = 0;
    const error = await gm.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GovMatrixAuthError);
    expect(error).toMatchObject({ status: 401, title: 'Unauthorized', detail: 'Invalid client id or secret' });
    expect((error as Error).message).toMatch(
      new RegExp(`Could not obtain an access token for client ${machine.clientId} \\(401 Unauthorized`),
    );
    expect((error as Error).message).toMatch(/secret was rotated/);
    expect(sent.map((s) => `${s.method} ${s.path} ${s.status}`)).toEqual(['GET /v1/auth/me 401', 'POST /v1/auth/token 401']);

    const { gm: renewed } = sdk({ kind: 'client', clientId: machine.clientId, clientSecret: newSecret });
    await expect(renewed.me()).resolves.toMatchObject({ kind: 'client', unitId: ids.cs });
  });

  it('a static token that was revoked surfaces the 401', async () => {
    const auditor = await createUser(t, tenant, { username: 'zz-auditor', role: 'auditor', unitId: ids['zz-wxb'] });
    const { gm, sent } = sdk({ kind: 'token', accessToken: auditor.session.token });
    await expect(gm.me()).resolves.toMatchObject({ kind: 'user', role: 'auditor' });
    expect((await t.http.post('/v1/auth/logout').set(bearer(auditor.session.token))).status).toBe(204);
    await expect(gm.me()).rejects.toMatchObject({ name: 'GovMatrixApiError', status: 401, title: 'Unauthorized' });
    expect(sent.map((s) => s.path)).toEqual(['/v1/auth/me', '/v1/auth/me']);
  });
});
