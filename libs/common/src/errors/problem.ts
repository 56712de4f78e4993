/** One offending field of a request: a JSON pointer (RFC 6901) into the body or query, and why. */
export interface FieldError {
  pointer: string;
  reason: string;
}

/** RFC 9457 problem details, the one shape of every failure this API answers. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId?: string;
  code?: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_BASE = 'https://govmatrix.dev/problems/';

/** Problem type URIs, stable so clients can branch on them. */
export const problemType = (slug: string): string => `${TYPE_BASE}${slug}`;

/** Escapes one segment of a JSON pointer (RFC 6901 §3). */
export const pointerSegment = (segment: string | number): string => String(segment).replace(/~/g, '~0').replace(/\//g, '~1');

export const toPointer = (...segments: (string | number)[]): string =>
  segments.length === 0 ? '' : '/' + segments.map(pointerSegment).join('/');
