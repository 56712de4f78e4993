export { createGovMatrixClient, GovMatrixClient, unwrap } from './client';
export type { AllUnitsQuery, GovMatrixApi, GovMatrixClientOptions, Me, Unit, UnitPage, UnitsQuery } from './client';
export type { ClientCredentialsAuth, ClientScope, GovMatrixAuth, StaticTokenAuth, TokenResponse, UserAuth } from './auth';
export { GovMatrixApiError, GovMatrixAuthError, GovMatrixError, GovMatrixNetworkError, toProblem } from './errors';
export type { ApiErrorRequestInfo, ProblemDetails, ProblemFieldError } from './errors';
export {
  backoffDelay,
  DEFAULT_RETRY_OPTIONS,
  defaultSleep,
  fetchWithRetry,
  IDEMPOTENCY_KEY_HEADER,
  isSafeToResend,
  parseRetryAfter,
  resolveRetryOptions,
  retryDelayAfter,
  withRetry,
} from './retry';
export type { FetchLike, RetryInfo, RetryOptions } from './retry';
export { DEFAULT_BATCH_SIZE, failedBatches, newIdempotencyKey, sendInBatches, splitIntoBatches } from './batching';
export type { BatchContext, BatchResult, SendInBatchesOptions } from './batching';
export type { components, operations, paths } from './generated/schema';
export { mergeFilingsResults, mergeReportResults, remapPointer, REPORT_BATCH_LIMITS, sendReport } from './reports';
export type {
  FilingRow,
  FilingsReportResult,
  FilingsReportSummary,
  InteractionRow,
  MetricRow,
  PostRow,
  ReportBatchAnswer,
  ReportBatchSender,
  ReportOptions,
  ReportResult,
  ReportRowError,
  ReportSummary,
  RowError,
} from './reports';
