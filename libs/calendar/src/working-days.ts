/** A year's official arrangement: public holidays and the weekend days worked in lieu (调休). */
export interface YearArrangement {
  holidays: ReadonlySet<string>;
  workdays: ReadonlySet<string>;
}

export interface Deadline {
  /** The last day (YYYY-MM-DD) on which the obligation is met in time. */
  dueOn: string;
  /** True when some counted day fell in a year without a known arrangement (weekends only). */
  provisional: boolean;
}

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A real calendar date written YYYY-MM-DD (2026-02-30 is not). */
export const isIsoDate = (value: string): boolean => {
  if (!DATE.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
};

const toUtc = (isoDate: string): number => Date.parse(`${isoDate}T00:00:00Z`);
const fromUtc = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Is the day a working day? Known years follow the arrangement (holidays off, make-up days on);
 * unknown years fall back to Monday–Friday, which the caller must flag as provisional.
 */
export function isWorkingDay(isoDate: string, arrangements: ReadonlyMap<number, YearArrangement>): { working: boolean; known: boolean } {
  const arrangement = arrangements.get(Number(isoDate.slice(0, 4)));
  const weekday = new Date(toUtc(isoDate)).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  if (!arrangement) return { working: !weekend, known: false };
  if (arrangement.holidays.has(isoDate)) return { working: false, known: true };
  if (arrangement.workdays.has(isoDate)) return { working: true, known: true };
  return { working: !weekend, known: true };
}

/**
 * The deadline `days` working days after `start`, counting from the next working day: opened on
 * 2026-09-28 with 10 days is due 2026-10-16 (National Day 1–7 October off, 10 October worked).
 */
export function addWorkingDays(start: string, days: number, arrangements: ReadonlyMap<number, YearArrangement>): Deadline {
  if (!isIsoDate(start)) throw new RangeError(`not a date: ${start}`);
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new RangeError(`working days must be 1–365, got ${days}`);
  let day = toUtc(start);
  let counted = 0;
  let provisional = false;
  while (counted < days) {
    day += DAY_MS;
    const { working, known } = isWorkingDay(fromUtc(day), arrangements);
    if (!known) provisional = true;
    if (working) counted += 1;
  }
  return { dueOn: fromUtc(day), provisional };
}

/** Working days from `from` (exclusive) to `to` (inclusive); 0 when `to` is not after `from`. */
export function workingDaysBetween(from: string, to: string, arrangements: ReadonlyMap<number, YearArrangement>): number {
  let count = 0;
  for (let day = toUtc(from) + DAY_MS; day <= toUtc(to); day += DAY_MS) {
    if (isWorkingDay(fromUtc(day), arrangements).working) count += 1;
  }
  return count;
}
