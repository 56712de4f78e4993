import { ValidateIf, ValidationOptions } from 'class-validator';

/**
 * The field may be left out; when it is sent it is validated, `null` included. class-validator's
 * `IsOptional` also waves `null` through, and a `null` then reached code and columns that hold none
 * (`PATCH /v1/accounts/{id}` with `{"name": null}` was a 500). A field the document declares nullable
 * (`UpdateUnitDto.sectorParentId`: null clears it) keeps `IsOptional`.
 */
export function Omittable(options?: ValidationOptions): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined, options);
}
