/** One offending field of a request: a JSON pointer (RFC 6901) into the body or query, and why. */
export interface ProblemFieldError {
  pointer: string;
  reason: string;
  [extension: string]: unknown;
}

/** RFC 9457 problem details, the shape of every failure the GovMatrix API answers. */
export interface ProblemDetails {
  /** A stable URI naming the kind of problem, e.g. `https://govmatrix.dev/problems/not-found`. */
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  /** The id of the request in the server's logs; quote it when reporting a problem. */
  requestId?: string;
  /** A stable machine-readable reason, e.g. `not_found`, `validation_failed`. */
  code?: string;
  /** Field-level errors (validation, bad rows of an import or a batch). */
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

/** Base class of every error the SDK throws on purpose. */
export class GovMatrixError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export interface ApiErrorRequestInfo {
  method?: string;
  url?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The API answered with an error status. Carries the RFC 9457 problem details; when the answer was not
 * problem details (a proxy's HTML page, an empty body) they are synthesised from the status.
 */
export class GovMatrixApiError extends GovMatrixError {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail?: string;
  readonly instance?: string;
  readonly code?: string;
  readonly errors: ProblemFieldError[];
  readonly requestId?: string;
  /** The whole problem document, extensions included. */
  readonly problem: ProblemDetails;
  readonly method?: string;
  readonly url?: string;

  constructor(problem: ProblemDetails, request: ApiErrorRequestInfo = {}, message?: string) {
    super(message ?? GovMatrixApiError.describe(problem, request));
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.instance = problem.instance;
    this.code = problem.code;
    this.errors = problem.errors ?? [];
    this.requestId = problem.requestId;
    this.method = request.method;
    this.url = request.url;
  }

  /** Builds the error from a failed response and its already-read body (parsed JSON or text). */
  static fromResponse(response: Response, body: unknown, request: ApiErrorRequestInfo = {}): GovMatrixApiError {
    return new GovMatrixApiError(toProblem(response, body), { method: request.method, url: request.url ?? (response.url || undefined) });
  }

  /** Reads the body of a failed response and builds the error. */
  static async read(response: Response, request: ApiErrorRequestInfo = {}): Promise<GovMatrixApiError> {
    let body: unknown = undefined;
    try {
      const text = await response.text();
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
    } catch {
      // an unreadable body: the status alone is reported
    }
    return GovMatrixApiError.fromResponse(response, body, request);
  }

  private static describe(problem: ProblemDetails, request: ApiErrorRequestInfo): string {
    const where = request.method && request.url ? ` (${request.method} ${request.url})` : '';
    const detail = problem.detail ? `: ${problem.detail}` : '';
    const id = problem.requestId ? ` [request ${problem.requestId}]` : '';
    return `${problem.status} ${problem.title}${detail}${where}${id}`;
  }
}

/**
 * The credentials were refused: a wrong or rotated client secret, a wrong password, a deactivated client
 * or user. Retrying with the same credentials cannot succeed.
 */
export class GovMatrixAuthError extends GovMatrixApiError {}

/** The API could not be reached (connection refused or reset, DNS, timeouts), after every allowed attempt. */
export class GovMatrixNetworkError extends GovMatrixError {
  constructor(
    message: string,
    readonly attempts: number,
    readonly method?: string,
    readonly url?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const STATUS_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Normalises whatever an error response carried into problem details. */
export function toProblem(response: Response, body: unknown): ProblemDetails {
  const headerRequestId = response.headers.get('x-request-id') ?? undefined;
  const fallbackTitle = STATUS_TITLES[response.status] ?? (response.statusText || 'Error');
  if (isRecord(body) && (typeof body.title === 'string' || typeof body.type === 'string' || typeof body.detail === 'string')) {
    const errors = Array.isArray(body.errors) ? (body.errors.filter(isRecord) as ProblemFieldError[]) : undefined;
    return {
      ...body,
      type: typeof body.type === 'string' ? body.type : 'about:blank',
      title: typeof body.title === 'string' ? body.title : fallbackTitle,
      status: typeof body.status === 'number' ? body.status : response.status,
      detail: typeof body.detail === 'string' ? body.detail : undefined,
      requestId: typeof body.requestId === 'string' ? body.requestId : headerRequestId,
      ...(errors ? { errors } : {}),
    };
  }
  const text = typeof body === 'string' ? body.trim() : '';
  return {
    type: 'about:blank',
    title: fallbackTitle,
    status: response.status,
    detail: text ? text.slice(0, 500) : undefined,
    requestId: headerRequestId,
  };
}
