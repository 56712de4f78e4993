import { GovMatrixNetworkError } from './errors';
import { backoffDelay, fetchWithRetry, parseRetryAfter, resolveRetryOptions, retryDelayAfter, RetryOptions } from './retry';
import { fakeFetch, json, networkError, recordingSleep } from './testing/fake-fetch';

const ok = (): Response => json(200, { ok: true });

function options(overrides: Partial<RetryOptions> = {}): { options: RetryOptions; waits: number[] } {
  const { sleep, waits } = recordingSleep();
  return { options: resolveRetryOptions({ sleep, random: () => 0.5, now: () => Date.parse('2025-03-01T00:00:00Z'), ...overrides }), waits };
}

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T00:00:00Z');

  it('reads delta-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Sat, 01 Mar 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Fri, 28 Feb 2025 23:00:00 GMT', now)).toBe(0);
  });

  it('ignores an absent or unreadable header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles per retry, within [step/2, step], capped', () => {
    const base = { baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { ...base, random: () => 0 }))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { ...base, random: () => 0.999999 }))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('spreads clients that failed together (jitter)', () => {
    const delays = new Set(
      Array.from({ length: 20 }, () => backoffDelay(3, { baseDelayMs: 100, maxDelayMs: 10_000, random: Math.random })),
    );
    expect(delays.size).toBeGreaterThan(1);
  });
});

describe('retryDelayAfter', () => {
  it('honours Retry-After as a minimum and refuses one beyond the cap', () => {
    const { options: o } = options({ baseDelayMs: 100, maxRetryAfterMs: 10_000 });
    expect(retryDelayAfter(json(429, {}, { 'retry-after': '2' }), 1, o)).toBe(2000);
    expect(retryDelayAfter(json(503, {}), 1, o)).toBe(75);
    expect(retryDelayAfter(json(503, {}, { 'retry-after': '0' }), 3, o)).toBe(300);
    expect(retryDelayAfter(json(429, {}, { 'retry-after': '11' }), 1, o)).toBeUndefined();
    expect(retryDelayAfter(json(500, {}), 1, o)).toBeUndefined();
    expect(retryDelayAfter(json(404, {}), 1, o)).toBeUndefined();
  });
});

describe('fetchWithRetry', () => {
  it('retries 429 and 503 with growing waits, honouring Retry-After, then answers', async () => {
    const statuses = [429, 503, 503];
    const fake = fakeFetch((_req, n) => (n <= statuses.length ? json(statuses[n - 1], {}, n === 1 ? { 'retry-after': '5' } : {}) : ok()));
    const { options: o, waits } = options({ baseDelayMs: 100, maxDelayMs: 10_000 });
    const response = await fetchWithRetry(fake.fetch, new Request('http://api.test/v1/units'), o);
    expect(response.status).toBe(200);
    expect(fake.calls).toHaveLength(4);
    expect(waits).toEqual([5000, 150, 300]);
  });

  it('stops after maxAttempts and returns the last answer', async () => {
    const fake = fakeFetch(() => json(503, { title: 'Service Unavailable' }));
    const { options: o, waits } = options({ maxAttempts: 3 });
    const response = await fetchWithRetry(fake.fetch, new Request('http://api.test/v1/units'), o);
    expect(response.status).toBe(503);
    expect(fake.calls).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('does not retry other errors', async () => {
    for (const status of [400, 401, 403, 404, 409, 422, 500]) {
      const fake = fakeFetch(() => json(status, {}));
      const response = await fetchWithRetry(fake.fetch, new Request('http://api.test/v1/units'), options().options);
      expect(response.status).toBe(status);
      expect(fake.calls).toHaveLength(1);
    }
  });

  it('does not wait out a Retry-After beyond maxRetryAfterMs', async () => {
    const fake = fakeFetch(() => json(429, {}, { 'retry-after': '3600' }));
    const { options: o, waits } = options();
    const response = await fetchWithRetry(fake.fetch, new Request('http://api.test/v1/units'), o);
    expect(response.status).toBe(429);
    expect(fake.calls).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('retries network errors of idempotent requests and resends the same body and headers', async () => {
    let n = 0;
    const seen: { key: string | null; body: string }[] = [];
    const fetch = async (request: Request): Promise<Response> => {
      seen.push({ key: request.headers.get('idempotency-key'), body: await request.text() });
      if (++n < 3) throw networkError();
      return ok();
    };
    const request = new Request('http://api.test/v1/reports', {
      method: 'POST',
      headers: { 'Idempotency-Key': 'k-1', 'content-type': 'application/json' },
      body: JSON.stringify({ rows: [1, 2, 3] }),
    });
    const { options: o, waits } = options();
    const response = await fetchWithRetry(fetch, request, o);
    expect(response.status).toBe(200);
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ key: 'k-1', body: '{"rows":[1,2,3]}' })));
    expect(waits).toHaveLength(2);
  });

  it('does not resend a POST without an Idempotency-Key after a network error', async () => {
    const fake = fakeFetch(() => {
      throw networkError();
    });
    const request = new Request('http://api.test/v1/units', { method: 'POST', body: '{}' });
    const error = await fetchWithRetry(fake.fetch, request, options().options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GovMatrixNetworkError);
    expect((error as GovMatrixNetworkError).attempts).toBe(1);
    expect((error as Error).message).toMatch(/not idempotent/);
    expect(fake.calls).toHaveLength(1);
  });

  it('throws a GovMatrixNetworkError with the cause once attempts run out', async () => {
    const fake = fakeFetch(() => {
      throw networkError();
    });
    const error = await fetchWithRetry(fake.fetch, new Request('http://api.test/v1/units'), options({ maxAttempts: 2 }).options).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GovMatrixNetworkError);
    expect((error as GovMatrixNetworkError).attempts).toBe(2);
    expect((error as Error).message).toMatch(/GET http:\/\/api.test\/v1\/units failed after 2 attempts: fetch failed \(ECONNRESET\)/);
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });

  it('does not retry an aborted request', async () => {
    const controller = new AbortController();
    const fake = fakeFetch(() => {
      controller.abort();
      throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    });
    const request = new Request('http://api.test/v1/units', { signal: controller.signal });
    await expect(fetchWithRetry(fake.fetch, request, options().options)).rejects.toMatchObject({ name: 'AbortError' });
    expect(fake.calls).toHaveLength(1);
  });

  it('validates its options', () => {
    expect(() => resolveRetryOptions({ maxAttempts: 0 })).toThrow(RangeError);
    expect(resolveRetryOptions({ maxAttempts: undefined }).maxAttempts).toBe(4);
  });
});
