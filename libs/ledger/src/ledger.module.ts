import { Module } from '@nestjs/common';
import { TenancyModule } from '@govmatrix/tenancy';
import { AccountHistoryService } from './account-history.service';
import { AccountsController } from './accounts.controller';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { FilingsController } from './filings.controller';
import { FilingsRepository } from './filings.repository';
import { FilingsService } from './filings.service';
import { FindingsRepository } from './findings.repository';
import { LedgerSettingsRepository } from './ledger-settings';
import { LedgerSettingsController, LedgerSettingsService } from './settings.controller';
import { LedgerViewsController } from './ledger-views.controller';
import { LedgerViewsRepository } from './ledger-views.repository';
import { LedgerViewsService } from './ledger-views.service';

/** The unified ledger: accounts, their responsibility chain, filings, ledger views. */
@Module({
  imports: [TenancyModule],
  // LedgerViewsController first: its /v1/accounts/export and /summary must win over /v1/accounts/:id.
  controllers: [LedgerViewsController, AccountsController, FilingsController, LedgerSettingsController],
  providers: [
    AccountsRepository,
    AccountsService,
    AccountHistoryService,
    FilingsRepository,
    FilingsService,
    FindingsRepository,
    LedgerSettingsRepository,
    LedgerSettingsService,
    LedgerViewsRepository,
    LedgerViewsService,
  ],
  exports: [AccountsService, AccountsRepository, FilingsService, FindingsRepository, LedgerSettingsRepository],
})
export class LedgerModule {}
