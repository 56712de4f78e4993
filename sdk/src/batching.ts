import { IDEMPOTENCY_KEY_HEADER } from './retry';

/** The largest batch the reporting endpoints accept. */
export const DEFAULT_BATCH_SIZE = 5_000;

/** What `send` gets besides the items of its batch. */
export interface BatchContext {
  /** 0-based number of the batch. */
  index: number;
  /** Position of the batch's first item in the whole array. */
  offset: number;
  /** Items in this batch. */
  size: number;
  /** Batches in all. */
  count: number;
  /** A fresh key for this batch; every retry of the batch sends the same key. */
  idempotencyKey: string;
  /** `{ 'Idempotency-Key': idempotencyKey }`, ready to pass as request headers. */
  headers: Record<string, string>;
}

interface BatchInfo {
  index: number;
  offset: number;
  size: number;
  idempotencyKey: string;
}

/** One batch's outcome, in the manner of `Promise.allSettled`. */
export type BatchResult<R> = BatchInfo &
  (
    | { status: 'fulfilled'; value: R }
    | { status: 'rejected'; error: unknown }
    /** Not sent because an earlier batch failed and `stopOnError` was set. */
    | { status: 'skipped' }
  );

export interface SendInBatchesOptions<T> {
  /** Batches in flight at once. Default 1 (in order). */
  concurrency?: number;
  /** Stop sending after the first failed batch; the rest are reported as `skipped`. Default false. */
  stopOnError?: boolean;
  /** The key of a batch; default a random UUID. Derive it from the data to make a re-run idempotent too. */
  idempotencyKey?: (batch: readonly T[], index: number) => string;
  /** Called as each batch settles, e.g. for progress. */
  onBatch?: (result: BatchResult<unknown>) => void;
}

/** A new idempotency key (a random UUID). */
export function newIdempotencyKey(): string {
  return globalThis.crypto.randomUUID();
}

/** Splits `items` into consecutive slices of at most `batchSize`. */
export function splitIntoBatches<T>(items: readonly T[], batchSize: number = DEFAULT_BATCH_SIZE): T[][] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const batches: T[][] = [];
  for (let offset = 0; offset < items.length; offset += batchSize) batches.push(items.slice(offset, offset + batchSize));
  return batches;
}

/**
 * Sends a large array in API-sized batches and reports each batch's outcome. Each batch gets its own
 * `Idempotency-Key` (pass `ctx.headers` with the request): the SDK's retries resend the same key, so a
 * batch the server already applied is not applied twice. A failed batch does not stop the others unless
 * `stopOnError` is set. Results are in batch order.
 *
 * ```ts
 * const results = await sendInBatches(rows, 5000, (batch, ctx) =>
 *   unwrap(gm.api.POST('/v1/…', { body: { rows: batch }, headers: ctx.headers })),
 * );
 * ```
 */
export async function sendInBatches<T, R>(
  items: readonly T[],
  batchSize: number | undefined,
  send: (batch: T[], context: BatchContext) => Promise<R>,
  options: SendInBatchesOptions<T> = {},
): Promise<BatchResult<R>[]> {
  const size = batchSize ?? DEFAULT_BATCH_SIZE;
  const batches = splitIntoBatches(items, size);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const keyOf = options.idempotencyKey ?? (() => newIdempotencyKey());

  const results: BatchResult<R>[] = new Array(batches.length);
  let next = 0;
  let failed = false;

  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const index = next++;
      const batch = batches[index];
      const info: BatchInfo = { index, offset: index * size, size: batch.length, idempotencyKey: keyOf(batch, index) };
      if (failed && options.stopOnError) {
        results[index] = { ...info, status: 'skipped' };
        continue;
      }
      const context: BatchContext = { ...info, count: batches.length, headers: { [IDEMPOTENCY_KEY_HEADER]: info.idempotencyKey } };
      try {
        results[index] = { ...info, status: 'fulfilled', value: await send(batch, context) };
      } catch (error) {
        failed = true;
        results[index] = { ...info, status: 'rejected', error };
      }
      options.onBatch?.(results[index]);
    }
  };

  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, () => worker()));
  return results;
}

/** The results that failed, for a quick check: `if (failedBatches(results).length) …`. */
export function failedBatches<R>(results: readonly BatchResult<R>[]): Extract<BatchResult<R>, { status: 'rejected' }>[] {
  return results.filter((r): r is Extract<BatchResult<R>, { status: 'rejected' }> => r.status === 'rejected');
}
