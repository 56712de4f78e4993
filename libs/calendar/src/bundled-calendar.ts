import bundled from 'chinese-days/dist/chinese-days.json';
import { YearArrangement } from './working-days';

/**
 * The official arrangements shipped by the maintained `chinese-days` package, by year. A year
 * counts as known when the package lists holidays in it.
 */
export function bundledArrangements(): Map<number, YearArrangement> {
  const years = new Map<number, { holidays: Set<string>; workdays: Set<string> }>();
  const yearOf = (date: string) => {
    const year = Number(date.slice(0, 4));
    let entry = years.get(year);
    if (!entry) years.set(year, (entry = { holidays: new Set(), workdays: new Set() }));
    return entry;
  };
  Object.keys(bundled.holidays).forEach((date) => yearOf(date).holidays.add(date));
  Object.keys(bundled.workdays).forEach((date) => {
    if (years.has(Number(date.slice(0, 4)))) yearOf(date).workdays.add(date);
  });
  return years;
}
