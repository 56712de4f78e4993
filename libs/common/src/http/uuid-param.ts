import { Param, PipeTransform } from '@nestjs/common';
import { BadRequestError } from '../errors/app-error';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class UuidPipe implements PipeTransform<string, string> {
  constructor(private readonly name: string) {}

  transform(value: string): string {
    if (!UUID.test(value))
      throw new BadRequestError(`The path parameter ${this.name} must be a UUID`, [{ pointer: `/${this.name}`, reason: 'must be a UUID' }]);
    return value.toLowerCase();
  }
}

/** A UUID path parameter; anything else is a 400 naming the parameter. */
export const UuidParam = (name = 'id'): ParameterDecorator => Param(name, new UuidPipe(name));
