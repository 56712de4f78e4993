import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, NotFoundError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { StepKind } from './case-rules';
import { ListNoticesQueryDto, NoticeDto, NoticePageDto } from './notices.dto';
import { NoticeRecord, NoticesRepository } from './notices.repository';

export const toNoticeDto = (n: NoticeRecord): NoticeDto => ({
  id: n.id,
  kind: n.kind as StepKind,
  caseId: n.caseId,
  stepSeq: n.stepSeq,
  accountId: n.accountId,
  accountName: n.accountName,
  unitId: n.unitId,
  unitName: n.unitName,
  measure: n.measure,
  dueOn: n.dueOn,
  title: n.title,
  message: n.message,
  createdAt: new Date(n.createdAt).toISOString(),
  readAt: n.readAt ? new Date(n.readAt).toISOString() : null,
  readBy: n.readBy,
});

/** Notices of case steps, read by the units (and their supervisors) whose subtree holds the account. */
@Injectable()
export class NoticesService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly notices: NoticesRepository,
  ) {}

  list(auth: AuthContext, query: ListNoticesQueryDto): Promise<NoticePageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    return this.tx.run(dbScopeOf(caller), async () => {
      const rows = await this.notices.list(
        caller.tenantId,
        caller.scopePath,
        { unread: query.unread, caseId: query.caseId, accountId: query.accountId },
        limit + 1,
        position ? { createdAt: position[0], id: position[1] } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toNoticeDto),
        nextCursor: rows.length > limit ? encodeCursor([new Date(last.createdAt).toISOString(), last.id]) : undefined,
      };
    });
  }

  /** Acknowledges receipt: the first reader and time are kept, reading again changes nothing. */
  markRead(auth: AuthContext, id: string): Promise<NoticeDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.require(caller, id);
      await this.notices.markRead(caller.tenantId, id, caller.subjectId);
      return toNoticeDto(await this.require(caller, id));
    });
  }

  private async require(caller: TenantAuthContext, id: string): Promise<NoticeRecord> {
    const notice = await this.notices.findInScope(caller.tenantId, caller.scopePath, id);
    if (!notice) throw new NotFoundError('Notice', id);
    return notice;
  }
}
