import { Param, PipeTransform } from '@nestjs/common';
import { chinaToday } from '@govmatrix/calendar';
import { BadRequestError } from '@govmatrix/common';
import { ReportYear } from './supervision-report.repository';

export const MIN_REPORT_YEAR = 2000;
export const MAX_REPORT_YEAR = 2100;

/**
 * Single-veto items (单项否决) of the State Council's 2019 indicators for new media (国办秘函〔2019〕19号):
 * no update in the 2 weeks before the check, no working interaction function, a serious content
 * error, a security or secrecy incident, faked influence. One such finding fails the account.
 */
export const SINGLE_VETO_FINDING_KINDS: readonly string[] = [
  'inactive_14d',
  'no_interaction_function',
  'content_error',
  'secrecy_incident',
  'faked_influence',
];

export const FINDING_KIND_NAMES_ZH: Record<string, string> = {
  filing_overdue: '逾期未备案',
  inactive_14d: '两周未更新（僵尸号）',
  low_activity: '更新频率过低',
  unanswered_messages: '留言未及时回复',
  naming: '名称不规范',
  no_interaction_function: '互动功能缺失',
  content_error: '严重表述错误',
  secrecy_incident: '安全泄密事件',
  faked_influence: '虚假影响力',
  other: '其他问题',
};

/** The year's days and its bounds in China time (UTC+8, no daylight saving). */
export function reportYear(year: number): ReportYear {
  return {
    year,
    from: `${year}-01-01`,
    to: `${year}-12-31`,
    start: `${year}-01-01T00:00:00+08:00`,
    end: `${year + 1}-01-01T00:00:00+08:00`,
  };
}

/**
 * A report year: an integer from 2000 to 2100 and not after the current year in China; else a 400
 * naming `year`. The global validation pipe has already turned the path segment into a number.
 */
export class ReportYearPipe implements PipeTransform<unknown, number> {
  transform(value: unknown): number {
    const year = typeof value === 'number' ? value : typeof value === 'string' && /^\d{4}$/.test(value) ? Number(value) : NaN;
    if (!(Number.isInteger(year) && year >= MIN_REPORT_YEAR && year <= MAX_REPORT_YEAR)) {
      throw new BadRequestError(`The year must be a year from ${MIN_REPORT_YEAR} to ${MAX_REPORT_YEAR}`, [
        { pointer: '/year', reason: `must be an integer from ${MIN_REPORT_YEAR} to ${MAX_REPORT_YEAR}` },
      ]);
    }
    const current = Number(chinaToday().slice(0, 4));
    if (year > current) {
      throw new BadRequestError(`There is no report of ${year} yet: the year has not begun in China`, [
        { pointer: '/year', reason: `must not be after the current year (${current})` },
      ]);
    }
    return year;
  }
}

/** The `year` path parameter of a report. */
export const ReportYearParam = (): ParameterDecorator => Param('year', new ReportYearPipe());
