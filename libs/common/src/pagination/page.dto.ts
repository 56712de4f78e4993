import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { BadRequestError } from '../errors/app-error';

export const MAX_PAGE_SIZE = 500;
export const DEFAULT_PAGE_SIZE = 50;

/** Keyset pagination: pass the previous page's `nextCursor` to get the next page. */
export class PageQueryDto {
  /** Page size, at most 500. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  /** Opaque cursor from a previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

/** Encodes a keyset position as an opaque, URL-safe cursor. */
export const encodeCursor = (position: unknown[]): string => Buffer.from(JSON.stringify(position)).toString('base64url');

/**
 * Decodes a cursor; a cursor that is not ours is the caller's mistake, reported on the field.
 * `valid` checks the position's values, so a forged cursor cannot reach SQL as a malformed value.
 */
export function decodeCursor(
  cursor: string | undefined,
  arity: number,
  valid: (position: unknown[]) => boolean = () => true,
): unknown[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const position: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(position) && position.length === arity && valid(position)) return position;
  } catch {
    // reported below
  }
  throw new BadRequestError('The cursor is not one this API issued', [{ pointer: '/cursor', reason: 'invalid cursor' }]);
}

/** One page of results and the cursor of the next, absent on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}
