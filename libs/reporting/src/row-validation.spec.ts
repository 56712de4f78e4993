import { arrayLiteral } from './reporting.repository';
import { isCalendarDay, validateRows } from './row-validation';

describe('isCalendarDay', () => {
  it('accepts real days and refuses the rest', () => {
    expect(['2026-10-01', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'].every(isCalendarDay)).toBe(true);
    expect(['2025-02-29', '1900-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '0000-01-01'].some(isCalendarDay)).toBe(
      false,
    );
    expect(['2026-1-01', '2026-10-01T00:00:00Z', ' 2026-10-01', '20261001', ''].some(isCalendarDay)).toBe(false);
  });
});

describe('validateRows', () => {
  it('answers every bad field of every row and runs the cross checks on otherwise valid rows only', () => {
    const checked: number[] = [];
    const { valid, errors } = validateRows<{ n: number }>(
      [{ n: 1 }, { n: 'x', extra: true }, null, { n: 5 }],
      { n: { type: 'int', required: true, max: 10 } },
      (row) => (checked.push(row.n), row.n > 4 ? [{ field: 'n', reason: 'too big' }] : []),
    );
    expect(valid).toEqual([{ index: 0, row: { n: 1 } }]);
    expect(checked).toEqual([1, 5]);
    expect(errors).toEqual([
      { index: 1, pointer: '/rows/1/extra', field: 'extra', reason: 'is not a known field' },
      { index: 1, pointer: '/rows/1/n', field: 'n', reason: 'must be an integer between 0 and 10' },
      { index: 2, pointer: '/rows/2', field: '', reason: 'must be an object' },
      { index: 3, pointer: '/rows/3/n', field: 'n', reason: 'too big' },
    ]);
  });
});

describe('arrayLiteral', () => {
  it('writes a PostgreSQL array literal with NULLs', () => {
    expect(arrayLiteral([{ v: 1 }, { v: null }, { v: 2.5 }, {}], (r: { v?: number | null }) => r.v)).toBe('{1,NULL,2.5,NULL}');
    expect(arrayLiteral([], () => 1)).toBe('{}');
  });
});
