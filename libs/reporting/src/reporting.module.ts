import { Module } from '@nestjs/common';
import { LedgerModule } from '@govmatrix/ledger';
import { TenancyModule } from '@govmatrix/tenancy';
import { FilingReportsService } from './filing-reports';
import { IdempotencyRepository, IdempotencyService } from './idempotency';
import { MetricsController } from './metrics.controller';
import { ReportingRepository } from './reporting.repository';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** What subordinate portals report: metrics, interactions, posts — in idempotent batches. */
@Module({
  imports: [TenancyModule, LedgerModule],
  controllers: [ReportsController, MetricsController],
  providers: [ReportingRepository, ReportsService, FilingReportsService, IdempotencyRepository, IdempotencyService],
  exports: [ReportingRepository, IdempotencyService],
})
export class ReportingModule {}
