import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { parse } from 'csv-parse/sync';
import { FieldError, toFieldErrors } from '@govmatrix/common';
import { ImportUnitRowDto } from './units.dto';

/** CSV column → import field; English or Chinese headers. */
const COLUMNS: Record<string, keyof ImportUnitRowDto> = {
  code: 'code',
  编码: 'code',
  parent_code: 'parentCode',
  上级编码: 'parentCode',
  name: 'name',
  名称: 'name',
  short_name: 'shortName',
  简称: 'shortName',
  level: 'level',
  层级: 'level',
  division_code: 'divisionCode',
  区划代码: 'divisionCode',
  sector: 'sector',
  行业: 'sector',
  sector_parent_code: 'sectorParentCode',
  行业上级编码: 'sectorParentCode',
  supervisor: 'supervisor',
  网信办: 'supervisor',
};

const TRUE = new Set(['true', '1', 'yes', 'y', '是']);
const FALSE = new Set(['false', '0', 'no', 'n', '否', '']);

/**
 * Parses a units CSV (header row first) into import rows, checked with the same DTO rules as a
 * JSON import. Pointers are /rows/<index>/<field>, the index counting data rows from 0.
 */
export function parseUnitsCsv(csv: string, maxRows: number): { rows: ImportUnitRowDto[]; errors: FieldError[] } {
  let records: string[][];
  try {
    records = parse(csv.replace(/^\uFEFF/, ''), { skip_empty_lines: true, trim: true, relax_column_count: false });
  } catch (error) {
    return { rows: [], errors: [{ pointer: '/rows', reason: `unreadable CSV: ${(error as Error).message}` }] };
  }
  const [header, ...data] = records;
  if (!header) return { rows: [], errors: [{ pointer: '/rows', reason: 'the CSV is empty' }] };
  const fields = header.map((h) => COLUMNS[h.toLowerCase()] ?? COLUMNS[h]);
  const unknown = header.filter((_, i) => !fields[i]);
  if (unknown.length > 0) return { rows: [], errors: [{ pointer: '/rows', reason: `unknown columns: ${unknown.join(', ')}` }] };
  if (data.length === 0) return { rows: [], errors: [{ pointer: '/rows', reason: 'the CSV has no data rows' }] };
  if (data.length > maxRows) return { rows: [], errors: [{ pointer: '/rows', reason: `at most ${maxRows} rows per import` }] };

  const errors: FieldError[] = [];
  const rows = data.map((record, index) => {
    const plain: Record<string, unknown> = {};
    record.forEach((value, i) => {
      const field = fields[i]!;
      if (field === 'supervisor') {
        const v = value.toLowerCase();
        plain[field] = TRUE.has(v) ? true : FALSE.has(v) ? false : value;
      } else if (value !== '') {
        plain[field] = value;
      }
    });
    const row = plainToInstance(ImportUnitRowDto, plain);
    const rowErrors = toFieldErrors(validateSync(row, { whitelist: true, forbidNonWhitelisted: true }), `/rows/${index}`);
    errors.push(...rowErrors.map((e) => ({ ...e, reason: `${e.reason} (line ${index + 2})` })));
    return row;
  });
  return { rows, errors };
}
