import { AppError } from '../errors/app-error';

/** Deeper than any body this API reads (a score model is about 6 levels); class-transformer recurses once per level. */
export const MAX_JSON_DEPTH = 64;

const OPEN_OBJECT = 0x7b; // {
const OPEN_ARRAY = 0x5b; // [
const CLOSE_OBJECT = 0x7d; // }
const CLOSE_ARRAY = 0x5d; // ]
const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \

/**
 * Refuses a JSON body that nests deeper than `max` before it is parsed: validation walks a body
 * recursively, and a few thousand nested brackets overflowed its stack (a 500). One pass over the
 * bytes, strings skipped.
 */
export function assertJsonDepth(raw: Buffer, max = MAX_JSON_DEPTH): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i];
    if (inString) {
      if (byte === BACKSLASH) i += 1;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_OBJECT || byte === OPEN_ARRAY) {
      depth += 1;
      if (depth > max) throw new AppError(400, 'body_too_deep', 'Bad Request', `The request body nests deeper than ${max} levels`);
    } else if (byte === CLOSE_OBJECT || byte === CLOSE_ARRAY) depth -= 1;
  }
}
