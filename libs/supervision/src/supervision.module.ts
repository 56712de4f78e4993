import { Module } from '@nestjs/common';
import { SupervisionReportController } from './supervision-report.controller';
import { SupervisionReportRepository } from './supervision-report.repository';
import { SupervisionReportService } from './supervision-report.service';

/** The yearly supervision report of a supervising office (年度监管报告): counts, inspection, sanctions, rankings. */
@Module({
  controllers: [SupervisionReportController],
  providers: [SupervisionReportRepository, SupervisionReportService],
  exports: [SupervisionReportService],
})
export class SupervisionModule {}
