import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { mapToProblem } from '../errors/problem-mapper';
import { PROBLEM_CONTENT_TYPE, ProblemDetails } from '../errors/problem';
import { assignRequestId } from './request-id';

/** Writes any failure as RFC 9457 problem details with the request id. */
export function writeProblem(error: unknown, req: Request, res: Response, logger: Logger): void {
  const { problem, unexpected, headers } = mapToProblem(error);
  const requestId = assignRequestId(req, res);
  if (unexpected) {
    // Message and stack as strings: the Nest logger drops an object passed as the message.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    logger.error(`unexpected error in request ${requestId}: ${message}`, error instanceof Error ? error.stack : undefined);
  }
  if (res.headersSent) {
    // A streamed response already started: all that is left is to cut it short.
    res.destroy();
    return;
  }
  const body: ProblemDetails = { ...problem, instance: req.originalUrl?.split('?')[0], requestId };
  for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    writeProblem(error, http.getRequest<Request>(), http.getResponse<Response>(), this.logger);
  }
}
