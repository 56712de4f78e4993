import { createGovMatrixClient } from './client';
import { GovMatrixApiError } from './errors';
import { type MetricRow, remapPointer } from './reports';
import { fakeFetch, json, networkError, problem, type RecordedRequest, recordingSleep } from './testing/fake-fetch';

const ACCOUNT = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const day = (n: number): string => `2025-03-${String(n + 1).padStart(2, '0')}`;
/** Rows whose `posts` is negative are "bad": the fake server refuses them, like the API refuses a bad row. */
const metrics = (n: number, bad: number[] = []): MetricRow[] =>
  Array.from({ length: n }, (_, i) => ({ accountId: ACCOUNT, day: day(i), posts: bad.includes(i) ? -1 : i }));

type Rows = { rows: { posts?: number }[] };

/** Answers a report batch the way the API does: per-row errors with indexes into the batch. */
function answerBatch(req: RecordedRequest, replayed = false): Response {
  const { rows } = req.body as Rows;
  const errors = rows.flatMap((row, index) =>
    (row.posts ?? 0) < 0
      ? [{ index, pointer: `/rows/${index}/posts`, field: 'posts', reason: 'must be an integer between 0 and 2147483647' }]
      : [],
  );
  if (errors.length > 0 && req.path.includes('atomic=true')) {
    return json(422, {
      type: 'https://govmatrix.dev/problems/validation-failed',
      title: 'Unprocessable Content',
      status: 422,
      code: 'validation_failed',
      detail: `${errors.length} of ${rows.length} rows are invalid; nothing was written`,
      errors,
    });
  }
  const accepted = rows.length - errors.length;
  return json(
    200,
    { received: rows.length, accepted, rejected: errors.length, inserted: accepted, updated: 0, unchanged: 0, errors },
    replayed ? { 'idempotency-replayed': 'true' } : {},
  );
}

function setup(handler: (req: RecordedRequest, reportCall: number) => Response | Promise<Response>) {
  let reportCalls = 0;
  const fake = fakeFetch((req) => {
    if (req.path === '/v1/auth/token') return json(200, { accessToken: 'tok', tokenType: 'Bearer', expiresIn: 900 });
    return handler(req, ++reportCalls);
  });
  const { sleep, waits } = recordingSleep();
  const gm = createGovMatrixClient({
    baseUrl: 'http://api.test',
    auth: { kind: 'client', clientId: 'gmc_portal', clientSecret: 'gms_secret-1234', scopes: ['report:metrics'] },
    fetch: fake.fetch,
    retry: { sleep, random: () => 0 },
  });
  const reports = (): RecordedRequest[] => fake.calls.filter((c) => c.path.startsWith('/v1/reports/'));
  return { gm, reports, waits };
}

describe('remapPointer', () => {
  it("re-roots a batch row's pointer at the row's place in the whole array", () => {
    expect(remapPointer('/rows/3/posts', 5000)).toBe('/rows/5003/posts');
    expect(remapPointer('/rows/0', 10)).toBe('/rows/10');
    expect(remapPointer('/rows', 10)).toBe('/rows');
    expect(remapPointer('/rows/12x', 10)).toBe('/rows/12x');
  });
});

describe('reportMetrics', () => {
  it('splits into batches with a key each and maps every bad row back to its index in the whole array', async () => {
    const { gm, reports } = setup((req) => answerBatch(req));
    const summary = await gm.reportMetrics(metrics(12, [1, 7, 11]), { batchSize: 5 });

    const sent = reports();
    expect(sent.map((c) => `${c.method} ${c.path}`)).toEqual(Array(3).fill('POST /v1/reports/metrics'));
    expect(sent.map((c) => (c.body as Rows).rows.length)).toEqual([5, 5, 2]);
    const keys = sent.map((c) => c.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(3);
    expect(summary.batches.map((b) => b.idempotencyKey)).toEqual(keys);

    expect(summary).toMatchObject({
      received: 12,
      answered: 12,
      accepted: 9,
      rejected: 3,
      inserted: 9,
      updated: 0,
      unchanged: 0,
      replayed: 0,
    });
    expect(summary.failed).toEqual([]);
    expect(summary.errors).toEqual([
      { index: 1, pointer: '/rows/1/posts', field: 'posts', reason: expect.any(String), batch: 0, batchRefused: false },
      { index: 7, pointer: '/rows/7/posts', field: 'posts', reason: expect.any(String), batch: 1, batchRefused: false },
      { index: 11, pointer: '/rows/11/posts', field: 'posts', reason: expect.any(String), batch: 2, batchRefused: false },
    ]);
    // The mapped index points at the offending row of the caller's array.
    const rows = metrics(12, [1, 7, 11]);
    expect(summary.errors.map((e) => rows[e.index].posts)).toEqual([-1, -1, -1]);
  });

  it('defaults to API-sized batches of 5,000 and refuses a larger batch size before sending anything', async () => {
    const { gm, reports } = setup((req) => answerBatch(req));
    const summary = await gm.reportMetrics(metrics(12_001).map((r, i) => ({ ...r, posts: i % 7 })));
    expect(reports().map((c) => (c.body as Rows).rows.length)).toEqual([5000, 5000, 2001]);
    expect(summary).toMatchObject({ received: 12_001, accepted: 12_001, errors: [] });
    await expect(gm.reportMetrics(metrics(3), { batchSize: 5001 })).rejects.toThrow(RangeError);
    await expect(gm.reportFilings([], { batchSize: 501 })).rejects.toThrow(RangeError);
  });

  it('resends a batch after a network error with the same key and counts a replayed answer once', async () => {
    const { gm, reports } = setup((req, n) => {
      if (n === 2) throw networkError(); // batch 1, first attempt: the connection breaks…
      return answerBatch(req, n === 3); // …its retry finds the batch applied: the first answer, replayed
    });
    const summary = await gm.reportMetrics(metrics(6), { batchSize: 3 });
    const keys = reports().map((c) => c.headers['idempotency-key']);
    expect(keys).toHaveLength(3);
    expect(keys[1]).toBe(keys[2]);
    expect(keys[0]).not.toBe(keys[1]);
    expect(reports()[1].body).toEqual(reports()[2].body);
    expect(summary).toMatchObject({ received: 6, answered: 6, accepted: 6, inserted: 6, replayed: 1, failed: [] });
    expect(summary.batches.map((b) => b.status === 'fulfilled' && b.value.replayed)).toEqual([false, true]);
  });

  it('with atomic, names the bad rows of a batch refused as a whole and counts nothing of it as written', async () => {
    const { gm, reports } = setup((req) => answerBatch(req));
    const summary = await gm.reportMetrics(metrics(8, [6]), { batchSize: 4, atomic: true });
    expect(reports().map((c) => c.path)).toEqual(['/v1/reports/metrics?atomic=true', '/v1/reports/metrics?atomic=true']);
    expect(summary).toMatchObject({ received: 8, answered: 4, accepted: 4, inserted: 4, rejected: 1 });
    expect(summary.errors).toEqual([
      { index: 6, pointer: '/rows/6/posts', field: 'posts', reason: expect.any(String), batch: 1, batchRefused: true },
    ]);
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]).toMatchObject({ index: 1, offset: 4, size: 4, status: 'rejected' });
    const error = (summary.failed[0] as { error: unknown }).error;
    expect(error).toBeInstanceOf(GovMatrixApiError);
    expect(error).toMatchObject({ status: 422, code: 'validation_failed' });
  });

  it('resends a batch answered 409 request_in_progress with the same key, after a wait', async () => {
    const { gm, reports, waits } = setup((req, n) =>
      n === 1
        ? problem(409, 'Conflict', 'A request with this Idempotency-Key is still being processed', { code: 'request_in_progress' })
        : answerBatch(req),
    );
    const summary = await gm.reportMetrics(metrics(2));
    expect(reports()).toHaveLength(2);
    expect(reports()[0].headers['idempotency-key']).toBe(reports()[1].headers['idempotency-key']);
    expect(waits).toEqual([500]);
    expect(summary).toMatchObject({ accepted: 2, failed: [] });
  });

  it('uses the keys the caller derives, so that re-running the whole upload is idempotent', async () => {
    const { gm, reports } = setup((req) => answerBatch(req));
    const summary = await gm.reportMetrics(metrics(5), { batchSize: 2, idempotencyKey: (_batch, i) => `portal-2025-03-b${i}` });
    expect(reports().map((c) => c.headers['idempotency-key'])).toEqual(['portal-2025-03-b0', 'portal-2025-03-b1', 'portal-2025-03-b2']);
    expect(summary.batches.map((b) => b.idempotencyKey)).toEqual(['portal-2025-03-b0', 'portal-2025-03-b1', 'portal-2025-03-b2']);
  });

  it('keeps going after a failed batch and reports it with its key for a later resend', async () => {
    const { gm } = setup((req, n) => (n === 1 ? problem(403, 'Forbidden', 'Requires the reports.write permission') : answerBatch(req)));
    const summary = await gm.reportMetrics(metrics(4), { batchSize: 2 });
    expect(summary).toMatchObject({ received: 4, answered: 2, accepted: 2 });
    expect(summary.failed.map((b) => [b.index, b.offset, b.status])).toEqual([[0, 0, 'rejected']]);
    expect(summary.failed[0].idempotencyKey).toBe(summary.batches[0].idempotencyKey);
  });
});

describe('reportFilings and the other reports', () => {
  it('maps the filings created back to the rows of the caller', async () => {
    const { gm, reports } = setup((req) => {
      const { rows } = req.body as { rows: { accountId: string }[] };
      const filings = rows.map((_, index) => ({ index, filingId: `f-${rows[index].accountId}` })).filter((_, i) => i !== 1);
      const errors = [{ index: 1, pointer: '/rows/1/details/decisionDate', field: 'decisionDate', reason: 'must be a date' }];
      return json(200, {
        received: rows.length,
        accepted: filings.length,
        rejected: 1,
        inserted: filings.length,
        updated: 0,
        unchanged: 0,
        errors,
        filings,
      });
    });
    const rows = Array.from({ length: 5 }, (_, i) => ({ accountId: `a${i}`, kind: 'opening' as const, details: {} }));
    const summary = await gm.reportFilings(rows, { batchSize: 3 });
    expect(reports().map((c) => c.path)).toEqual(['/v1/reports/filings', '/v1/reports/filings']);
    expect(summary.filings).toEqual([
      { index: 0, filingId: 'f-a0' },
      { index: 2, filingId: 'f-a2' },
      { index: 3, filingId: 'f-a3' },
    ]);
    expect(summary.errors.map((e) => [e.index, e.pointer])).toEqual([
      [1, '/rows/1/details/decisionDate'],
      [4, '/rows/4/details/decisionDate'],
    ]);
  });

  it('sends interactions and posts to their routes', async () => {
    const { gm, reports } = setup((req) => answerBatch(req));
    await gm.reportInteractions([{ day: day(0), sourceAccountId: ACCOUNT, targetAccountId: ACCOUNT, kind: 'repost', count: 1 }]);
    await gm.reportPosts([{ accountId: ACCOUNT, postId: 'p1', publishedAt: '2025-03-01T08:00:00+08:00' }]);
    expect(reports().map((c) => c.path)).toEqual(['/v1/reports/interactions', '/v1/reports/posts']);
    expect(reports().every((c) => typeof c.headers['idempotency-key'] === 'string')).toBe(true);
  });
});
