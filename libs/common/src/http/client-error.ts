import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, problemType } from '../errors/problem';

/** What Node's HTTP parser refuses before any route sees the request, by its error code. */
const PARSER_REFUSALS: Record<string, { status: number; title: string; code: string; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    title: 'Request Header Fields Too Large',
    code: 'headers_too_large',
    detail: 'The request line or headers exceed the size limit',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    title: 'Request Timeout',
    code: 'request_timeout',
    detail: 'The request was not received in time',
  },
};
const MALFORMED = { status: 400, title: 'Bad Request', code: 'malformed_request', detail: 'The request is not valid HTTP' };

/**
 * Answers the requests Node's HTTP parser refuses (a URL or headers over its size limit, a broken
 * request line) as problem details too, instead of Node's bare status line: a client sees the same
 * shape for every failure.
 */
export function answerParserRefusalsAsProblems(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const refusal = PARSER_REFUSALS[error.code ?? ''] ?? MALFORMED;
    const requestId = randomUUID();
    const problem: ProblemDetails = {
      type: problemType(refusal.code.replace(/_/g, '-')),
      title: refusal.title,
      status: refusal.status,
      detail: refusal.detail,
      code: refusal.code,
      requestId,
    };
    const body = JSON.stringify(problem);
    socket.end(
      `HTTP/1.1 ${refusal.status} ${refusal.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
