import { bearer, createTenant, loginOperator } from '../support/fixtures';
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
});
