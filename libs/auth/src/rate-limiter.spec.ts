import { TokenBuckets } from './rate-limiter';

describe('token buckets', () => {
  it('allows the capacity at once, then refills at capacity per minute', () => {
    let now = 0;
    const buckets = new TokenBuckets(3, () => now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')].every((v) => v.ok)).toBe(true);
    expect(buckets.take('a')).toEqual({ ok: false, retryAfterSeconds: 20 });
    expect(buckets.take('b').ok).toBe(true);
    now += 20_000; // one token back (3 per minute)
    expect(buckets.take('a').ok).toBe(true);
    expect(buckets.take('a').ok).toBe(false);
  });
});
