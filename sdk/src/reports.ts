import { type BatchContext, type BatchResult, sendInBatches } from './batching';
import { GovMatrixApiError } from './errors';
import type { components } from './generated/schema';
import { defaultSleep } from './retry';

/** One day of one account's metrics (`POST /v1/reports/metrics`). */
export type MetricRow = components['schemas']['MetricRowDto'];
/** Account A reposted or commented on account B's post on a day (`POST /v1/reports/interactions`). */
export type InteractionRow = components['schemas']['InteractionRowDto'];
/** A post, for content classification and inspection (`POST /v1/reports/posts`). */
export type PostRow = components['schemas']['PostRowDto'];
/** An opening, change or closure filing (`POST /v1/reports/filings`); `details` is the kind's filing body. */
export type FilingRow = components['schemas']['FilingRowDto'];
/** The API's answer to one batch. */
export type ReportResult = components['schemas']['ReportResultDto'];
/** The API's answer to one batch of filings: also the filing created for each accepted row. */
export type FilingsReportResult = components['schemas']['FilingsReportResultDto'];
/** A refused row as the API answers it, `index` into the batch. */
export type RowError = components['schemas']['RowErrorDto'];

/** The most rows one request of each report takes. */
export const REPORT_BATCH_LIMITS = { metrics: 5_000, interactions: 5_000, posts: 5_000, filings: 500 } as const;

export interface ReportOptions<T> {
  /** All or nothing per batch: a batch with any bad row writes nothing (answered 422). Default false. */
  atomic?: boolean;
  /** Rows per request; default and maximum: 5,000 (filings 500). */
  batchSize?: number;
  /** Batches in flight at once. Default 1. */
  concurrency?: number;
  /** Stop after the first batch that fails (network, 4xx/5xx); the rest are `skipped`. Default false. */
  stopOnError?: boolean;
  /**
   * The `Idempotency-Key` of a batch; default a random UUID per batch. Derive it from the job (e.g.
   * `` `metrics-2025-03-01-${index}` ``) to make re-running a whole upload idempotent too.
   */
  idempotencyKey?: (batch: readonly T[], index: number) => string;
  /** Called as each batch settles, e.g. for progress. */
  onBatch?: (result: BatchResult<unknown>) => void;
  /**
   * A batch answered `409 request_in_progress` (its key is still being processed, e.g. the first attempt
   * of a retried request is still running on the server) is sent again with the same key, this many times
   * in all. Default 5; the waits double from 500 ms.
   */
  inProgressAttempts?: number;
}

/** A refused row of the caller's array. */
export interface ReportRowError {
  /** Index in the array given to `reportMetrics` & co. */
  index: number;
  /** JSON pointer into that array's row, e.g. `/rows/12345/posts`. */
  pointer: string;
  field: string;
  reason: string;
  /** The batch that carried the row. */
  batch: number;
  /** True when the batch was sent with `atomic` and refused as a whole (nothing of it was written). */
  batchRefused: boolean;
}

/** One batch's answer and whether it was the stored answer of an earlier attempt with the same key. */
export interface ReportBatchAnswer<R extends ReportResult> {
  result: R;
  /** The server had already applied this batch (same `Idempotency-Key`); this is the first answer again. */
  replayed: boolean;
}

/** The answers of every batch, merged, with row indexes mapped back to the caller's array. */
export interface ReportSummary<R extends ReportResult = ReportResult> {
  /** Rows given. */
  received: number;
  /** Rows the server answered for (in batches that got an answer, replays included). */
  answered: number;
  accepted: number;
  /** Distinct rows refused: bad rows of answered batches, and the bad rows of batches refused as a whole (`atomic`). */
  rejected: number;
  inserted: number;
  updated: number;
  unchanged: number;
  /** Every refused row, in the caller's order. */
  errors: ReportRowError[];
  /** Batches whose answer was a replay of an earlier attempt with the same key. */
  replayed: number;
  /**
   * Batches without a (successful) answer: refused as a whole (`atomic` with bad rows, 4xx), failed after
   * every retry (network, 5xx) or skipped (`stopOnError`). Resend a failed batch with its
   * `idempotencyKey`: if the server applied it before the connection broke, it answers as the first time.
   */
  failed: Extract<BatchResult<ReportBatchAnswer<R>>, { status: 'rejected' | 'skipped' }>[];
  /** Every batch, in order: offset, size, idempotency key, status, answer or error. */
  batches: BatchResult<ReportBatchAnswer<R>>[];
}

export interface FilingsReportSummary extends ReportSummary<FilingsReportResult> {
  /** The filing created for each accepted row, by index in the caller's array. */
  filings: { index: number; filingId: string }[];
}

/** Sends one batch; the client supplies it (authenticated, retried, errors thrown as `GovMatrixApiError`). */
export type ReportBatchSender<T, R extends ReportResult> = (
  batch: T[],
  query: { atomic?: boolean },
  headers: Record<string, string>,
) => Promise<ReportBatchAnswer<R>>;

const ROW_POINTER = /^\/rows\/(\d+)(?=\/|$)/;

/** A pointer of a batch's row re-rooted at the row's place in the caller's array. */
export function remapPointer(pointer: string, offset: number): string {
  return pointer.replace(ROW_POINTER, (_, n: string) => `/rows/${offset + Number(n)}`);
}

const isInProgress = (error: unknown): boolean =>
  error instanceof GovMatrixApiError && error.status === 409 && error.code === 'request_in_progress';

/**
 * Splits `rows` into API-sized batches, sends them with `sendInBatches` (one `Idempotency-Key` per
 * batch, reused on every retry of that batch) and merges the answers.
 */
export async function sendReport<T, R extends ReportResult>(
  rows: readonly T[],
  limit: number,
  options: ReportOptions<T>,
  send: ReportBatchSender<T, R>,
  sleep: (ms: number) => Promise<void> = defaultSleep,
): Promise<ReportSummary<R>> {
  const batchSize = options.batchSize ?? limit;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > limit) {
    throw new RangeError(`batchSize must be an integer between 1 and ${limit}, got ${batchSize}`);
  }
  const inProgressAttempts = options.inProgressAttempts ?? 5;
  const query = options.atomic ? { atomic: true } : {};
  const sendBatch = async (batch: T[], context: BatchContext): Promise<ReportBatchAnswer<R>> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send(batch, query, context.headers);
      } catch (error) {
        if (!isInProgress(error) || attempt >= inProgressAttempts) throw error;
        await sleep(500 * 2 ** (attempt - 1));
      }
    }
  };
  const batches = await sendInBatches(rows, batchSize, sendBatch, {
    concurrency: options.concurrency,
    stopOnError: options.stopOnError,
    idempotencyKey: options.idempotencyKey,
    onBatch: options.onBatch,
  });
  return mergeReportResults(rows.length, batches);
}

/** Merges per-batch answers into one summary; row indexes and pointers are mapped back to the caller's array. */
export function mergeReportResults<R extends ReportResult>(
  received: number,
  batches: BatchResult<ReportBatchAnswer<R>>[],
): ReportSummary<R> {
  const summary: ReportSummary<R> = {
    received,
    answered: 0,
    accepted: 0,
    rejected: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    errors: [],
    replayed: 0,
    failed: [],
    batches,
  };
  for (const batch of batches) {
    if (batch.status === 'fulfilled') {
      const { result, replayed } = batch.value;
      summary.answered += result.received;
      summary.accepted += result.accepted;
      summary.inserted += result.inserted;
      summary.updated += result.updated;
      summary.unchanged += result.unchanged;
      if (replayed) summary.replayed++;
      for (const e of result.errors) {
        summary.errors.push({
          index: batch.offset + e.index,
          pointer: remapPointer(e.pointer, batch.offset),
          field: e.field,
          reason: e.reason,
          batch: batch.index,
          batchRefused: false,
        });
      }
    } else {
      summary.failed.push(batch);
      // A batch refused as a whole (atomic) still names its bad rows.
      if (batch.status === 'rejected' && batch.error instanceof GovMatrixApiError && batch.error.status === 422) {
        for (const e of batch.error.errors) {
          const match = ROW_POINTER.exec(e.pointer);
          if (!match) continue;
          const local = typeof e.index === 'number' ? e.index : Number(match[1]);
          summary.errors.push({
            index: batch.offset + local,
            pointer: remapPointer(e.pointer, batch.offset),
            field: typeof e.field === 'string' ? e.field : (e.pointer.split('/')[3] ?? ''),
            reason: e.reason,
            batch: batch.index,
            batchRefused: true,
          });
        }
      }
    }
  }
  summary.errors.sort((a, b) => a.index - b.index);
  summary.rejected = new Set(summary.errors.map((e) => e.index)).size;
  return summary;
}

/** `mergeReportResults` plus the filings created, by index in the caller's array. */
export function mergeFilingsResults(
  received: number,
  batches: BatchResult<ReportBatchAnswer<FilingsReportResult>>[],
): FilingsReportSummary {
  const filings: { index: number; filingId: string }[] = [];
  for (const batch of batches) {
    if (batch.status !== 'fulfilled') continue;
    for (const filed of batch.value.result.filings) filings.push({ index: batch.offset + filed.index, filingId: filed.filingId });
  }
  return { ...mergeReportResults(received, batches), filings };
}
