import type { Response } from 'supertest';
import { bearer, clientLogin, createClient, createTenant, expectProblem, loginOperator } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/test-app';

describe('rate limiting', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '30', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(() => t.close());

  it('answers 429 with Retry-After once an address has used its anonymous budget (password guessing)', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const res = await t.http.post('/v1/auth/login').send({ username: 'operator', password: `wrong-${i}` });
      answers.push(res.status);
      if (res.status === 429) {
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
        expect(res.body).toMatchObject({ status: 429, code: 'rate_limited' });
      }
    }
    expect(answers.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(answers.slice(5)).toEqual([429, 429, 429]);
  });

  it('limits each authenticated caller on its own budget', async () => {
    const t2 = await startTestApp({ RATE_LIMIT_PER_MINUTE: '30', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '100' });
    try {
      const operator = await loginOperator(t2);
      const tenant = await createTenant(t2, operator);
      const statuses: number[] = [];
      for (let i = 0; i < 35; i += 1) statuses.push((await t2.http.get('/v1/auth/me').set(bearer(tenant.admin.token))).status);
      const firstRefused = statuses.indexOf(429);
      expect(firstRefused).toBeGreaterThanOrEqual(29);
      expect(statuses.slice(0, firstRefused).every((s) => s === 200)).toBe(true);
      // Another caller still has its whole budget.
      expect((await t2.http.get('/v1/auth/me').set(bearer(operator.token))).status).toBe(200);
    } finally {
      await t2.close();
    }
  });

  it('limits each machine client on its own budget, apart from the users of its tenant, with Retry-After', async () => {
    const t3 = await startTestApp({ RATE_LIMIT_PER_MINUTE: '30', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '100' });
    try {
      const tenant = await createTenant(t3, await loginOperator(t3));
      const [portalA, portalB] = await Promise.all(
        ['portal-a', 'portal-b'].map(async (name) =>
          clientLogin(t3, await createClient(t3, tenant, { name, unitId: tenant.rootUnitId, scopes: ['read:own'] })),
        ),
      );
      const statuses: number[] = [];
      let refused: Response | undefined;
      for (let i = 0; i < 35; i += 1) {
        const res = await t3.http.get('/v1/auth/me').set(bearer(portalA.token));
        statuses.push(res.status);
        if (res.status === 429) refused = res;
      }
      const firstRefused = statuses.indexOf(429);
      expect(firstRefused).toBeGreaterThanOrEqual(29);
      expect(statuses.slice(0, firstRefused).every((s) => s === 200)).toBe(true);
      // At 30 a minute a token comes back every 2 s: the answer says how long to wait for it.
      expect(refused!.headers['retry-after']).toMatch(/^[12]$/);
      expect(expectProblem(refused!, 429).code).toBe('rate_limited');
      // The other portal and the tenant's admin are untouched by the first portal's burst.
      expect((await t3.http.get('/v1/auth/me').set(bearer(portalB.token))).status).toBe(200);
      expect((await t3.http.get('/v1/auth/me').set(bearer(tenant.admin.token))).status).toBe(200);
    } finally {
      await t3.close();
    }
  });
});
