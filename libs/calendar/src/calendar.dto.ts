import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsString, Length, Matches, Max, Min, Validate } from 'class-validator';
import { IsoDateConstraint } from './iso-date.constraint';

export class LoadCalendarYearDto {
  /** Public holidays (YYYY-MM-DD), including the weekend days the arrangement gives off. */
  @IsArray()
  @ArrayMaxSize(366)
  @Validate(IsoDateConstraint, { each: true })
  holidays: string[];

  /** Weekend days worked in lieu (调休). */
  @IsArray()
  @ArrayMaxSize(366)
  @Validate(IsoDateConstraint, { each: true })
  workdays: string[];

  /** Where the arrangement comes from, e.g. 国办发明电〔2026〕7号. */
  @IsString()
  @Length(1, 500)
  source: string;
}

export class CalendarYearDto {
  year: number;
  /** `loaded` by an operator, `bundled` with the product, or `weekends_only` (deadlines provisional). */
  @ApiProperty({ enum: ['loaded', 'bundled', 'weekends_only'] })
  source: 'loaded' | 'bundled' | 'weekends_only';
  note?: string;
  holidays: string[];
  workdays: string[];
}

export class DeadlineQueryDto {
  /** The day the period starts from (counting begins the next working day). */
  @Matches(/^\d{4}-\d{2}-\d{2}$/)
  @Validate(IsoDateConstraint)
  from: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  days: number;
}

export class DeadlineDto {
  from: string;
  days: number;
  dueOn: string;
  /** True when a counted day fell in a year with no known arrangement. */
  provisional: boolean;
}
