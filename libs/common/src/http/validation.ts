import { ValidationPipe, ValidationError as ClassValidationError } from '@nestjs/common';
import { BadRequestError } from '../errors/app-error';
import { FieldError, pointerSegment } from '../errors/problem';

/** Flattens class-validator's error tree into JSON pointers, one entry per failed constraint. */
export function toFieldErrors(errors: ClassValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const pointer = `${parent}/${pointerSegment(error.property)}`;
    const own = Object.values(error.constraints ?? {}).map((reason) => ({ pointer, reason }));
    return [...own, ...toFieldErrors(error.children ?? [], pointer)];
  });
}

/** The global pipe: unknown fields are refused, types are converted, every failure names its field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) => {
      const fieldErrors = toFieldErrors(errors);
      const fields = [...new Set(fieldErrors.map((e) => e.pointer))].join(', ');
      return new BadRequestError(`The request has invalid fields: ${fields}`, fieldErrors);
    },
  });
}
