import { ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { isIsoDate } from './working-days';

/** A real calendar date written YYYY-MM-DD. */
@ValidatorConstraint({ name: 'isoDate' })
export class IsoDateConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isIsoDate(value);
  }

  defaultMessage(): string {
    return '$property must be a date written YYYY-MM-DD';
  }
}
