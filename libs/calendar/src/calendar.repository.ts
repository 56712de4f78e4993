import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

export interface LoadedYear {
  year: number;
  holidays: string[];
  workdays: string[];
  source: string;
  loadedAt: Date;
}

@Injectable()
export class CalendarRepository {
  constructor(private readonly tx: TransactionHost) {}

  async years(years: number[]): Promise<LoadedYear[]> {
    return this.tx.manager.query(
      `SELECT year, array(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(holidays) d) AS holidays,
              array(SELECT to_char(d, 'YYYY-MM-DD') FROM unnest(workdays) d) AS workdays, source, loaded_at AS "loadedAt"
       FROM calendar_years WHERE year = ANY($1::int[])`,
      [years],
    );
  }

  async upsert(year: number, holidays: string[], workdays: string[], source: string): Promise<void> {
    await this.tx.manager.query(
      `INSERT INTO calendar_years (year, holidays, workdays, source) VALUES ($1, $2::date[], $3::date[], $4)
       ON CONFLICT (year) DO UPDATE SET holidays = EXCLUDED.holidays, workdays = EXCLUDED.workdays, source = EXCLUDED.source, loaded_at = now()`,
      [year, holidays, workdays, source],
    );
  }
}
