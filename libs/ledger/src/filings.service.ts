import { Injectable } from '@nestjs/common';
import { AuditService } from '@govmatrix/audit';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { ConflictError, decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, NotFoundError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { assertTransition } from './account-lifecycle';
import { REQUIRED_ROLES } from './account-platforms';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import {
  AcceptFilingDto,
  ChangeFilingDto,
  ClosureFilingDto,
  FilingDto,
  FilingPageDto,
  ListFilingsQueryDto,
  OpeningFilingDto,
} from './filings.dto';
import { FilingKind, FilingRecord, FilingsRepository } from './filings.repository';

const toFilingDto = (f: FilingRecord): FilingDto => ({
  id: f.id,
  accountId: f.accountId,
  accountName: f.accountName,
  unitId: f.unitId,
  kind: f.kind,
  status: f.status,
  details: f.details,
  resubmissionOf: f.resubmissionOf,
  submittedAt: new Date(f.submittedAt).toISOString(),
  reviewedAt: f.reviewedAt ? new Date(f.reviewedAt).toISOString() : null,
  returnReasons: f.returnReasons,
});

/** Which account statuses a filing of each kind may be submitted in. */
const FILABLE_IN: Record<FilingKind, readonly string[]> = {
  opening: ['pending_filing'],
  change: ['active', 'rectifying'],
  closure: ['closing'],
};

/**
 * Filings (备案): submitted by the unit, reviewed by the supervising office. A filing after a
 * return is a resubmission and points at the filing it answers.
 */
@Injectable()
export class FilingsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly filings: FilingsRepository,
    private readonly accounts: AccountsRepository,
    private readonly accountsService: AccountsService,
    private readonly audit: AuditService,
  ) {}

  submitOpening(auth: AuthContext, accountId: string, dto: OpeningFilingDto): Promise<FilingDto> {
    return this.submit(auth, accountId, 'opening', dto, async (caller, account) => {
      if (dto.decisionDate > account.openedOn) {
        throw new ValidationError('The leadership meeting decides before the account is opened (R1)', [
          { pointer: '/decisionDate', reason: `must not be after the opening date ${account.openedOn}` },
        ]);
      }
      if (account.kind === 'official_personal' && !dto.unitConsentDate) {
        throw new ValidationError("An official's account needs the unit's consent (R3)", [
          { pointer: '/unitConsentDate', reason: 'required for official-capacity personal accounts' },
        ]);
      }
      await this.requireChain(caller, accountId);
    });
  }

  submitChange(auth: AuthContext, accountId: string, dto: ChangeFilingDto): Promise<FilingDto> {
    return this.submit(auth, accountId, 'change', dto, async (caller) => this.requireChain(caller, accountId));
  }

  submitClosure(auth: AuthContext, accountId: string, dto: ClosureFilingDto): Promise<FilingDto> {
    return this.submit(auth, accountId, 'closure', dto, async () => {
      if (!dto.announcementUrl && !dto.announcementText) {
        throw new ValidationError('A closure filing carries the announcement as evidence (R2)', [
          { pointer: '/announcementUrl', reason: 'give the announcement URL or its text (announcementText)' },
        ]);
      }
    });
  }

  get(auth: AuthContext, id: string): Promise<FilingDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toFilingDto(await this.require(caller, id)));
  }

  list(auth: AuthContext, query: ListFilingsQueryDto): Promise<FilingPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    return this.tx.run(dbScopeOf(caller), async () => {
      const rows = await this.filings.list(
        caller.tenantId,
        caller.scopePath,
        { status: query.status, kind: query.kind, accountId: query.accountId },
        limit + 1,
        position ? { submittedAt: position[0], id: position[1] } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toFilingDto),
        nextCursor: rows.length > limit ? encodeCursor([new Date(last.submittedAt).toISOString(), last.id]) : undefined,
      };
    });
  }

  /** Accepting an opening activates the account; accepting a closure closes it. */
  accept(auth: AuthContext, id: string, dto: AcceptFilingDto): Promise<FilingDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const filing = await this.requirePending(caller, id);
      const account = await this.accountsService.requireAccount(caller, filing.accountId, true);
      if (filing.kind === 'opening') {
        if (account.secondAccountJustification && !account.secondAccountApprovedAt) {
          throw new ConflictError(
            'second_account_not_approved',
            'This is a second live account of the unit on the platform (R4): approve it before accepting its filing',
          );
        }
        assertTransition(account.status, 'active');
        await this.accounts.update(caller.tenantId, account.id, { status: 'active' });
      } else if (filing.kind === 'closure') {
        assertTransition(account.status, 'closed');
        await this.accounts.update(caller.tenantId, account.id, { status: 'closed', closedOn: account.closingStartedOn ?? undefined });
      }
      await this.filings.review(caller.tenantId, id, 'accepted', caller.subjectId, null);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'filing',
        entityId: id,
        action: 'accept',
        before: { status: 'submitted' },
        after: {
          status: 'accepted',
          note: dto.note ?? null,
          accountStatus: filing.kind === 'opening' ? 'active' : filing.kind === 'closure' ? 'closed' : account.status,
        },
      });
      return toFilingDto((await this.filings.findInScope(caller.tenantId, caller.scopePath, id))!);
    });
  }

  returnFiling(auth: AuthContext, id: string, reasons: string[]): Promise<FilingDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.requirePending(caller, id);
      await this.filings.review(caller.tenantId, id, 'returned', caller.subjectId, reasons);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'filing',
        entityId: id,
        action: 'return',
        before: { status: 'submitted' },
        after: { status: 'returned', reasons },
      });
      return toFilingDto((await this.filings.findInScope(caller.tenantId, caller.scopePath, id))!);
    });
  }

  private submit<T extends object>(
    auth: AuthContext,
    accountId: string,
    kind: FilingKind,
    details: T,
    checks: (caller: TenantAuthContext, account: Awaited<ReturnType<AccountsService['requireAccount']>>) => Promise<void>,
  ): Promise<FilingDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const account = await this.accountsService.requireAccount(caller, accountId, true);
      if (!FILABLE_IN[kind].includes(account.status)) {
        throw new ConflictError(
          'not_filable',
          `A ${kind} filing is made while the account is ${FILABLE_IN[kind].join(' or ')}; this account is ${account.status}`,
        );
      }
      if (await this.filings.pendingOf(caller.tenantId, accountId, kind)) {
        throw new ConflictError('filing_pending', `A ${kind} filing of this account is already waiting for review`);
      }
      await checks(caller, account);
      // A resubmission answers the latest filing of its kind when that one was returned; a return already answered is not linked again.
      const latest = (await this.filings.list(caller.tenantId, caller.scopePath, { kind, accountId }, 1000)).pop();
      const returned = latest?.status === 'returned' ? latest : undefined;
      const id = await this.filings.insert(caller.tenantId, {
        accountId,
        unitId: account.unitId,
        kind,
        details: { ...details },
        resubmissionOf: returned?.id,
        submittedByKind: caller.kind,
        submittedBy: caller.subjectId,
      });
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'filing',
        entityId: id,
        action: returned ? 'resubmit' : 'submit',
        after: { accountId, kind, details, resubmissionOf: returned?.id ?? null },
      });
      return toFilingDto((await this.filings.findInScope(caller.tenantId, caller.scopePath, id))!);
    });
  }

  /** R6: no filing until the first responsible, main responsible and chief editor are named. */
  private async requireChain(caller: TenantAuthContext, accountId: string): Promise<void> {
    const people = await this.accounts.peopleAt(caller.tenantId, [accountId]);
    const missing = REQUIRED_ROLES.filter((role) => !people.some((p) => p.role === role));
    if (missing.length > 0) {
      throw new ConflictError(
        'responsibility_chain_incomplete',
        `The account cannot be filed until its responsibility chain is complete (R6): missing ${missing.join(', ')}`,
        missing.map((role) => ({ pointer: `/people/${role}`, reason: 'no current holder' })),
      );
    }
  }

  private async require(caller: TenantAuthContext, id: string): Promise<FilingRecord> {
    const filing = await this.filings.findInScope(caller.tenantId, caller.scopePath, id);
    if (!filing) throw new NotFoundError('Filing', id);
    return filing;
  }

  private async requirePending(caller: TenantAuthContext, id: string): Promise<FilingRecord> {
    const filing = await this.filings.findInScope(caller.tenantId, caller.scopePath, id, true);
    if (!filing) throw new NotFoundError('Filing', id);
    if (filing.status !== 'submitted') throw new ConflictError('already_reviewed', `The filing was already ${filing.status}`);
    return filing;
  }
}
