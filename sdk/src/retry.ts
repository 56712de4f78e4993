import { GovMatrixNetworkError } from './errors';

/** The shape of `fetch` the SDK calls: always with a `Request`. */
export type FetchLike = (request: Request) => Promise<Response>;

export interface RetryInfo {
  /** The attempt that just failed, 1 for the first. */
  attempt: number;
  /** How long the SDK waits before the next attempt. */
  delayMs: number;
  request: Request;
  /** The status that caused the retry, or undefined for a network error. */
  status?: number;
  error?: unknown;
}

export interface RetryOptions {
  /** Attempts in all, the first included (1 turns retries off). Default 4. */
  maxAttempts: number;
  /** The first backoff step; it doubles on each retry. Default 250 ms. */
  baseDelayMs: number;
  /** The largest backoff step. Default 8,000 ms. */
  maxDelayMs: number;
  /**
   * The longest `Retry-After` the SDK waits for. A longer one is not waited out: the response is
   * returned (and surfaces as a `GovMatrixApiError` with status 429 or 503). Default 60,000 ms.
   */
  maxRetryAfterMs: number;
  /** Statuses that are retried. Default 429 and 503. */
  retryOnStatus: readonly number[];
  /**
   * Retry network errors of non-idempotent requests (POST, PATCH) without an `Idempotency-Key`? The
   * server may have applied the request before the connection broke. Default false.
   */
  retryUnsafeNetworkErrors: boolean;
  /** Waits; replace it in tests. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** A number in [0, 1) for the jitter; replace it in tests. */
  random: () => number;
  /** The clock used to read `Retry-After` dates. */
  now: () => number;
  /** Called before each wait, e.g. to log. */
  onRetry?: (info: RetryInfo) => void;
}

export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** Sleeps `ms`, or rejects at once with the signal's reason when it aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export const DEFAULT_RETRY_OPTIONS: Readonly<RetryOptions> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
  retryOnStatus: Object.freeze([429, 503]),
  retryUnsafeNetworkErrors: false,
  sleep: defaultSleep,
  random: Math.random,
  now: Date.now,
});

export function resolveRetryOptions(options: Partial<RetryOptions> = {}): RetryOptions {
  const resolved: RetryOptions = { ...DEFAULT_RETRY_OPTIONS };
  for (const [key, value] of Object.entries(options) as [keyof RetryOptions, unknown][]) {
    if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  }
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) {
    throw new RangeError(`retry.maxAttempts must be a positive integer, got ${resolved.maxAttempts}`);
  }
  if (resolved.baseDelayMs < 0 || resolved.maxDelayMs < 0 || resolved.maxRetryAfterMs < 0) {
    throw new RangeError('retry delays must not be negative');
  }
  return resolved;
}

/**
 * `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). Undefined when the
 * header is absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP date names its day and month ("Sat, 01 Mar 2025 00:00:05 GMT"); anything else is unreadable.
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * Exponential backoff with "equal jitter": the n-th retry (1-based) waits between half and all of
 * `min(maxDelayMs, baseDelayMs * 2^(n-1))`, so waits grow and clients that failed together spread out.
 */
export function backoffDelay(retry: number, options: Pick<RetryOptions, 'baseDelayMs' | 'maxDelayMs' | 'random'>): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + options.random() * (step / 2));
}

/**
 * How long to wait before retrying after `response`, or undefined when it must not be retried: the
 * backoff, but never less than the server's `Retry-After`; a `Retry-After` beyond `maxRetryAfterMs` is
 * not waited out.
 */
export function retryDelayAfter(response: Response, retry: number, options: RetryOptions): number | undefined {
  if (!options.retryOnStatus.includes(response.status)) return undefined;
  const backoff = backoffDelay(retry, options);
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'), options.now());
  if (retryAfter === undefined) return backoff;
  if (retryAfter > options.maxRetryAfterMs) return undefined;
  return Math.max(retryAfter, backoff);
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/** May the request be sent again after the connection broke mid-way? Idempotent methods, or an `Idempotency-Key`. */
export function isSafeToResend(request: Request): boolean {
  return IDEMPOTENT_METHODS.has(request.method.toUpperCase()) || request.headers.has(IDEMPOTENCY_KEY_HEADER);
}

const isAbort = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError') ? true : false;

/** "fetch failed (ECONNREFUSED)": undici hides the reason in `cause`. */
function describeNetworkError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? (error.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
  const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return reason && !message.includes(reason) ? `${message} (${reason})` : message;
}

/** Frees an unread response body (and its connection). */
export async function discard(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // nothing to free
  }
}

/**
 * Sends `request` with `fetchImpl`, retrying 429/503 answers and network errors with backoff. Every
 * attempt sends a clone of the same request, so its headers (the `Idempotency-Key` in particular) and body
 * are identical. Returns the last response (which may still be a 429/503 once attempts run out); throws
 * `GovMatrixNetworkError` when the last attempt failed to connect.
 */
export async function fetchWithRetry(fetchImpl: FetchLike, request: Request, options: RetryOptions): Promise<Response> {
  const resendable = options.retryUnsafeNetworkErrors || isSafeToResend(request);
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= options.maxAttempts;
    let response: Response;
    try {
      response = await fetchImpl(request.clone());
    } catch (error) {
      if (isAbort(error) || request.signal?.aborted) throw error;
      if (last || !resendable) {
        const tries = attempt === 1 ? '1 attempt' : `${attempt} attempts`;
        const why = resendable ? '' : ' (not retried: the request is not idempotent and has no Idempotency-Key)';
        throw new GovMatrixNetworkError(
          `${request.method} ${request.url} failed after ${tries}: ${describeNetworkError(error)}${why}`,
          attempt,
          request.method,
          request.url,
          { cause: error },
        );
      }
      const delayMs = backoffDelay(attempt, options);
      options.onRetry?.({ attempt, delayMs, request, error });
      await options.sleep(delayMs, request.signal);
      continue;
    }
    if (last) return response;
    const delayMs = retryDelayAfter(response, attempt, options);
    if (delayMs === undefined) return response;
    await discard(response);
    options.onRetry?.({ attempt, delayMs, request, status: response.status });
    await options.sleep(delayMs, request.signal);
  }
}

/** Wraps a fetch so that every call goes through `fetchWithRetry`. */
export function withRetry(fetchImpl: FetchLike, options: Partial<RetryOptions> = {}): FetchLike {
  const resolved = resolveRetryOptions(options);
  return (request) => fetchWithRetry(fetchImpl, request, resolved);
}
