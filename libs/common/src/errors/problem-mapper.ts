import { HttpException, HttpStatus } from '@nestjs/common';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { AppError } from './app-error';
import { FieldError, ProblemDetails, problemType } from './problem';

interface Mapped {
  problem: Omit<ProblemDetails, 'requestId' | 'instance'>;
  /** Unexpected failures are logged with their stack; expected ones are not. */
  unexpected: boolean;
  headers?: Record<string, string>;
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

const titleOf = (status: number): string => STATUS_TITLES[status] ?? HttpStatus[status] ?? 'Error';

const make = (status: number, code: string, detail: string, errors?: FieldError[]): Mapped['problem'] => ({
  type: problemType(code.replace(/_/g, '-')),
  title: titleOf(status),
  status,
  detail,
  code,
  ...(errors && errors.length > 0 ? { errors } : {}),
});

/** PostgreSQL SQLSTATEs that mean the input, not the server, was wrong. */
// 22021/22P05: a character the database encoding cannot hold (a NUL byte in text or jsonb).
const PG_BAD_INPUT = new Set(['22P02', '22007', '22008', '22003', '22001', '22023', '2201X', '2201W', '22021', '22P05']);
const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '53300']);
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** Maps anything thrown while serving a request to problem details. Never leaks internals for a 500. */
export function mapToProblem(error: unknown): Mapped {
  if (error instanceof AppError) {
    return { problem: make(error.status, error.code, error.message, error.errors), unexpected: false, headers: retryAfter(error.status) };
  }

  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const message =
      typeof body === 'string'
        ? body
        : typeof (body as { message?: unknown }).message === 'string'
          ? (body as { message: string }).message
          : error.message;
    const code = status === 404 ? 'not_found' : titleOf(status).toLowerCase().replace(/\s+/g, '_');
    return { problem: make(status, code, message), unexpected: status >= 500, headers: retryAfter(status) };
  }

  const bodyParserType = (error as { type?: unknown })?.type;
  if (typeof bodyParserType === 'string') {
    switch (bodyParserType) {
      case 'entity.parse.failed':
        return { problem: make(400, 'malformed_body', 'The request body is not valid JSON'), unexpected: false };
      case 'entity.too.large':
        return { problem: make(413, 'body_too_large', 'The request body exceeds the size limit'), unexpected: false };
      case 'encoding.unsupported':
      case 'charset.unsupported':
        return { problem: make(415, 'unsupported_encoding', 'The request body encoding is not supported'), unexpected: false };
      case 'request.aborted':
        return { problem: make(400, 'request_aborted', 'The request was aborted by the client'), unexpected: false };
    }
  }

  if (error instanceof QueryFailedError) {
    const pgCode = (error.driverError as { code?: string } | undefined)?.code ?? '';
    if (pgCode === '23505') {
      return { problem: make(409, 'duplicate', 'A record with the same unique values already exists'), unexpected: false };
    }
    if (pgCode === '23503') {
      return { problem: make(409, 'reference_conflict', 'The record refers to, or is referred to by, another record'), unexpected: false };
    }
    if (pgCode === '42501') {
      // A row-level-security refusal: to the caller the row simply does not exist in its scope.
      return { problem: make(404, 'not_found', 'The resource was not found'), unexpected: false };
    }
    if (PG_BAD_INPUT.has(pgCode)) {
      return { problem: make(400, 'invalid_value', 'A value in the request is not valid for its field'), unexpected: false };
    }
    if (pgCode === '57014' || pgCode === '40001' || pgCode === '40P01' || pgCode === '55P03') {
      return {
        problem: make(503, 'try_again', 'The database could not complete the request in time; retry shortly'),
        unexpected: false,
        headers: { 'Retry-After': '1' },
      };
    }
    if (PG_UNAVAILABLE.has(pgCode)) return unavailable();
  }

  // TypeORM releases a transaction's connection by itself only when the connection fails (the server
  // died or ended it): the transaction's next query (or its COMMIT) then throws one of these, and the
  // work is rolled back.
  if (error instanceof QueryRunnerProviderAlreadyReleasedError || error instanceof QueryRunnerAlreadyReleasedError) return unavailable();

  const netCode = (error as { code?: unknown })?.code;
  if (typeof netCode === 'string' && (NET_UNAVAILABLE.has(netCode) || PG_UNAVAILABLE.has(netCode))) return unavailable();
  // node-postgres errors without a code: a connection that broke, or a pooled client that broke while idle
  // and is handed out before the pool noticed ("… is not queryable").
  if (error instanceof Error && /Connection terminated|timeout exceeded when trying to connect|is not queryable/i.test(error.message)) {
    return unavailable();
  }

  return { problem: make(500, 'internal_error', 'An unexpected error occurred; it has been logged'), unexpected: true };
}

/** Every 503 tells the client when to try again. */
const retryAfter = (status: number): Record<string, string> | undefined => (status === 503 ? { 'Retry-After': '2' } : undefined);

function unavailable(): Mapped {
  return {
    problem: make(503, 'database_unavailable', 'The database is unavailable; retry shortly'),
    unexpected: false,
    headers: { 'Retry-After': '2' },
  };
}
