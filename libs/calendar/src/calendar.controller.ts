import { Body, Controller, Get, Param, ParseIntPipe, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { CalendarYearDto, DeadlineDto, DeadlineQueryDto, LoadCalendarYearDto } from './calendar.dto';
import { CalendarService } from './calendar.service';

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
  getYear(@Auth() auth: AuthContext, @Param('year', ParseIntPipe) year: number): Promise<CalendarYearDto> {
    return this.service.getYear(auth, year);
  }

  /** Load a year's official arrangement (operator). */
  @RequirePermission(Permission.CalendarWrite)
  @Put(':year')
  loadYear(
    @Auth() auth: AuthContext,
    @Param('year', ParseIntPipe) year: number,
    @Body() dto: LoadCalendarYearDto,
  ): Promise<CalendarYearDto> {
    return this.service.loadYear(auth, year, dto);
  }
}
