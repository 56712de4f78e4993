import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Observable } from 'rxjs';
import { APP_CONFIG, AppConfig, AppError } from '@govmatrix/common';
import { AuthContext } from './auth-context';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * Token buckets per caller (in this process): `capacity` requests at once, refilled at
 * capacity per minute. Behind several replicas the effective limit is per replica — enough to stop
 * a runaway portal or a password-guessing loop, which is what it is for.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a token; answers how many seconds to wait when there is none. */
  take(key: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    const perMs = this.capacity / 60_000;
    const bucket = this.buckets.get(key) ?? { tokens: this.capacity, updatedAt: now };
    bucket.tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.updatedAt) * perMs);
    bucket.updatedAt = now;
    if (this.buckets.size > 100_000) this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      this.buckets.set(key, bucket);
      return { ok: true };
    }
    this.buckets.set(key, bucket);
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / perMs / 1000)) };
  }

  /** Full buckets carry no information: drop them. */
  private sweep(now: number): void {
    const perMs = this.capacity / 60_000;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.updatedAt) * perMs >= this.capacity) this.buckets.delete(key);
    }
  }
}

export class TooManyRequestsError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'rate_limited', 'Too Many Requests', `Too many requests; retry after ${retryAfterSeconds} s`);
  }
}

/**
 * Limits every caller: authenticated ones by their user or client, anonymous ones (login, token)
 * by address — a tighter bucket, so passwords cannot be guessed at speed. Answers 429 with
 * Retry-After.
 */
@Injectable()
export class RateLimitInterceptor implements NestInterceptor {
  private readonly callers: TokenBuckets;
  private readonly anonymous: TokenBuckets;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.callers = new TokenBuckets(config.rateLimitPerMinute);
    this.anonymous = new TokenBuckets(config.anonymousRateLimitPerMinute);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request & { user?: AuthContext }>();
    const auth = req.user;
    const verdict = auth ? this.callers.take(`${auth.kind}:${auth.subjectId}`) : this.anonymous.take(`ip:${req.ip}`);
    if (!verdict.ok) {
      context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(verdict.retryAfterSeconds));
      throw new TooManyRequestsError(verdict.retryAfterSeconds);
    }
    return next.handle();
  }
}
