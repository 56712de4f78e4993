import { Injectable } from '@nestjs/common';
import { AuditEntryPageDto, AuditService, toAuditEntryDto } from '@govmatrix/audit';
import { AuthContext, dbScopeOf } from '@govmatrix/auth';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, PageQueryDto } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { AccountsService } from './accounts.service';
import { FilingsRepository } from './filings.repository';

/** An account's history as the audit log holds it: what changed, when, by whom. */
@Injectable()
export class AccountHistoryService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly accounts: AccountsService,
    private readonly filings: FilingsRepository,
    private readonly audit: AuditService,
  ) {}

  history(auth: AuthContext, accountId: string, page: PageQueryDto): Promise<AuditEntryPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const [afterSeq] = (decodeCursor(page.cursor, 1) ?? [0]) as number[];
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.accounts.requireAccount(caller, accountId);
      const entityIds = [accountId, ...(await this.filings.idsOfAccount(caller.tenantId, accountId))];
      const rows = await this.audit.history(caller.tenantId, entityIds, limit + 1, afterSeq);
      const items = rows.slice(0, limit);
      return {
        items: items.map(toAuditEntryDto),
        nextCursor: rows.length > limit ? encodeCursor([Number(items[items.length - 1].seq)]) : undefined,
      };
    });
  }
}
