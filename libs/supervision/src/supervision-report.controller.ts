import { Controller, Get, Logger, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { CSV_CONTENT_TYPE, streamTablesExport, XLSX_CONTENT_TYPE } from '@govmatrix/ledger';
import { MAX_REPORT_YEAR, MIN_REPORT_YEAR, ReportYearParam } from './report-year';
import { SupervisionReportDto, SupervisionReportExportQueryDto, SupervisionReportQueryDto } from './supervision-report.dto';
import { SupervisionReportService } from './supervision-report.service';

const YEAR_PARAM = {
  name: 'year',
  description: `A calendar year from ${MIN_REPORT_YEAR} to ${MAX_REPORT_YEAR}, not after the current year in China (the current year: the year so far).`,
  schema: { type: 'integer', minimum: MIN_REPORT_YEAR, maximum: MAX_REPORT_YEAR },
} as const;

/** The yearly supervision report (年度监管报告) of a supervising office's region, as JSON or a download. */
@ApiTags('supervision-reports')
@Controller('v1/supervision-reports')
export class SupervisionReportController {
  private readonly logger = new Logger('SupervisionReportExport');

  constructor(private readonly service: SupervisionReportService) {}

  /**
   * A region's year: units and accounts (by status at year end, opened, closed), filings, inspection
   * (findings by kind, pass rate), sanctions (by measure, escalations, forced closures) and the top
   * and bottom accounts of the year's published score run.
   */
  @RequirePermission(Permission.SupervisionReportsRead)
  @Get(':year')
  @ApiParam(YEAR_PARAM)
  get(
    @Auth() auth: AuthContext,
    @ReportYearParam() year: number,
    @Query() query: SupervisionReportQueryDto,
  ): Promise<SupervisionReportDto> {
    return this.service.report(auth, year, query);
  }

  /**
   * The same report as a file: XLSX with one sheet per section (概况, 检查, 处置, 排名) and Chinese
   * headers, or CSV (UTF-8 with BOM) with every table under a heading line.
   */
  @RequirePermission(Permission.SupervisionReportsRead)
  @Get(':year/export')
  @ApiParam(YEAR_PARAM)
  @ApiProduces(CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE)
  @ApiOkResponse({
    description: 'The report file (Content-Disposition: attachment; supervision-report-<division code>-<year>.xlsx|csv)',
    content: {
      [CSV_CONTENT_TYPE]: { schema: { type: 'string' } },
      [XLSX_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } },
    },
  })
  async export(
    @Auth() auth: AuthContext,
    @ReportYearParam() year: number,
    @Query() query: SupervisionReportExportQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    // The report is computed before anything is written, so failures answer as problem details.
    const { sheets, ...options } = await this.service.export(auth, year, query);
    await streamTablesExport(res, options, sheets, this.logger);
  }
}
