import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ClientScope, permissionsOf, Role } from '@govmatrix/auth';
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
} from '../support/fixtures';
import { withClient } from '../support/database';
import { startTestApp, TEST_JWT_KEYS, TestApp } from '../support/test-app';

const KEYS = Object.fromEntries(
  TEST_JWT_KEYS.split(',').map((entry) => [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)]),
) as Record<string, string>;
const INVALID_LOGIN = 'Invalid tenant, username or password';
/** What /me must list for a role or scopes: the product's permission table, sorted. */
const permissionsFor = (role: Role | null, scopes: ClientScope[] = []): string[] => [...permissionsOf(role, scopes)].sort();

interface Claims {
  sub: string;
  sid: string;
  knd: string;
  tid?: string;
}

/** The identity claims of a real token, to forge variants of it. */
function claimsOf(token: string): Claims {
  const payload = jwt.decode(token) as Claims & Record<string, unknown>;
  return { sub: payload.sub, sid: payload.sid, knd: payload.knd, ...(payload.tid ? { tid: payload.tid } : {}) };
}

/** Signs like the API does, with every knob overridable. */
function forge(
  claims: object,
  options: { kid?: string; secret?: string; algorithm?: jwt.Algorithm; issuer?: string; audience?: string; expiresIn?: number | null } = {},
): string {
  const kid = options.kid ?? 'test-1';
  return jwt.sign(claims, options.secret ?? KEYS[kid] ?? KEYS['test-1'], {
    algorithm: options.algorithm ?? 'HS256',
    keyid: kid,
    issuer: options.issuer ?? 'govmatrix',
    audience: options.audience ?? 'govmatrix-api',
    ...(options.expiresIn === null ? {} : { expiresIn: options.expiresIn ?? 300 }),
  });
}

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication and tokens', () => {
  let t: TestApp;
  let operator: Session;
  let tenant: TenantFixture;
  let ids: Record<string, string>;

  beforeAll(async () => {
    t = await startTestApp();
    operator = await loginOperator(t);
    tenant = await createTenant(t, operator);
    ids = await importUnits(t, tenant, TWO_CITY_TREE);
  });
  afterAll(() => t.close());

  const me = (token: string) => t.http.get('/v1/auth/me').set(bearer(token));
  const expect401 = async (token: string): Promise<void> => {
    const problem = expectProblem(await me(token), 401);
    expect(problem.code).toBe('unauthorized');
  };

  describe('login', () => {
    it('issues an HS256 access token with kid, issuer, audience and exp, and a refresh token', async () => {
      const res = await t.http.post('/v1/auth/login').send({ tenant: tenant.slug, username: 'admin', password: tenant.adminPassword });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, refreshToken: expect.stringMatching(/^gmr_/) });
      const decoded = jwt.decode(res.body.accessToken, { complete: true })!;
      expect(decoded.header).toMatchObject({ alg: 'HS256', kid: 'test-1' });
      const payload = decoded.payload as Record<string, unknown>;
      expect(payload).toMatchObject({ iss: 'govmatrix', aud: 'govmatrix-api', knd: 'user', tid: tenant.id });
      expect(payload.exp).toBe((payload.iat as number) + 900);
      expect((await me(res.body.accessToken)).status).toBe(200);
    });

    it('refuses a wrong password, an unknown tenant, an unknown user and a deactivated user with the same 401', async () => {
      const user = await createUser(t, tenant, { username: 'soon-gone', role: 'unit_operator', unitId: ids['tx-gaj'] });
      const deactivated = await t.http.post(`/v1/users/${user.id}/deactivate`).set(bearer(tenant.admin.token));
      expect(deactivated.status).toBe(200);
      expect(deactivated.body.active).toBe(false);

      const attempts = [
        { tenant: tenant.slug, username: 'admin', password: 'wrong-password-123' },
        { tenant: 'no-such-tenant', username: 'admin', password: tenant.adminPassword },
        { tenant: tenant.slug, username: 'nobody-here', password: tenant.adminPassword },
        { tenant: tenant.slug, username: 'soon-gone', password: 'user-password-123' },
        { username: 'operator', password: 'wrong-password-123' },
      ];
      for (const attempt of attempts) {
        const problem = expectProblem(await t.http.post('/v1/auth/login').send(attempt), 401);
        expect(problem.detail).toBe(INVALID_LOGIN);
      }
      // Deactivation also ended the session the user had.
      await expect401(user.session.token);
    });
  });

  describe('refresh and logout', () => {
    it('rotates the refresh token: the new pair works, the old refresh token is refused', async () => {
      const first = await login(t, tenant.slug, 'admin', tenant.adminPassword);
      const res = await t.http.post('/v1/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(res.status).toBe(200);
      expect(res.body.refreshToken).toMatch(/^gmr_/);
      expect(res.body.refreshToken).not.toBe(first.refreshToken);
      expect(claimsOf(res.body.accessToken).sid).toBe(claimsOf(first.token).sid);
      expect((await me(res.body.accessToken)).status).toBe(200);

      const again = await t.http.post('/v1/auth/refresh').send({ refreshToken: res.body.refreshToken });
      expect(again.status).toBe(200);
      expect((await me(again.body.accessToken)).status).toBe(200);
      expectProblem(await t.http.post('/v1/auth/refresh').send({ refreshToken: `gmr_${'x'.repeat(43)}` }), 401);
    });

    it('a rotated-away refresh token presented again revokes the whole session (theft detection)', async () => {
      const first = await login(t, tenant.slug, 'admin', tenant.adminPassword);
      const second = await t.http.post('/v1/auth/refresh').send({ refreshToken: first.refreshToken });
      expect(second.status).toBe(200);

      const replay = expectProblem(await t.http.post('/v1/auth/refresh').send({ refreshToken: first.refreshToken }), 401);
      expect(replay.detail).toMatch(/refresh token/);
      // Whoever held the newer pair loses it too: both refresh and access tokens of the session are dead.
      expectProblem(await t.http.post('/v1/auth/refresh').send({ refreshToken: second.body.refreshToken }), 401);
      await expect401(second.body.accessToken);
      // Other sessions of the same user live on.
      expect((await me(tenant.admin.token)).status).toBe(200);
    });

    it('logout revokes the session: the access token is refused at once, the refresh token too', async () => {
      const session = await login(t, tenant.slug, 'admin', tenant.adminPassword);
      expect((await me(session.token)).status).toBe(200);
      const out = await t.http.post('/v1/auth/logout').set(bearer(session.token));
      expect(out.status).toBe(204);
      await expect401(session.token);
      expectProblem(await t.http.get('/v1/units').set(bearer(session.token)), 401);
      expectProblem(await t.http.post('/v1/auth/refresh').send({ refreshToken: session.refreshToken }), 401);
      // Other sessions of the same user live on.
      expect((await me(tenant.admin.token)).status).toBe(200);
    });
  });

  describe('access token verification', () => {
    let claims: Claims;
    beforeAll(async () => {
      claims = claimsOf((await login(t, tenant.slug, 'admin', tenant.adminPassword)).token);
    });

    it('accepts a correctly forged token (the negative cases below differ in one thing each)', async () => {
      const res = await me(forge(claims));
      expect(res.status).toBe(200);
      expect(res.body.subjectId).toBe(claims.sub);
    });

    it('refuses a missing, malformed or non-bearer Authorization header', async () => {
      expectProblem(await t.http.get('/v1/auth/me'), 401);
      expectProblem(await t.http.get('/v1/auth/me').set('authorization', 'Bearer not.a.jwt'), 401);
      expectProblem(await t.http.get('/v1/auth/me').set('authorization', `Basic ${forge(claims)}`), 401);
    });

    it('refuses a token without exp', async () => {
      const token = forge(claims, { expiresIn: null });
      expect((jwt.decode(token) as Record<string, unknown>).exp).toBeUndefined();
      await expect401(token);
    });

    it('refuses other algorithms: HS512 with the right secret, and alg none', async () => {
      await expect401(forge(claims, { algorithm: 'HS512' }));
      await expect401(forge(claims, { algorithm: 'HS384' }));
      const exp = Math.floor(Date.now() / 1000) + 300;
      const payload = { ...claims, iss: 'govmatrix', aud: 'govmatrix-api', exp };
      await expect401(`${b64({ alg: 'none', typ: 'JWT', kid: 'test-1' })}.${b64(payload)}.`);
      await expect401(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`);
    });

    it('refuses a wrong audience or issuer', async () => {
      await expect401(forge(claims, { audience: 'someone-else' }));
      await expect401(forge(claims, { issuer: 'not-govmatrix' }));
    });

    it('refuses an expired token', async () => {
      const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, KEYS['test-1'], {
        algorithm: 'HS256',
        keyid: 'test-1',
        issuer: 'govmatrix',
        audience: 'govmatrix-api',
      });
      await expect401(expired);
    });

    it('refuses an unknown kid, a missing kid, and a known kid with another key', async () => {
      await expect401(forge(claims, { kid: 'test-9', secret: KEYS['test-1'] }));
      await expect401(
        jwt.sign(claims, KEYS['test-1'], { algorithm: 'HS256', issuer: 'govmatrix', audience: 'govmatrix-api', expiresIn: 300 }),
      );
      await expect401(forge(claims, { kid: 'test-1', secret: KEYS['test-0'] }));
      await expect401(forge(claims, { kid: 'test-1', secret: 'an-attacker-chosen-secret-of-32-chars!' }));
    });

    it('refuses a tampered signature or payload', async () => {
      const token = forge(claims);
      const [header, payload, signature] = token.split('.');
      const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
      await expect401(`${header}.${payload}.${flipped}`);
      const otherPayload = b64({ ...(jwt.decode(token) as object), sub: randomUUID() });
      await expect401(`${header}.${otherPayload}.${signature}`);
    });

    it('refuses a token whose session is unknown, deleted, or belongs to another subject', async () => {
      await expect401(forge({ ...claims, sid: randomUUID() }));
      await expect401(forge({ ...claims, sub: randomUUID() }));
      await expect401(forge({ ...claims, knd: 'operator' }));
      await expect401(forge({ ...claims, sid: 'not-a-uuid' }));
      await expect401(forge({ sub: claims.sub, knd: claims.knd }));

      const doomed = await login(t, tenant.slug, 'admin', tenant.adminPassword);
      expect((await me(doomed.token)).status).toBe(200);
      await withClient(t.db.ownerUrl, (c) => c.query('DELETE FROM sessions WHERE id = $1', [claimsOf(doomed.token).sid]));
      await expect401(doomed.token);
    });

    it('refuses a revoked session even with a freshly signed token', async () => {
      const session = await login(t, tenant.slug, 'admin', tenant.adminPassword);
      const sessionClaims = claimsOf(session.token);
      expect((await t.http.post('/v1/auth/logout').set(bearer(session.token))).status).toBe(204);
      await expect401(forge(sessionClaims));
    });

    it('accepts a token signed with the second (older) key of the ring', async () => {
      const token = forge(claims, { kid: 'test-0' });
      expect(jwt.decode(token, { complete: true })!.header.kid).toBe('test-0');
      const res = await me(token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ kind: 'user', subjectId: claims.sub, tenantId: tenant.id });
    });
  });

  describe('client credentials', () => {
    let client: { id: string; clientId: string; clientSecret: string; scopes: string[] };
    const token = (body: object) => t.http.post('/v1/auth/token').send(body);

    beforeAll(async () => {
      const res = await t.http
        .post('/v1/clients')
        .set(bearer(tenant.admin.token))
        .send({ name: '天心区政务公开平台', unitId: ids['tx'], scopes: ['read:own', 'report:metrics'] });
      expect(res.status).toBe(201);
      client = res.body;
    });

    it('shows the secret once, at creation, and never again', async () => {
      expect(client.clientId).toMatch(/^gmc_/);
      expect(client.clientSecret).toMatch(/^gms_/);
      const read = await t.http.get(`/v1/clients/${client.id}`).set(bearer(tenant.admin.token));
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ id: client.id, clientId: client.clientId, unitId: ids['tx'], active: true });
      expect(read.body).not.toHaveProperty('clientSecret');
      expect(JSON.stringify(read.body)).not.toContain(client.clientSecret);
      const list = await t.http.get('/v1/clients').set(bearer(tenant.admin.token));
      expect(list.body.items.map((c: { id: string }) => c.id)).toContain(client.id);
      expect(JSON.stringify(list.body)).not.toContain(client.clientSecret);
    });

    it('issues a token with all the client scopes, without a refresh token', async () => {
      const res = await token({ clientId: client.clientId, clientSecret: client.clientSecret });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, scopes: ['read:own', 'report:metrics'] });
      expect(res.body.refreshToken).toBeUndefined();
      const who = await me(res.body.accessToken);
      expect(who.status).toBe(200);
      expect(who.body).toEqual({
        kind: 'client',
        subjectId: client.id,
        tenantId: tenant.id,
        unitId: ids['tx'],
        scopes: ['read:own', 'report:metrics'],
        permissions: permissionsFor(null, ['read:own', 'report:metrics']),
      });
      expect(who.body.permissions).toContain('units.read');
      expect(who.body.permissions).not.toContain('units.write');
      // read:own reads the client's own subtree only.
      const units = await listAllUnits(t, res.body.accessToken);
      expect(units.map((u) => u.code).sort()).toEqual(['tx', 'tx-gaj']);
    });

    it('narrows a token to some of the scopes, and the narrowing holds on the API', async () => {
      const res = await token({ clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['report:metrics'] });
      expect(res.status).toBe(200);
      expect(res.body.scopes).toEqual(['report:metrics']);
      const who = await me(res.body.accessToken);
      expect(who.body.scopes).toEqual(['report:metrics']);
      expect(who.body.permissions).toEqual(permissionsFor(null, ['report:metrics']));
      expect(who.body.permissions).not.toContain('units.read');
      expectProblem(await t.http.get('/v1/units').set(bearer(res.body.accessToken)), 403);
    });

    it('refuses a scope the client does not hold with 422 naming /scopes', async () => {
      const problem = expectProblem(
        await token({ clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['read:own', 'report:filings'] }),
        422,
      );
      expect(pointersOf(problem)).toEqual(['/scopes']);
      expect(problem.errors![0].reason).toContain('report:filings');
      // A scope that does not exist at all is a malformed request.
      const unknown = expectProblem(await token({ clientId: client.clientId, clientSecret: client.clientSecret, scopes: ['admin'] }), 400);
      expect(pointersOf(unknown)).toContain('/scopes');
    });

    it('refuses a wrong secret or an unknown client id with 401', async () => {
      const wrong = expectProblem(await token({ clientId: client.clientId, clientSecret: `gms_${'x'.repeat(43)}` }), 401);
      const unknown = expectProblem(await token({ clientId: 'gmc_doesnotexist', clientSecret: client.clientSecret }), 401);
      expect(wrong.detail).toBe(unknown.detail);
    });

    it('rotating the secret invalidates the old secret and every token issued with it', async () => {
      const old = await token({ clientId: client.clientId, clientSecret: client.clientSecret });
      expect((await me(old.body.accessToken)).status).toBe(200);
      const rotated = await t.http.post(`/v1/clients/${client.id}/rotate-secret`).set(bearer(tenant.admin.token));
      expect(rotated.status).toBe(200);
      expect(rotated.body.clientSecret).toMatch(/^gms_/);
      expect(rotated.body.clientSecret).not.toBe(client.clientSecret);

      await expect401(old.body.accessToken);
      expectProblem(await token({ clientId: client.clientId, clientSecret: client.clientSecret }), 401);
      const fresh = await token({ clientId: client.clientId, clientSecret: rotated.body.clientSecret });
      expect(fresh.status).toBe(200);
      expect((await me(fresh.body.accessToken)).status).toBe(200);
      client = { ...client, clientSecret: rotated.body.clientSecret };
    });

    it('a deactivated client loses its tokens and cannot get new ones', async () => {
      const live = await token({ clientId: client.clientId, clientSecret: client.clientSecret });
      expect(live.status).toBe(200);
      const off = await t.http.post(`/v1/clients/${client.id}/deactivate`).set(bearer(tenant.admin.token));
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
      await expect401(live.body.accessToken);
      const problem = expectProblem(await token({ clientId: client.clientId, clientSecret: client.clientSecret }), 401);
      expect(problem.detail).toBe('Invalid client id or secret');
    });
  });

  describe('/v1/auth/me', () => {
    it('describes the operator', async () => {
      const res = await me(operator.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        kind: 'operator',
        subjectId: claimsOf(operator.token).sub,
        role: 'operator',
        scopes: [],
        permissions: permissionsFor('operator'),
      });
      expect(res.body.permissions).toEqual(expect.arrayContaining(['self.read', 'tenants.create', 'tenants.read']));
      expect(res.body.permissions).not.toContain('units.read');
    });

    it('describes a tenant admin and an auditor', async () => {
      const admin = await me(tenant.admin.token);
      expect(admin.body).toEqual({
        kind: 'user',
        subjectId: claimsOf(tenant.admin.token).sub,
        tenantId: tenant.id,
        unitId: tenant.rootUnitId,
        role: 'tenant_admin',
        scopes: [],
        permissions: permissionsFor('tenant_admin'),
      });
      expect(admin.body.permissions).toEqual(expect.arrayContaining(['clients.write', 'units.write', 'users.write']));
      expect(admin.body.permissions).not.toContain('tenants.create');
      const auditor = await createUser(t, tenant, { username: 'me-auditor', role: 'auditor', unitId: ids['zz-wxb'] });
      const res = await me(auditor.session.token);
      expect(res.body).toEqual({
        kind: 'user',
        subjectId: auditor.id,
        tenantId: tenant.id,
        unitId: ids['zz-wxb'],
        role: 'auditor',
        scopes: [],
        permissions: permissionsFor('auditor'),
      });
      expect(res.body.permissions).toEqual(expect.arrayContaining(['units.read', 'users.read']));
      expect(res.body.permissions).not.toContain('units.write');
    });
  });

  describe('when the database cannot answer', () => {
    let tight: TestApp;
    beforeAll(async () => {
      tight = await startTestApp({ DB_POOL_SIZE: '1' });
    });
    afterAll(async () => {
      await tight.close();
      // The first app outlives the second.
      expect((await me(tenant.admin.token)).status).toBe(200);
    });

    it('each of two apps in one process checks sessions against its own database', async () => {
      const own = await loginOperator(tight);
      expect((await tight.http.get('/v1/auth/me').set(bearer(own.token))).status).toBe(200);
      expect((await me(operator.token)).status).toBe(200);
      // Same signing keys, different databases: a session of one is unknown to the other.
      expectProblem(await me(own.token), 401);
      expectProblem(await tight.http.get('/v1/auth/me').set(bearer(operator.token)), 401);
    });

    it('a valid token is answered 503 (retry), not 401, while the session cannot be looked up', async () => {
      const session = await loginOperator(tight);
      const { Client } = await import('pg');
      const locker = new Client({ connectionString: tight.db.ownerUrl });
      await locker.connect();
      try {
        // Hold the only pooled connection: a request blocked on a lock the session lookup needs.
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE');
        const blocked = tight.http
          .get('/v1/auth/me')
          .set(bearer(session.token))
          .then((res) => res);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const res = await tight.http.get('/v1/auth/me').set(bearer(session.token));
        const problem = expectProblem(res, 503);
        expect(problem.code).toBe('database_unavailable');
        expect(res.headers['retry-after']).toBeDefined();
        await locker.query('ROLLBACK');
        expect((await blocked).status).toBe(200);
      } finally {
        await locker.end();
      }
      expect((await tight.http.get('/v1/auth/me').set(bearer(session.token))).status).toBe(200);
    });
  });

  describe('supervising offices', () => {
    it('an auditor of cs-wxb acts on the whole of city cs and sees nothing of zz', async () => {
      const auditor = await createUser(t, tenant, { username: 'cs-auditor', role: 'auditor', unitId: ids['cs-wxb'] });
      const units = await listAllUnits(t, auditor.session.token);
      expect(units.map((u) => u.code).sort()).toEqual(['cs', 'cs-wxb', 'tx', 'tx-gaj']);

      const own = await t.http.get(`/v1/units/${ids['tx-gaj']}`).set(bearer(auditor.session.token));
      expect(own.status).toBe(200);
      expectProblem(await t.http.get(`/v1/units/${ids['zz']}`).set(bearer(auditor.session.token)), 404);
      expectProblem(await t.http.get(`/v1/units/${ids['hd-gaj']}`).set(bearer(auditor.session.token)), 404);
      expectProblem(await t.http.get(`/v1/units/${tenant.rootUnitId}`).set(bearer(auditor.session.token)), 404);
      expectProblem(await t.http.get('/v1/units').query({ under: ids['zz'] }).set(bearer(auditor.session.token)), 404);

      // An auditor only reads.
      expectProblem(
        await t.http
          .post('/v1/units')
          .set(bearer(auditor.session.token))
          .send({ parentId: ids['tx'], name: '天心区文旅局', level: 'bureau' }),
        403,
      );
    });

    it('refuses to bind an auditor to a unit that is not a supervising office', async () => {
      const res = await t.http
        .post('/v1/users')
        .set(bearer(tenant.admin.token))
        .send({ username: 'bad-auditor', displayName: 'x', password: 'user-password-123', role: 'auditor', unitId: ids['tx-gaj'] });
      expect(pointersOf(expectProblem(res, 422))).toEqual(['/unitId']);
    });
  });
});
