import { validateSync } from 'class-validator';
import { BadRequestError, toFieldErrors } from '@govmatrix/common';

/** Validates a body the route had to read raw (it accepts several content types), like the global pipe would. */
export function validateBody<T extends object>(dto: T): T {
  if (typeof dto !== 'object' || dto === null || Array.isArray(dto)) throw new BadRequestError('The request body must be a JSON object');
  const errors = toFieldErrors(validateSync(dto, { whitelist: true, forbidNonWhitelisted: true }));
  if (errors.length > 0)
    throw new BadRequestError(`The request has invalid fields: ${[...new Set(errors.map((e) => e.pointer))].join(', ')}`, errors);
  return dto;
}
