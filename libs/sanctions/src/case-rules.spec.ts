import { createHmac } from 'node:crypto';
import { assertCaseStep, firstNonClimbingRung, MEASURES, nextMeasure } from './case-rules';
import { chinaHourKey, parseHourKey } from './case-escalation.service';
import { retryDelayMs } from './webhook-delivery.service';
import { signPayload, verifySignature } from './webhook-signature';

describe('case rules', () => {
  it('climbs the default ladder one rung at a time and stops at forced closure', () => {
    expect(nextMeasure('order_deletion', MEASURES)).toBe('talk');
    expect(nextMeasure('warning', MEASURES)).toBe('public_notice');
    expect(nextMeasure('public_notice', MEASURES)).toBe('forced_closure');
    expect(nextMeasure('forced_closure', MEASURES)).toBeNull();
  });

  it('climbs a shorter ladder from a measure that is not on it to the next more severe rung', () => {
    expect(nextMeasure('order_deletion', ['warning', 'forced_closure'])).toBe('warning');
    expect(nextMeasure('talk', ['warning', 'forced_closure'])).toBe('warning');
    expect(nextMeasure('public_notice', ['order_deletion', 'warning'])).toBeNull();
  });

  it('accepts only ladders that climb', () => {
    expect(firstNonClimbingRung(['order_deletion', 'warning', 'forced_closure'])).toBeUndefined();
    expect(firstNonClimbingRung(['warning', 'talk'])).toBe(1);
    expect(firstNonClimbingRung(['talk', 'public_notice', 'public_notice'])).toBe(2);
  });

  it('allows each step only from its statuses and says what the case waits for otherwise', () => {
    expect(assertCaseStep('awaiting_rectification', 'rectification_submitted')).toBe('rectification_submitted');
    expect(assertCaseStep('rectification_submitted', 'accepted')).toBe('resolved');
    expect(assertCaseStep('rectification_submitted', 'returned')).toBe('awaiting_rectification');
    expect(assertCaseStep('awaiting_rectification', 'escalated')).toBe('awaiting_rectification');
    expect(() => assertCaseStep('awaiting_rectification', 'accepted')).toThrow(/waits for the unit/);
    expect(() => assertCaseStep('rectification_submitted', 'escalated')).toThrow(/waits for review/);
    expect(() => assertCaseStep('resolved', 'rectification_submitted')).toThrow(/final state/);
  });
});

describe('escalation run keys', () => {
  it('names the hour in China (UTC+8)', () => {
    expect(chinaHourKey(Date.parse('2026-11-23T06:30:00Z'))).toBe('2026-11-23T14');
    expect(chinaHourKey(Date.parse('2026-11-23T16:00:00Z'))).toBe('2026-11-24T00');
  });

  it('reads a key back as the start of that hour in China', () => {
    expect(parseHourKey('2026-10-12T00')).toEqual({ date: '2026-10-12', moment: new Date('2026-10-11T16:00:00Z') });
    expect(() => parseHourKey('2026-10-12')).toThrow();
    expect(() => parseHourKey('2026-02-30T10')).toThrow();
    expect(() => parseHourKey('2026-10-12T24')).toThrow();
  });
});

describe('webhook signatures and retries', () => {
  const secret = 'whsec_test-secret-of-at-least-32-characters';
  const body = '{"id":"x","type":"notice.created"}';

  it('signs "t.body" with HMAC-SHA256, hex', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signPayload(secret, body, 1700000000)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own signatures, and refuses another body, another secret or an old timestamp', () => {
    const now = Date.now();
    const header = signPayload(secret, body, Math.floor(now / 1000));
    expect(verifySignature(secret, body, header, 300, now)).toBe(true);
    expect(verifySignature(secret, `${body} `, header, 300, now)).toBe(false);
    expect(verifySignature(`${secret}x`, body, header, 300, now)).toBe(false);
    expect(verifySignature(secret, body, header, 300, now + 301_000)).toBe(false);
    expect(verifySignature(secret, body, 't=1,v1=zz', 300, now)).toBe(false);
  });

  it('backs off exponentially from 30 seconds, capped at 6 hours', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000]);
    expect(retryDelayMs(12)).toBe(6 * 3_600_000);
  });
});
