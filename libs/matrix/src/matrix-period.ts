import { chinaToday } from '@govmatrix/calendar';
import { BadRequestError } from '@govmatrix/common';

/** The longest period the matrix views aggregate over: three years of days. */
export const MAX_PERIOD_DAYS = 3 * 366;

export interface Period {
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const toDate = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** The first day of the month `months` months before the month of `day`. */
export function monthStartBefore(day: string, months: number): string {
  const date = new Date(toDate(day));
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() - months, 1)).toISOString().slice(0, 10);
}

/**
 * The period a matrix view covers: the given days, or the last 12 months (from the first of the
 * month 11 months before `to`, to today in China).
 */
export function resolvePeriod(query: { from?: string; to?: string }, today: string = chinaToday()): Period {
  const to = query.to ?? today;
  const from = query.from ?? monthStartBefore(to, 11);
  if (toDate(from) > toDate(to)) {
    throw new BadRequestError(`The period starts (${from}) after it ends (${to})`, [{ pointer: '/from', reason: 'after `to`' }]);
  }
  if ((toDate(to) - toDate(from)) / DAY_MS + 1 > MAX_PERIOD_DAYS) {
    throw new BadRequestError(`A period spans at most ${MAX_PERIOD_DAYS} days`, [{ pointer: '/from', reason: 'period too long' }]);
  }
  return { from, to };
}
