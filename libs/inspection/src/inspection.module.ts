import { Module } from '@nestjs/common';
import { LedgerModule } from '@govmatrix/ledger';
import { TenancyModule } from '@govmatrix/tenancy';
import { FindingsQueryRepository } from './findings-query.repository';
import { FindingsController } from './findings.controller';
import { FindingsService } from './findings.service';
import { InspectionSettingsRepository } from './inspection-settings';
import { InspectionSettingsController, InspectionSettingsService } from './inspection-settings.controller';
import { InspectionRepository } from './inspection.repository';
import { InspectionService } from './inspection.service';

/** The daily inspection, findings (automatic and auditors'), spot checks. */
@Module({
  imports: [TenancyModule, LedgerModule],
  controllers: [FindingsController, InspectionSettingsController],
  providers: [
    InspectionRepository,
    InspectionService,
    InspectionSettingsRepository,
    InspectionSettingsService,
    FindingsQueryRepository,
    FindingsService,
  ],
  exports: [InspectionService, InspectionSettingsRepository],
})
export class InspectionModule {}
