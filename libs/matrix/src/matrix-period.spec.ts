import { AppError } from '@govmatrix/common';
import { monthStartBefore, resolvePeriod } from './matrix-period';

describe('resolvePeriod', () => {
  it('defaults to the last 12 months, from the first of the month 11 months back to today', () => {
    expect(resolvePeriod({}, '2026-11-15')).toEqual({ from: '2025-12-01', to: '2026-11-15' });
    expect(resolvePeriod({ to: '2026-01-31' }, '2026-11-15')).toEqual({ from: '2025-02-01', to: '2026-01-31' });
  });

  it('keeps the days it is given', () => {
    expect(resolvePeriod({ from: '2026-03-01', to: '2026-03-01' })).toEqual({ from: '2026-03-01', to: '2026-03-01' });
  });

  it('refuses a period that ends before it starts, or spans more than three years', () => {
    const failure = (query: { from?: string; to?: string }): AppError => {
      try {
        resolvePeriod(query);
      } catch (error) {
        return error as AppError;
      }
      throw new Error('no error');
    };
    expect(failure({ from: '2026-03-02', to: '2026-03-01' })).toMatchObject({ status: 400, errors: [{ pointer: '/from' }] });
    expect(failure({ from: '2020-01-01', to: '2026-01-01' })).toMatchObject({ status: 400 });
  });

  it('crosses year ends when counting months back', () => {
    expect(monthStartBefore('2026-01-31', 1)).toBe('2025-12-01');
    expect(monthStartBefore('2026-05-01', 0)).toBe('2026-05-01');
  });
});
