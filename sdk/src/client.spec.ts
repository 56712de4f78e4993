import { createGovMatrixClient, GovMatrixClientOptions, unwrap } from './client';
import { GovMatrixApiError, GovMatrixAuthError, GovMatrixNetworkError } from './errors';
import { FakeHandler, fakeFetch, json, networkError, problem, recordingSleep } from './testing/fake-fetch';

const BASE = 'http://api.test';
const ME = { kind: 'client', subjectId: 'c-1', scopes: ['read:own'], permissions: ['self.read', 'units.read'] };
const token = (accessToken: string, expiresIn = 900, refreshToken?: string): Response =>
  json(200, { accessToken, tokenType: 'Bearer', expiresIn, ...(refreshToken ? { refreshToken } : {}) });

function setup(handler: FakeHandler, options: Partial<GovMatrixClientOptions> = {}) {
  const fake = fakeFetch(handler);
  const { sleep, waits } = recordingSleep();
  const clock = { now: Date.parse('2025-03-01T08:00:00Z') };
  const gm = createGovMatrixClient({
    baseUrl: `${BASE}/`,
    auth: { kind: 'client', clientId: 'gmc_abc', clientSecret: 'gms_secret-1234' },
    fetch: fake.fetch,
    retry: { sleep, random: () => 0 },
    now: () => clock.now,
    ...options,
  });
  const paths = (): string[] => fake.calls.map((c) => `${c.method} ${c.path}`);
  return { gm, calls: fake.calls, paths, waits, clock };
}

describe('client credentials', () => {
  it('obtains a token once, caches it and sends it as a bearer token', async () => {
    let issued = 0;
    const { gm, calls, paths } = setup((req) => (req.path === '/v1/auth/token' ? token(`tok-${++issued}`) : json(200, ME)), {
      auth: { kind: 'client', clientId: 'gmc_abc', clientSecret: 'gms_secret-1234', scopes: ['read:own'] },
    });
    await expect(gm.me()).resolves.toEqual(ME);
    await gm.me();
    expect(paths()).toEqual(['POST /v1/auth/token', 'GET /v1/auth/me', 'GET /v1/auth/me']);
    expect(calls[0].body).toEqual({ clientId: 'gmc_abc', clientSecret: 'gms_secret-1234', scopes: ['read:own'] });
    expect(calls[0].headers.authorization).toBeUndefined();
    expect(calls.slice(1).map((c) => c.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1']);
  });

  it('renews the token shortly before it expires', async () => {
    let issued = 0;
    const { gm, calls, clock } = setup((req) => (req.path === '/v1/auth/token' ? token(`tok-${++issued}`, 900) : json(200, ME)));
    await gm.me();
    clock.now += 830_000; // 70 s left: still used
    await gm.me();
    clock.now += 15_000; // 55 s left: inside the 60 s margin
    await gm.me();
    expect(calls.filter((c) => c.path === '/v1/auth/me').map((c) => c.headers.authorization)).toEqual([
      'Bearer tok-1',
      'Bearer tok-1',
      'Bearer tok-2',
    ]);
  });

  it('renews once on a 401 and resends the request', async () => {
    let issued = 0;
    const { gm, paths, calls } = setup((req) => {
      if (req.path === '/v1/auth/token') return token(`tok-${++issued}`);
      return req.headers.authorization === 'Bearer tok-1' ? problem(401, 'Unauthorized', 'The token was revoked') : json(200, ME);
    });
    await expect(gm.me()).resolves.toEqual(ME);
    expect(paths()).toEqual(['POST /v1/auth/token', 'GET /v1/auth/me', 'POST /v1/auth/token', 'GET /v1/auth/me']);
    expect(calls[3].headers.authorization).toBe('Bearer tok-2');
  });

  it('does not loop when the renewed token is refused too', async () => {
    let issued = 0;
    const { gm, paths } = setup((req) =>
      req.path === '/v1/auth/token' ? token(`tok-${++issued}`) : problem(401, 'Unauthorized', 'Authentication is required'),
    );
    await expect(gm.me()).rejects.toMatchObject({ name: 'GovMatrixApiError', status: 401 });
    expect(paths()).toEqual(['POST /v1/auth/token', 'GET /v1/auth/me', 'POST /v1/auth/token', 'GET /v1/auth/me']);
  });

  it('fails clearly when the credentials are refused (e.g. a rotated secret)', async () => {
    const { gm } = setup((req) =>
      req.path === '/v1/auth/token'
        ? problem(401, 'Unauthorized', 'Invalid client id or secret', { requestId: 'req-42', code: 'unauthorized' })
        : json(200, ME),
    );
    const error = await gm.me().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GovMatrixAuthError);
    expect(error).toBeInstanceOf(GovMatrixApiError);
    expect(error).toMatchObject({ status: 401, detail: 'Invalid client id or secret', requestId: 'req-42' });
    expect((error as Error).message).toMatch(
      /Could not obtain an access token for client gmc_abc \(401 Unauthorized: Invalid client id or secret\)/,
    );
    expect((error as Error).message).toMatch(/secret was rotated/);
  });

  it('shares one token request between concurrent calls', async () => {
    let issued = 0;
    const { gm, paths } = setup(async (req) => {
      if (req.path !== '/v1/auth/token') return json(200, ME);
      await new Promise((r) => setTimeout(r, 10));
      return token(`tok-${++issued}`);
    });
    await Promise.all([gm.me(), gm.me(), gm.me()]);
    expect(paths().filter((p) => p === 'POST /v1/auth/token')).toHaveLength(1);
  });

  it('retries the token request when the server is busy', async () => {
    let n = 0;
    const { gm, waits } = setup((req) => {
      if (req.path !== '/v1/auth/token') return json(200, ME);
      return ++n === 1 ? problem(503, 'Service Unavailable', 'retry shortly', { status: 503 }) : token('tok');
    });
    await expect(gm.me()).resolves.toEqual(ME);
    expect(waits).toHaveLength(1);
  });
});

describe('user sessions', () => {
  const auth = { kind: 'user' as const, tenant: 'hunan', username: 'zhang', password: 'pw-123456789' };

  it('logs in, refreshes before expiry with the rotating refresh token, and logs in again when refresh fails', async () => {
    let logins = 0;
    let refreshes = 0;
    const { gm, calls, paths, clock } = setup(
      (req) => {
        if (req.path === '/v1/auth/login') return token(`login-${++logins}`, 900, `refresh-login-${logins}`);
        if (req.path === '/v1/auth/refresh') {
          const presented = (req.body as { refreshToken: string }).refreshToken;
          if (presented === 'refresh-r-1') return problem(401, 'Unauthorized', 'The refresh token is invalid, expired or already used');
          return token(`r-${++refreshes}`, 900, `refresh-r-${refreshes}`);
        }
        return json(200, ME);
      },
      { auth },
    );
    await gm.me();
    clock.now += 900_000;
    await gm.me();
    clock.now += 900_000;
    await gm.me();
    expect(paths()).toEqual([
      'POST /v1/auth/login',
      'GET /v1/auth/me',
      'POST /v1/auth/refresh',
      'GET /v1/auth/me',
      'POST /v1/auth/refresh',
      'POST /v1/auth/login',
      'GET /v1/auth/me',
    ]);
    expect(calls[0].body).toEqual({ tenant: 'hunan', username: 'zhang', password: 'pw-123456789' });
    expect(calls[2].body).toEqual({ refreshToken: 'refresh-login-1' });
    expect(calls[4].body).toEqual({ refreshToken: 'refresh-r-1' });
    expect(calls.filter((c) => c.path === '/v1/auth/me').map((c) => c.headers.authorization)).toEqual([
      'Bearer login-1',
      'Bearer r-1',
      'Bearer login-2',
    ]);
  });

  it('after a 401 (session ended) tries the refresh token, then logs in again', async () => {
    let logins = 0;
    const { gm, paths } = setup(
      (req) => {
        if (req.path === '/v1/auth/login') return token(`login-${++logins}`, 900, `refresh-${logins}`);
        if (req.path === '/v1/auth/refresh') return problem(401, 'Unauthorized', 'The refresh token is invalid, expired or already used');
        return req.headers.authorization === 'Bearer login-1' ? problem(401, 'Unauthorized', 'revoked') : json(200, ME);
      },
      { auth },
    );
    await expect(gm.me()).resolves.toEqual(ME);
    expect(paths()).toEqual(['POST /v1/auth/login', 'GET /v1/auth/me', 'POST /v1/auth/refresh', 'POST /v1/auth/login', 'GET /v1/auth/me']);
  });

  it('does not log in again when the refresh fails for a reason a login would not fix', async () => {
    const { gm, paths } = setup(
      (req) => {
        if (req.path === '/v1/auth/login') return token('login-1', 900, 'refresh-1');
        if (req.path === '/v1/auth/refresh') return problem(500, 'Internal Server Error', 'An unexpected error occurred');
        return req.headers.authorization === 'Bearer login-1' ? problem(401, 'Unauthorized', 'revoked') : json(200, ME);
      },
      { auth },
    );
    await expect(gm.me()).rejects.toMatchObject({ status: 500 });
    expect(paths()).toEqual(['POST /v1/auth/login', 'GET /v1/auth/me', 'POST /v1/auth/refresh']);
  });

  it('logout ends the session on the server; the next call logs in again', async () => {
    let logins = 0;
    const { gm, calls, paths } = setup(
      (req) => {
        if (req.path === '/v1/auth/login') return token(`login-${++logins}`, 900, `refresh-${logins}`);
        if (req.path === '/v1/auth/logout') return new Response(null, { status: 204 });
        return json(200, ME);
      },
      { auth },
    );
    await gm.me();
    await gm.logout();
    await gm.logout(); // nothing cached: nothing to do
    await gm.me();
    expect(paths()).toEqual(['POST /v1/auth/login', 'GET /v1/auth/me', 'POST /v1/auth/logout', 'POST /v1/auth/login', 'GET /v1/auth/me']);
    expect(calls[2].headers.authorization).toBe('Bearer login-1');
  });

  it('a refused login is a GovMatrixAuthError naming the user', async () => {
    const { gm } = setup(() => problem(401, 'Unauthorized', 'Invalid tenant, username or password'), { auth });
    await expect(gm.me()).rejects.toThrow(/Could not log in as hunan\/zhang \(401 Unauthorized: Invalid tenant, username or password\)/);
  });
});

describe('static tokens', () => {
  it('sends the token as is and surfaces a 401 without trying to renew', async () => {
    const { gm, paths, calls } = setup(() => problem(401, 'Unauthorized', 'expired'), { auth: { kind: 'token', accessToken: 'given' } });
    await expect(gm.me()).rejects.toMatchObject({ status: 401, detail: 'expired' });
    expect(paths()).toEqual(['GET /v1/auth/me']);
    expect(calls[0].headers.authorization).toBe('Bearer given');
  });
});

describe('errors', () => {
  const withToken =
    (answer: FakeHandler): FakeHandler =>
    (req, n) =>
      req.path === '/v1/auth/token' ? token('tok') : answer(req, n);

  it('carries the RFC 9457 problem details', async () => {
    const body = {
      type: 'https://govmatrix.dev/problems/validation-failed',
      title: 'Unprocessable Content',
      status: 422,
      detail: 'The request is not valid',
      instance: '/v1/units',
      requestId: 'req-1234',
      code: 'validation_failed',
      errors: [{ pointer: '/name', reason: 'must not be empty' }],
    };
    const { gm } = setup(withToken(() => json(422, body)));
    const error = (await gm.listUnits({ q: 'x' }).catch((e: unknown) => e)) as GovMatrixApiError;
    expect(error).toBeInstanceOf(GovMatrixApiError);
    expect(error).toMatchObject({
      status: 422,
      type: body.type,
      title: body.title,
      detail: body.detail,
      instance: '/v1/units',
      code: 'validation_failed',
      requestId: 'req-1234',
      errors: body.errors,
      method: 'GET',
      url: `${BASE}/v1/units?q=x`,
    });
    expect(error.problem).toEqual(body);
    expect(error.message).toBe('422 Unprocessable Content: The request is not valid (GET http://api.test/v1/units?q=x) [request req-1234]');
  });

  it('synthesises problem details from a response that has none', async () => {
    const { gm } = setup(
      withToken(() => new Response('<html>Bad Gateway</html>', { status: 502, headers: { 'x-request-id': 'req-proxy' } })),
    );
    await expect(gm.me()).rejects.toMatchObject({
      status: 502,
      type: 'about:blank',
      title: 'Bad Gateway',
      detail: '<html>Bad Gateway</html>',
      requestId: 'req-proxy',
      errors: [],
    });
  });

  it('surfaces an exhausted 429 with its problem details', async () => {
    const { gm, calls } = setup(
      withToken(() => problem(429, 'Too Many Requests', 'slow down', { status: 429 })),
      {
        retry: { maxAttempts: 3, sleep: async () => undefined },
      },
    );
    await expect(gm.me()).rejects.toMatchObject({ status: 429, detail: 'slow down' });
    expect(calls.filter((c) => c.path === '/v1/auth/me')).toHaveLength(3);
  });

  it('a connection that keeps failing is a GovMatrixNetworkError', async () => {
    const { gm, calls } = setup(
      withToken(() => {
        throw networkError();
      }),
      { retry: { maxAttempts: 3, sleep: async () => undefined } },
    );
    await expect(gm.me()).rejects.toBeInstanceOf(GovMatrixNetworkError);
    expect(calls.filter((c) => c.path === '/v1/auth/me')).toHaveLength(3);
  });

  it('unwrap gives the data of raw api calls or throws the problem', async () => {
    const { gm } = setup(
      withToken((req) =>
        req.path.startsWith('/v1/units/u-1') ? json(200, { id: 'u-1' }) : problem(404, 'Not Found', 'Unit u-2 was not found'),
      ),
    );
    await expect(unwrap(gm.api.GET('/v1/units/{id}', { params: { path: { id: 'u-1' } } }))).resolves.toEqual({ id: 'u-1' });
    await expect(unwrap(gm.api.GET('/v1/units/{id}', { params: { path: { id: 'u-2' } } }))).rejects.toMatchObject({
      status: 404,
      method: 'GET',
      url: `${BASE}/v1/units/u-2`,
    });
  });
});

describe('units', () => {
  it('listAllUnits follows nextCursor with the filters and page size', async () => {
    const pages: Record<string, { items: { id: string }[]; nextCursor?: string }> = {
      '': { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' },
      c1: { items: [{ id: 'c' }, { id: 'd' }], nextCursor: 'c2' },
      c2: { items: [{ id: 'e' }] },
    };
    const { gm, calls } = setup((req) => {
      if (req.path === '/v1/auth/token') return token('tok');
      const cursor = new URL(req.url).searchParams.get('cursor') ?? '';
      return json(200, pages[cursor]);
    });
    const units = await gm.listAllUnits({ level: 'bureau', pageSize: 2 });
    expect(units.map((u) => u.id)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(calls.slice(1).map((c) => c.path)).toEqual([
      '/v1/units?level=bureau&limit=2',
      '/v1/units?level=bureau&limit=2&cursor=c1',
      '/v1/units?level=bureau&limit=2&cursor=c2',
    ]);
  });

  it('stops when paging does not advance', async () => {
    const { gm } = setup((req) => (req.path === '/v1/auth/token' ? token('tok') : json(200, { items: [], nextCursor: 'same' })));
    await expect(gm.listAllUnits()).rejects.toThrow(/did not advance/);
  });
});
