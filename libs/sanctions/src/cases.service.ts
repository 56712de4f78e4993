import { Injectable } from '@nestjs/common';
import { AuditEntryPageDto, AuditService, toAuditEntryDto } from '@govmatrix/audit';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { CalendarService, chinaToday } from '@govmatrix/calendar';
import {
  ConflictError,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  FieldError,
  NotFoundError,
  PageQueryDto,
  ValidationError,
} from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { AccountsRepository, AccountsService, AccountStatus } from '@govmatrix/ledger';
import { IdempotencyService, IdempotentAnswer } from '@govmatrix/reporting';
import { requireTenantCaller, UnitsRepository } from '@govmatrix/tenancy';
import { assertCaseStep } from './case-rules';
import { CaseSteps } from './case-steps.service';
import {
  AcceptRectificationDto,
  CaseDetailDto,
  CasePageDto,
  ListCasesQueryDto,
  OpenCaseDto,
  RectificationReportDto,
  ReturnRectificationDto,
} from './cases.dto';
import { seesContacts, snapshotPersons, toCaseDetailDto, toCaseDto } from './cases.mapper';
import { CaseRecord, CasesRepository, NewStep } from './cases.repository';
import { SanctionsSettingsRepository } from './sanctions-settings';

/** A rectification report as it arrives: the body, and the idempotency key a machine client may send. */
export interface RectificationRequest {
  dto: RectificationReportDto;
  idempotencyKey?: string;
  requestHash: Buffer;
}

const actorOf = (caller: TenantAuthContext): Pick<NewStep, 'actorKind' | 'actorId'> => ({
  actorKind: caller.kind === 'client' ? 'client' : 'user',
  actorId: caller.subjectId,
});

/**
 * Cases (处置, R9): an auditor's decision on findings of one account, with a measure and a
 * working-day deadline; the unit's rectification report; the auditor's acceptance or return.
 * Every step is appended to the case's history, noticed to the unit and audited.
 */
@Injectable()
export class CasesService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly cases: CasesRepository,
    private readonly steps: CaseSteps,
    private readonly accounts: AccountsRepository,
    private readonly accountsService: AccountsService,
    private readonly units: UnitsRepository,
    private readonly settings: SanctionsSettingsRepository,
    private readonly calendar: CalendarService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
  ) {}

  /**
   * Opens a case: names the responsible persons of record as the chain stands now (R6); moves an
   * active account to `rectifying`, or any live account to `force_closed` for a forced closure.
   */
  open(auth: AuthContext, dto: OpenCaseDto): Promise<CaseDetailDto> {
    const caller = requireTenantCaller(auth);
    const today = chinaToday();
    const decidedOn = dto.decidedOn ?? today;
    if (decidedOn > today) {
      throw new ValidationError('A decision cannot be dated in the future', [
        { pointer: '/decidedOn', reason: `must not be after today in China (${today})` },
      ]);
    }
    return this.tx.run(dbScopeOf(caller), async () => {
      const account = await this.accountsService.requireAccount(caller, dto.accountId, true);
      if (account.status === 'closed' || account.status === 'force_closed') {
        throw new ConflictError('account_closed', `The account is ${account.status}: there is nothing left to rectify`);
      }
      await this.requireOpenFindings(caller, account.id, dto.findingIds);
      const settings = await this.settings.get(caller.tenantId);
      const due = await this.calendar.deadline(decidedOn, dto.deadlineDays ?? settings.deadlineDays[dto.measure]);
      const personsOfRecord = snapshotPersons(await this.accounts.peopleAt(caller.tenantId, [account.id]), new Date());
      const id = await this.cases.insertCase(caller.tenantId, {
        accountId: account.id,
        unitId: account.unitId,
        measure: dto.measure,
        decision: dto.decision,
        decidedOn,
        dueOn: due.dueOn,
        dueProvisional: due.provisional,
        personsOfRecord,
        openedBy: caller.subjectId,
        findingIds: dto.findingIds,
      });
      const target: AccountStatus | undefined =
        dto.measure === 'forced_closure' ? 'force_closed' : account.status === 'active' ? 'rectifying' : undefined;
      const accountStatus = target ? await this.steps.moveAccount(caller, caller.tenantId, account, target, id) : undefined;
      await this.steps.record(caller, caller.tenantId, [
        {
          account: { id: account.id, name: account.name },
          step: {
            caseId: id,
            seq: 1,
            unitId: account.unitId,
            kind: 'opened',
            statusAfter: 'awaiting_rectification',
            measure: dto.measure,
            dueOn: due.dueOn,
            dueProvisional: due.provisional,
            ...actorOf(caller),
            details: { note: dto.decision, personsOfRecord, findingIds: dto.findingIds },
            asOf: null,
          },
          accountStatus,
          auditDetails: { accountId: account.id, decidedOn },
        },
      ]);
      return this.detail(caller, id);
    });
  }

  list(auth: AuthContext, query: ListCasesQueryDto): Promise<CasePageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    return this.tx.run(dbScopeOf(caller), async () => {
      const subtree = await this.subtree(caller, query.under);
      const rows = await this.cases.list(
        caller.tenantId,
        subtree,
        { status: query.status, measure: query.measure, accountId: query.accountId, overdue: query.overdue },
        limit + 1,
        position ? { openedAt: position[0], id: position[1] } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toCaseDto),
        nextCursor: rows.length > limit ? encodeCursor([new Date(last.openedAt).toISOString(), last.id]) : undefined,
      };
    });
  }

  get(auth: AuthContext, id: string): Promise<CaseDetailDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), () => this.detail(caller, id));
  }

  /** The unit's answer. Idempotent with an Idempotency-Key: a retry gets the first answer back. */
  submitRectification(auth: AuthContext, id: string, request: RectificationRequest): Promise<IdempotentAnswer<CaseDetailDto>> {
    const caller = requireTenantCaller(auth);
    const { dto } = request;
    const today = chinaToday();
    if (dto.rectifiedOn > today) {
      throw new ValidationError('A rectification cannot be dated in the future', [
        { pointer: '/rectifiedOn', reason: `must not be after today in China (${today})` },
      ]);
    }
    return this.tx.run(dbScopeOf(caller), () =>
      this.idempotency.run(
        { tenantId: caller.tenantId, subjectId: caller.subjectId },
        request.idempotencyKey,
        request.requestHash,
        async () => {
          const c = await this.requireCase(caller, id, true);
          const statusAfter = assertCaseStep(c.status, 'rectification_submitted');
          await this.recordStep(caller, c, {
            kind: 'rectification_submitted',
            statusAfter,
            details: { rectification: { text: dto.text, evidenceUrls: dto.evidenceUrls ?? [], rectifiedOn: dto.rectifiedOn } },
          });
          return { status: 201, body: await this.detail(caller, id) };
        },
      ),
    );
  }

  /** Resolves the case; the account is active again once no other case of it is unresolved. */
  accept(auth: AuthContext, id: string, dto: AcceptRectificationDto): Promise<CaseDetailDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const c = await this.requireCase(caller, id, true);
      const statusAfter = assertCaseStep(c.status, 'accepted');
      const account = await this.accountsService.requireAccount(caller, c.accountId, true);
      const reactivate = account.status === 'rectifying' && (await this.cases.unresolvedOfAccount(caller.tenantId, account.id, c.id)) === 0;
      const accountStatus = reactivate ? await this.steps.moveAccount(caller, caller.tenantId, account, 'active', c.id) : undefined;
      await this.recordStep(caller, c, { kind: 'accepted', statusAfter, details: dto.note ? { note: dto.note } : {} }, accountStatus);
      return this.detail(caller, id);
    });
  }

  /** Sends the case back to the unit with reasons; the deadline stands unless a new one is given. */
  returnRectification(auth: AuthContext, id: string, dto: ReturnRectificationDto): Promise<CaseDetailDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const c = await this.requireCase(caller, id, true);
      const statusAfter = assertCaseStep(c.status, 'returned');
      const due = dto.deadlineDays ? await this.calendar.deadline(chinaToday(), dto.deadlineDays) : undefined;
      await this.recordStep(caller, c, {
        kind: 'returned',
        statusAfter,
        details: { reasons: dto.reasons },
        ...(due ? { dueOn: due.dueOn, dueProvisional: due.provisional } : {}),
      });
      return this.detail(caller, id);
    });
  }

  /** The case's entries in the audit log: every step, who took it and when. */
  history(auth: AuthContext, id: string, page: PageQueryDto): Promise<AuditEntryPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const [afterSeq] = (decodeCursor(page.cursor, 1, (p) => Number.isInteger(p[0])) ?? [0]) as number[];
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.requireCase(caller, id);
      const rows = await this.audit.history(caller.tenantId, [id], limit + 1, afterSeq);
      const items = rows.slice(0, limit);
      return {
        items: items.map(toAuditEntryDto),
        nextCursor: rows.length > limit ? encodeCursor([Number(items[items.length - 1].seq)]) : undefined,
      };
    });
  }

  private async recordStep(
    caller: TenantAuthContext,
    c: CaseRecord,
    step: Pick<NewStep, 'kind' | 'statusAfter' | 'details'> & Partial<Pick<NewStep, 'dueOn' | 'dueProvisional'>>,
    accountStatus?: { from: string; to: string },
  ): Promise<void> {
    await this.steps.record(caller, caller.tenantId, [
      {
        before: c,
        account: { id: c.accountId, name: c.accountName },
        step: {
          caseId: c.id,
          seq: c.stepCount + 1,
          unitId: c.unitId,
          measure: c.measure,
          dueOn: c.dueOn,
          dueProvisional: c.dueProvisional,
          ...actorOf(caller),
          asOf: null,
          ...step,
        },
        accountStatus,
      },
    ]);
  }

  /** Every finding must be an open finding of the account, not already answered by an unresolved case. */
  private async requireOpenFindings(caller: TenantAuthContext, accountId: string, ids: string[]): Promise<void> {
    const found = new Map((await this.cases.findingsForCase(caller.tenantId, caller.scopePath, ids)).map((f) => [f.id, f]));
    const errors: FieldError[] = [];
    const taken: string[] = [];
    ids.forEach((id, i) => {
      const finding = found.get(id.toLowerCase());
      if (!finding || finding.accountId !== accountId) {
        errors.push({ pointer: `/findingIds/${i}`, reason: 'no such finding of this account in your scope' });
      } else if (finding.status !== 'open') {
        errors.push({ pointer: `/findingIds/${i}`, reason: 'the finding is closed' });
      } else if (finding.inUnresolvedCase) {
        taken.push(id);
      }
    });
    if (errors.length > 0) throw new ValidationError('A case answers open findings of its account', errors);
    if (taken.length > 0) {
      throw new ConflictError(
        'finding_in_case',
        `Finding(s) ${taken.join(', ')} already belong to an unresolved case`,
        taken.map((id) => ({ pointer: `/findingIds/${ids.indexOf(id)}`, reason: 'already in an unresolved case' })),
      );
    }
  }

  private async detail(caller: TenantAuthContext, id: string): Promise<CaseDetailDto> {
    const c = await this.requireCase(caller, id);
    const [findings, steps] = await Promise.all([
      this.cases.caseFindings(caller.tenantId, caller.scopePath, id),
      this.cases.steps(caller.tenantId, caller.scopePath, id),
    ]);
    return toCaseDetailDto(c, findings, steps, !seesContacts(caller));
  }

  private async requireCase(caller: TenantAuthContext, id: string, forUpdate = false): Promise<CaseRecord> {
    const c = await this.cases.findInScope(caller.tenantId, caller.scopePath, id, forUpdate);
    if (!c) throw new NotFoundError('Case', id);
    return c;
  }

  private async subtree(caller: TenantAuthContext, under: string | undefined): Promise<string> {
    if (!under) return caller.scopePath;
    const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, under);
    if (!unit) throw new NotFoundError('Unit', under);
    return unit.path;
  }
}
