import { Body, Controller, Get, Param, PipeTransform, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { BadRequestError } from '@govmatrix/common';
import { CalendarYearDto, DeadlineDto, DeadlineQueryDto, LoadCalendarYearDto } from './calendar.dto';
import { CalendarService } from './calendar.service';

/**
 * A year path parameter: four digits within [min, max], else a 400 naming it. (ParseIntPipe took
 * " " and years the calendar table refuses, which then failed in the database: a 500.)
 */
class YearPipe implements PipeTransform<string, number> {
  constructor(
    private readonly min: number,
    private readonly max: number,
  ) {}

  transform(value: string): number {
    const year = /^\d{4}$/.test(value) ? Number(value) : NaN;
    if (!(year >= this.min && year <= this.max))
      throw new BadRequestError(`The path parameter year must be a year from ${this.min} to ${this.max}`, [
        { pointer: '/year', reason: `must be a year from ${this.min} to ${this.max}` },
      ]);
    return year;
  }
}

@ApiTags('calendar')
@Controller('v1/calendar')
export class CalendarController {
  constructor(private readonly service: CalendarService) {}

  /** The deadline `days` working days after `from` (counting from the next working day). */
  @RequirePermission(Permission.SelfRead)
  @Get('deadline')
  deadline(@Auth() auth: AuthContext, @Query() query: DeadlineQueryDto): Promise<DeadlineDto> {
    return this.service.computeDeadline(auth, query.from, query.days);
  }

  /** A year's holiday arrangement and where it comes from. */
  @RequirePermission(Permission.SelfRead)
  @Get(':year')
  getYear(@Auth() auth: AuthContext, @Param('year', new YearPipe(1900, 2200)) year: number): Promise<CalendarYearDto> {
    return this.service.getYear(auth, year);
  }

  /** Load a year's official arrangement (operator). */
  @RequirePermission(Permission.CalendarWrite)
  @Put(':year')
  loadYear(
    @Auth() auth: AuthContext,
    // the years the calendar table holds
    @Param('year', new YearPipe(2000, 2100)) year: number,
    @Body() dto: LoadCalendarYearDto,
  ): Promise<CalendarYearDto> {
    return this.service.loadYear(auth, year, dto);
  }
}
