import type { NextFunction, Request, Response } from 'express';
import { BadRequestError } from '../errors/app-error';
import { FieldError, pointerSegment } from '../errors/problem';

const NUL = '\u0000';
const MAX_POINTERS = 20;

/** JSON pointers to the strings (and keys) of a parsed body or query that hold a NUL character. */
export function nulCharacterPointers(value: unknown, base = ''): string[] {
  const found: string[] = [];
  // breadth first, so the pointers come in the order of the document, outer fields first
  const queue: [unknown, string][] = [[value, base]];
  for (let next = 0; next < queue.length && found.length < MAX_POINTERS; next += 1) {
    const [current, pointer] = queue[next];
    if (typeof current === 'string') {
      if (current.includes(NUL)) found.push(pointer);
    } else if (Array.isArray(current)) {
      current.forEach((item, i) => queue.push([item, `${pointer}/${i}`]));
    } else if (current && typeof current === 'object') {
      for (const [key, item] of Object.entries(current)) {
        if (key.includes(NUL)) found.push(`${pointer}/${pointerSegment(key)}`);
        queue.push([item, `${pointer}/${pointerSegment(key)}`]);
      }
    }
  }
  return found;
}

/**
 * PostgreSQL text cannot hold a NUL character (U+0000): a NUL in any field reached the database as
 * an error it does not explain (a 500). No field of this API takes one, so a request carrying one in
 * its query or body is refused up front, naming the fields; path parameters are checked by their
 * pipes. A JSON body is only walked when its bytes hold the escape (JSON can carry a NUL only as
 * `\u0000`).
 */
export function refuseNulCharacters(req: Request & { rawBody?: Buffer }, _res: Response, next: NextFunction): void {
  const url = req.originalUrl ?? req.url ?? '';
  const pointers: string[] = [];
  const queryStart = url.indexOf('?');
  // Query fields are named like body fields (as the validation pipe names them): `/q`.
  if (queryStart >= 0 && url.includes('%00', queryStart)) pointers.push(...nulCharacterPointers(req.query));
  const body: unknown = req.body;
  const bodyMayHaveNul =
    typeof body === 'string' ? body.includes(NUL) : req.rawBody ? req.rawBody.includes('\\u0000') : body !== undefined && body !== null;
  if (bodyMayHaveNul) pointers.push(...nulCharacterPointers(body));
  if (pointers.length === 0) return next();
  // '' points at the whole body (a text/csv one)
  const errors: FieldError[] = pointers.map((pointer) => ({ pointer, reason: 'must not contain a NUL character (U+0000)' }));
  const where = pointers.map((p) => p || 'the body').join(', ');
  next(new BadRequestError(`A NUL character (U+0000) is not accepted in: ${where}`, errors));
}
