import { FieldError } from './problem';

/**
 * A failure the product expects and explains. Services throw these; the problem-details filter turns
 * them into responses. `code` is a stable machine-readable reason.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
    this.name = 'AppError';
  }
}

export class NotFoundError extends AppError {
  constructor(resource: string, id?: string) {
    super(404, 'not_found', 'Not Found', id ? `${resource} ${id} was not found` : `${resource} was not found`);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, detail: string, errors: FieldError[] = []) {
    super(409, code, 'Conflict', detail, errors);
  }
}

export class ValidationError extends AppError {
  constructor(detail: string, errors: FieldError[]) {
    super(422, 'validation_failed', 'Unprocessable Content', detail, errors);
  }
}

export class BadRequestError extends AppError {
  constructor(detail: string, errors: FieldError[] = []) {
    super(400, 'bad_request', 'Bad Request', detail, errors);
  }
}

export class UnauthorizedError extends AppError {
  constructor(detail = 'Authentication is required') {
    super(401, 'unauthorized', 'Unauthorized', detail);
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'You are not allowed to do this') {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

/** The service cannot answer right now (its database is down, its schema not migrated): 503 with Retry-After. */
export class ServiceUnavailableError extends AppError {
  constructor(code: string, detail: string) {
    super(503, code, 'Service Unavailable', detail);
  }
}
