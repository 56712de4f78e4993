import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf } from '@govmatrix/auth';
import { ForbiddenError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { bundledArrangements } from './bundled-calendar';
import { CalendarYearDto, DeadlineDto, LoadCalendarYearDto } from './calendar.dto';
import { CalendarRepository } from './calendar.repository';
import { addWorkingDays, Deadline, YearArrangement } from './working-days';

const BUNDLED = bundledArrangements();

/**
 * Working days for deadlines: the bundled official arrangements, overridden or extended by the
 * years an operator loads.
 */
@Injectable()
export class CalendarService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly repository: CalendarRepository,
  ) {}

  /** `days` working days after `start`. Must run inside a transaction (any scope). */
  async deadline(start: string, days: number): Promise<Deadline> {
    const firstYear = Number(start.slice(0, 4));
    // A deadline of up to a year of working days stays within the next two calendar years.
    return addWorkingDays(start, days, await this.arrangements([firstYear, firstYear + 1, firstYear + 2]));
  }

  getYear(auth: AuthContext, year: number): Promise<CalendarYearDto> {
    return this.tx.run(dbScopeOf(auth), async () => {
      const [loaded] = await this.repository.years([year]);
      if (loaded)
        return { year, source: 'loaded', note: loaded.source, holidays: loaded.holidays.sort(), workdays: loaded.workdays.sort() };
      const bundled = BUNDLED.get(year);
      if (bundled) return { year, source: 'bundled', holidays: [...bundled.holidays].sort(), workdays: [...bundled.workdays].sort() };
      return { year, source: 'weekends_only', holidays: [], workdays: [] };
    });
  }

  /** Loads (or replaces) a year's official arrangement: operator only. */
  loadYear(auth: AuthContext, year: number, dto: LoadCalendarYearDto): Promise<CalendarYearDto> {
    if (auth.kind !== 'operator') throw new ForbiddenError('Only the SaaS operator loads calendars');
    const errors = [
      ...dto.holidays.map((d, i) => ({ d, pointer: `/holidays/${i}` })),
      ...dto.workdays.map((d, i) => ({ d, pointer: `/workdays/${i}` })),
    ]
      .filter(({ d }) => Number(d.slice(0, 4)) !== year)
      .map(({ d, pointer }) => ({ pointer, reason: `${d} is not in ${year}` }));
    const overlap = dto.holidays.filter((d) => dto.workdays.includes(d));
    overlap.forEach((d) => errors.push({ pointer: `/workdays/${dto.workdays.indexOf(d)}`, reason: `${d} is also listed as a holiday` }));
    if (errors.length > 0) throw new ValidationError('The arrangement has dates that do not fit', errors);
    return this.tx.run(dbScopeOf(auth), async () => {
      await this.repository.upsert(year, [...new Set(dto.holidays)], [...new Set(dto.workdays)], dto.source);
      return {
        year,
        source: 'loaded',
        note: dto.source,
        holidays: [...new Set(dto.holidays)].sort(),
        workdays: [...new Set(dto.workdays)].sort(),
      };
    });
  }

  computeDeadline(auth: AuthContext, from: string, days: number): Promise<DeadlineDto> {
    return this.tx.run(dbScopeOf(auth), async () => ({ from, days, ...(await this.deadline(from, days)) }));
  }

  private async arrangements(years: number[]): Promise<Map<number, YearArrangement>> {
    const merged = new Map<number, YearArrangement>();
    years.forEach((y) => BUNDLED.has(y) && merged.set(y, BUNDLED.get(y)!));
    for (const loaded of await this.repository.years(years)) {
      merged.set(loaded.year, { holidays: new Set(loaded.holidays), workdays: new Set(loaded.workdays) });
    }
    return merged;
  }
}
