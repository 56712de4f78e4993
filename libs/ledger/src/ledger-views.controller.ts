import { Controller, Get, Logger, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { CSV_CONTENT_TYPE, streamAccountsExport, XLSX_CONTENT_TYPE } from './ledger-export';
import {
  AccountListPageDto,
  ExportAccountsQueryDto,
  ListAccountsQueryDto,
  SummaryQueryDto,
  UnitAccountSummaryPageDto,
} from './ledger-views.dto';
import { LedgerViewsService } from './ledger-views.service';

/** Registered before AccountsController, so that `export` and `summary` are not taken for an account id. */
@ApiTags('accounts')
@Controller('v1/accounts')
export class LedgerViewsController {
  private readonly logger = new Logger('LedgerExport');

  constructor(private readonly service: LedgerViewsService) {}

  /**
   * The unified ledger (统一台账): accounts of a subtree (default: your scope) with filters, search
   * and keyset pages. Contacts of the responsibility chain are masked.
   */
  @RequirePermission(Permission.AccountsRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListAccountsQueryDto): Promise<AccountListPageDto> {
    return this.service.list(auth, query);
  }

  /**
   * The ledger as a CSV (UTF-8 with BOM) or XLSX file, with the listing's filters and sort, streamed
   * in batches. Contacts are masked. A failure after the download started cuts the connection.
   */
  @RequirePermission(Permission.AccountsExport)
  @Get('export')
  @ApiProduces(CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE)
  @ApiOkResponse({
    description: 'The export file (Content-Disposition: attachment, named with the day)',
    content: {
      [CSV_CONTENT_TYPE]: { schema: { type: 'string' } },
      [XLSX_CONTENT_TYPE]: { schema: { type: 'string', format: 'binary' } },
    },
  })
  async export(@Auth() auth: AuthContext, @Query() query: ExportAccountsQueryDto, @Res() res: Response): Promise<void> {
    // Until the first batch is read nothing is written, so failures so far answer as problem details.
    const { batches, ...options } = await this.service.export(auth, query);
    await streamAccountsExport(res, options, batches, this.logger);
  }

  /** Per unit of a subtree that opened accounts: totals by status and platform, and overdue filings. */
  @RequirePermission(Permission.AccountsRead)
  @Get('summary')
  summary(@Auth() auth: AuthContext, @Query() query: SummaryQueryDto): Promise<UnitAccountSummaryPageDto> {
    return this.service.summary(auth, query);
  }
}
