import { DEFAULT_BATCH_SIZE, failedBatches, sendInBatches, splitIntoBatches } from './batching';
import { createGovMatrixClient, unwrap } from './client';
import { fakeFetch, json, networkError, recordingSleep } from './testing/fake-fetch';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('splitIntoBatches', () => {
  it('splits into consecutive slices of at most the batch size', () => {
    expect(splitIntoBatches(range(7), 3)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(splitIntoBatches(range(6), 3)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    expect(splitIntoBatches([], 3)).toEqual([]);
    expect(splitIntoBatches(range(12_001)).map((b) => b.length)).toEqual([DEFAULT_BATCH_SIZE, DEFAULT_BATCH_SIZE, 2001]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => splitIntoBatches([1], 0)).toThrow(RangeError);
    expect(() => splitIntoBatches([1], 2.5)).toThrow(RangeError);
  });
});

describe('sendInBatches', () => {
  it('sends API-sized batches in order with a fresh idempotency key each, and returns per-batch results', async () => {
    const seen: { items: number[]; offset: number; key: string; header: string }[] = [];
    const results = await sendInBatches(range(12_345), undefined, async (batch, ctx) => {
      seen.push({
        items: [batch[0], batch[batch.length - 1]],
        offset: ctx.offset,
        key: ctx.idempotencyKey,
        header: ctx.headers['Idempotency-Key'],
      });
      expect(ctx.count).toBe(3);
      return batch.length;
    });
    expect(seen.map((s) => s.items)).toEqual([
      [0, 4999],
      [5000, 9999],
      [10_000, 12_344],
    ]);
    expect(seen.map((s) => s.offset)).toEqual([0, 5000, 10_000]);
    seen.forEach((s) => expect(s.key).toMatch(UUID));
    seen.forEach((s) => expect(s.header).toBe(s.key));
    expect(new Set(seen.map((s) => s.key)).size).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.status))).toEqual([5000, 5000, 2345]);
    expect(results.map((r) => r.idempotencyKey)).toEqual(seen.map((s) => s.key));
  });

  it('reports a failed batch and goes on with the others', async () => {
    const boom = new Error('boom');
    const results = await sendInBatches(range(10), 4, async (batch, ctx) => {
      if (ctx.index === 1) throw boom;
      return batch;
    });
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(failedBatches(results)).toEqual([expect.objectContaining({ index: 1, offset: 4, size: 4, error: boom })]);
  });

  it('with stopOnError skips what follows a failure', async () => {
    const sent: number[] = [];
    const results = await sendInBatches(
      range(10),
      2,
      async (_batch, ctx) => {
        sent.push(ctx.index);
        if (ctx.index === 1) throw new Error('boom');
      },
      { stopOnError: true },
    );
    expect(sent).toEqual([0, 1]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'skipped', 'skipped', 'skipped']);
  });

  it('bounds concurrency and keeps results in batch order', async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await sendInBatches(
      range(20),
      2,
      async (batch) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5 + (batch[0] % 3)));
        inFlight--;
        return batch[0];
      },
      { concurrency: 3 },
    );
    expect(peak).toBe(3);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : -1))).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
  });

  it('can derive keys from the data, so that a re-run is idempotent too', async () => {
    const results = await sendInBatches(range(4), 2, async () => undefined, { idempotencyKey: (batch) => `rows-${batch.join('-')}` });
    expect(results.map((r) => r.idempotencyKey)).toEqual(['rows-0-1', 'rows-2-3']);
  });

  it('reuses the batch key on every retry of that batch through the client, and a new key for the next batch', async () => {
    const { sleep, waits } = recordingSleep();
    let posts = 0;
    const fake = fakeFetch((req) => {
      if (req.path === '/v1/auth/token') return json(200, { accessToken: 'tok', tokenType: 'Bearer', expiresIn: 900 });
      posts++;
      if (posts === 1) return json(503, { title: 'Service Unavailable', status: 503 }, { 'retry-after': '1' });
      if (posts === 2) throw networkError();
      if (posts === 3) return json(429, { title: 'Too Many Requests', status: 429 });
      return json(200, { accepted: (req.body as { rows: number[] }).rows.length });
    });
    const gm = createGovMatrixClient({
      baseUrl: 'http://api.test',
      auth: { kind: 'client', clientId: 'gmc_1', clientSecret: 'secret-123456' },
      fetch: fake.fetch,
      retry: { sleep, random: () => 0 },
    });
    // A report route that does not exist yet: the batching is generic.
    const post = gm.api.POST as unknown as (path: string, init: { body: unknown; headers: Record<string, string> }) => Promise<never>;
    const results = await sendInBatches(range(7), 5, (batch, ctx) =>
      unwrap<{ accepted: number }>(post('/v1/reports/x', { body: { rows: batch }, headers: ctx.headers })),
    );

    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : r.status))).toEqual([{ accepted: 5 }, { accepted: 2 }]);
    const reports = fake.calls.filter((c) => c.path === '/v1/reports/x');
    expect(reports).toHaveLength(5);
    const keys = reports.map((c) => c.headers['idempotency-key']);
    expect(keys.slice(0, 4).every((k) => k === results[0].idempotencyKey)).toBe(true);
    expect(keys[4]).toBe(results[1].idempotencyKey);
    expect(keys[4]).not.toBe(keys[0]);
    expect(reports.slice(0, 4).map((c) => c.body)).toEqual(Array.from({ length: 4 }, () => ({ rows: [0, 1, 2, 3, 4] })));
    expect(waits[0]).toBe(1000);
    expect(waits).toHaveLength(3);
  });
});
