import { AppError } from '../errors/app-error';
import { assertJsonDepth } from './json-depth';
import { nulCharacterPointers } from './nul-characters';

describe('assertJsonDepth', () => {
  const depthError = (text: string, max?: number): AppError | undefined => {
    try {
      assertJsonDepth(Buffer.from(text), max);
      return undefined;
    } catch (error) {
      return error as AppError;
    }
  };

  it('lets bodies up to the limit through and refuses one level more with a 400', () => {
    expect(depthError(`${'['.repeat(64)}${']'.repeat(64)}`)).toBeUndefined();
    expect(depthError(`{"a":${'{"b":'.repeat(63)}1${'}'.repeat(64)}`)).toBeUndefined();
    expect(depthError(`${'['.repeat(65)}${']'.repeat(65)}`)).toMatchObject({ status: 400, code: 'body_too_deep' });
    expect(depthError('[[[1]]]', 2)).toMatchObject({ status: 400, code: 'body_too_deep' });
  });

  it('counts depth, not brackets: siblings and brackets inside strings do not add up', () => {
    expect(depthError(`[${'[],'.repeat(1000)}[]]`, 2)).toBeUndefined();
    expect(depthError(`{"a":"${'['.repeat(100)}","b":"\\"[[[[","c":[1]}`, 2)).toBeUndefined();
    expect(depthError('{"a":"\\\\","b":[[1]]}', 2)).toMatchObject({ code: 'body_too_deep' });
  });
});

describe('nulCharacterPointers', () => {
  it('names every string and key holding a NUL, outer fields first', () => {
    expect(nulCharacterPointers({ a: 'x\u0000', b: { 'c\u0000': ['ok', 'y\u0000z'] }, d: 5, e: null, 'f/g': '\u0000' })).toEqual([
      '/a',
      // a key is seen with its object, a value one level further
      '/b/c\u0000',
      '/f~1g',
      '/b/c\u0000/1',
    ]);
  });

  it('finds none in clean values, and points at the whole of a text body', () => {
    expect(nulCharacterPointers({ a: ['b', { c: 'd' }], e: 1 })).toEqual([]);
    expect(nulCharacterPointers('code,name\n\u0000,x')).toEqual(['']);
  });
});
