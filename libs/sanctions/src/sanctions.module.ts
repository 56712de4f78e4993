import { Module } from '@nestjs/common';
import { LedgerModule } from '@govmatrix/ledger';
import { ReportingModule } from '@govmatrix/reporting';
import { TenancyModule } from '@govmatrix/tenancy';
import { CaseEscalationService } from './case-escalation.service';
import { CaseSteps } from './case-steps.service';
import { CasesController } from './cases.controller';
import { CasesRepository } from './cases.repository';
import { CasesService } from './cases.service';
import { NoticesController } from './notices.controller';
import { NoticesRepository } from './notices.repository';
import { NoticesService } from './notices.service';
import { SanctionsSettingsRepository } from './sanctions-settings';
import { SanctionsSettingsController, SanctionsSettingsService } from './sanctions-settings.controller';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** Sanctions (R9): cases with escalation, rectification reports, notices and signed webhooks. */
@Module({
  imports: [TenancyModule, LedgerModule, ReportingModule],
  controllers: [CasesController, NoticesController, WebhooksController, SanctionsSettingsController],
  providers: [
    CasesRepository,
    CaseSteps,
    CasesService,
    CaseEscalationService,
    NoticesRepository,
    NoticesService,
    SanctionsSettingsRepository,
    SanctionsSettingsService,
    WebhooksRepository,
    WebhooksService,
    WebhookDeliveryService,
  ],
  exports: [CasesService, CaseEscalationService, WebhookDeliveryService, SanctionsSettingsRepository],
})
export class SanctionsModule {}
