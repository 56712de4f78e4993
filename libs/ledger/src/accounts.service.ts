import { Injectable } from '@nestjs/common';
import { AuditService } from '@govmatrix/audit';
import { AuthContext, dbScopeOf, Permission, TenantAuthContext } from '@govmatrix/auth';
import { CalendarService } from '@govmatrix/calendar';
import { ConflictError, FieldError, NotFoundError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller, UnitsRepository } from '@govmatrix/tenancy';
import { assertOrderedTransition, assertTransition } from './account-lifecycle';
import { PersonRole, SingleHolderRole } from './account-platforms';
import {
  AccountDto,
  ApproveSecondAccountDto,
  CloseAccountDto,
  CreateAccountDto,
  PeopleHistoryDto,
  PersonInputDto,
  TransitionDto,
  UpdateAccountDto,
  ChainDto,
} from './accounts.dto';
import { toAccountDto, toChainDto, toPersonDto } from './accounts.mapper';
import { AccountChanges, AccountRecord, AccountsRepository } from './accounts.repository';
import { FindingsRepository } from './findings.repository';
import { LedgerSettingsRepository } from './ledger-settings';
import { checkAccountName } from './naming-check';

/** Callers who manage or supervise accounts see contacts in full; everyone else sees them masked. */
const seesContacts = (auth: AuthContext): boolean =>
  auth.permissions.has(Permission.AccountsWrite) || auth.permissions.has(Permission.AccountsApprove);

/**
 * The unified ledger's accounts: registration by the opening unit, the responsibility chain with
 * its history, the lifecycle, the second-account rule (R4) and the naming check (R5).
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly accounts: AccountsRepository,
    private readonly units: UnitsRepository,
    private readonly findings: FindingsRepository,
    private readonly settings: LedgerSettingsRepository,
    private readonly calendar: CalendarService,
    private readonly audit: AuditService,
  ) {}

  create(auth: AuthContext, dto: CreateAccountDto): Promise<AccountDto> {
    const caller = requireTenantCaller(auth);
    const errors = shapeErrors(dto);
    if (errors.length > 0) throw new ValidationError('The account is incomplete', errors);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, dto.unitId);
      if (!unit || !unit.active) {
        throw new ValidationError('The unit does not exist in your scope', [
          { pointer: '/unitId', reason: 'no such active unit in your scope' },
        ]);
      }
      await this.accounts.lockUnitPlatform(caller.tenantId, dto.unitId, dto.platform);
      const siblings = await this.accounts.liveSiblings(caller.tenantId, dto.unitId, dto.platform);
      if (siblings.length > 0 && !dto.secondAccountJustification) {
        throw new ConflictError(
          'second_account_needs_approval',
          `The unit already has ${siblings.length} live ${dto.platform} account(s) (${siblings.map((s) => s.name).join(', ')}). ` +
            'One account per unit per platform is the rule: give secondAccountJustification and have the supervising office approve it.',
          [{ pointer: '/secondAccountJustification', reason: 'required for a second live account on this platform' }],
        );
      }
      const settings = await this.settings.get(caller.tenantId);
      const due = await this.calendar.deadline(dto.openedOn, settings.openingFilingDays);
      const id = await this.accounts.insert(caller.tenantId, {
        unitId: dto.unitId,
        platform: dto.platform,
        wechatType: dto.wechatType ?? null,
        kind: dto.kind,
        holderName: dto.holder?.name ?? null,
        holderPosition: dto.holder?.position ?? null,
        name: dto.name,
        platformUid: dto.platformUid ?? null,
        url: dto.url ?? null,
        verified: dto.verified ?? false,
        verifiedOn: dto.verifiedOn ?? null,
        operatingMode: dto.operatingMode,
        vendor: dto.vendor ?? null,
        openedOn: dto.openedOn,
        openingDueOn: due.dueOn,
        openingDueProvisional: due.provisional,
        secondAccountJustification: siblings.length > 0 ? (dto.secondAccountJustification ?? null) : null,
      });
      if (dto.people) {
        const chain: [PersonRole, PersonInputDto][] = [
          ['first_responsible', dto.people.firstResponsible],
          ['main_responsible', dto.people.mainResponsible],
          ['chief_editor', dto.people.chiefEditor],
          ...(dto.people.operators ?? []).map((p): [PersonRole, PersonInputDto] => ['operator', p]),
        ];
        for (const [role, person] of chain) await this.accounts.addPerson(caller.tenantId, id, dto.unitId, { role, ...person });
      }
      const account = await this.requireAccount(caller, id);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'account',
        entityId: id,
        action: 'create',
        after: { ...auditView(account), people: (await this.accounts.peopleAt(caller.tenantId, [id])).map((p) => toPersonDto(p, false)) },
      });
      await this.checkNaming(caller, account);
      return this.view(caller, account);
    });
  }

  get(auth: AuthContext, id: string): Promise<AccountDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => this.view(caller, await this.requireAccount(caller, id)));
  }

  update(auth: AuthContext, id: string, dto: UpdateAccountDto): Promise<AccountDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.requireAccount(caller, id, true);
      if (before.status === 'closed' || before.status === 'force_closed') {
        throw new ConflictError('account_closed', `The account is ${before.status}; its record can no longer change`);
      }
      const operatingMode = dto.operatingMode ?? before.operatingMode;
      const vendor = operatingMode === 'self' ? null : (dto.vendor ?? before.vendor);
      const errors: FieldError[] = [];
      if (operatingMode === 'outsourced' && !vendor) errors.push({ pointer: '/vendor', reason: 'an outsourced account names its vendor' });
      if (dto.wechatType && before.platform !== 'wechat')
        errors.push({ pointer: '/wechatType', reason: 'only WeChat accounts have a type' });
      if (dto.holder && before.kind !== 'official_personal')
        errors.push({ pointer: '/holder', reason: 'only official-capacity personal accounts have a holder' });
      if (errors.length > 0) throw new ValidationError('The change does not fit the account', errors);
      const changes: AccountChanges = {
        name: dto.name,
        platformUid: dto.platformUid,
        url: dto.url,
        verified: dto.verified,
        verifiedOn: dto.verifiedOn,
        operatingMode: dto.operatingMode,
        vendor: dto.operatingMode || dto.vendor ? vendor : undefined,
        wechatType: dto.wechatType,
        holderName: dto.holder?.name,
        holderPosition: dto.holder?.position,
      };
      await this.accounts.update(caller.tenantId, id, changes);
      const after = await this.requireAccount(caller, id);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'account',
        entityId: id,
        action: 'update',
        before: auditView(before),
        after: auditView(after),
      });
      if (dto.name !== undefined && dto.name !== before.name) await this.checkNaming(caller, after);
      return this.view(caller, after);
    });
  }

  /** Hands a single-holder role to a new person; the previous holder's period ends now. */
  setHolder(auth: AuthContext, id: string, role: SingleHolderRole, person: PersonInputDto): Promise<ChainDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const account = await this.requireLiveAccount(caller, id);
      const ended = await this.accounts.endHolding(caller.tenantId, id, role);
      const added = await this.accounts.addPerson(caller.tenantId, id, account.unitId, { role, ...person });
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'account_person',
        entityId: id,
        action: `set_${role}`,
        before: ended.map((p) => toPersonDto(p, false)),
        after: toPersonDto(added, false),
      });
      return toChainDto(await this.accounts.peopleAt(caller.tenantId, [id]), !seesContacts(caller));
    });
  }

  addOperator(auth: AuthContext, id: string, person: PersonInputDto): Promise<ChainDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const account = await this.requireLiveAccount(caller, id);
      const added = await this.accounts.addPerson(caller.tenantId, id, account.unitId, { role: 'operator', ...person });
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'account_person',
        entityId: id,
        action: 'add_operator',
        after: toPersonDto(added, false),
      });
      return toChainDto(await this.accounts.peopleAt(caller.tenantId, [id]), !seesContacts(caller));
    });
  }

  removeOperator(auth: AuthContext, id: string, personId: string): Promise<ChainDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.requireLiveAccount(caller, id);
      const ended = await this.accounts.endHolding(caller.tenantId, id, 'operator', personId);
      if (ended.length === 0) throw new NotFoundError('Current operator', personId);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'account_person',
        entityId: id,
        action: 'remove_operator',
        before: toPersonDto(ended[0], false),
      });
      return toChainDto(await this.accounts.peopleAt(caller.tenantId, [id]), !seesContacts(caller));
    });
  }

  /** Who held each role at a moment: what a sanction names (R6). */
  peopleAt(auth: AuthContext, id: string, at: string | undefined): Promise<ChainDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.requireAccount(caller, id);
      return toChainDto(await this.accounts.peopleAt(caller.tenantId, [id], at ? new Date(at) : undefined), !seesContacts(caller));
    });
  }

  peopleHistory(auth: AuthContext, id: string): Promise<PeopleHistoryDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.requireAccount(caller, id);
      const masked = !seesContacts(caller);
      return { items: (await this.accounts.peopleHistory(caller.tenantId, id)).map((p) => toPersonDto(p, masked)) };
    });
  }

  /** The unit closes the account: announced and deregistered; the closure filing is due (R2). */
  close(auth: AuthContext, id: string, dto: CloseAccountDto): Promise<AccountDto> {
    const caller = requireTenantCaller(auth);
    if (dto.announcedOn > dto.closedOn) {
      throw new ValidationError('The closure is announced before the account is deregistered', [
        { pointer: '/announcedOn', reason: 'must not be after closedOn' },
      ]);
    }
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.requireAccount(caller, id, true);
      assertTransition(before.status, 'closing');
      const settings = await this.settings.get(caller.tenantId);
      const due = await this.calendar.deadline(dto.closedOn, settings.closureFilingDays);
      await this.accounts.update(caller.tenantId, id, {
        status: 'closing',
        closingStartedOn: dto.closedOn,
        closureDueOn: due.dueOn,
        closureDueProvisional: due.provisional,
      });
      return this.recordTransition(caller, before, 'close', { ...dto });
    });
  }

  /** The supervising office orders rectification, accepts it, or orders closure. */
  transition(auth: AuthContext, id: string, dto: TransitionDto): Promise<AccountDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.requireAccount(caller, id, true);
      assertOrderedTransition(before.status, dto.to);
      await this.accounts.update(caller.tenantId, id, { status: dto.to });
      return this.recordTransition(caller, before, `transition_${dto.to}`, { reason: dto.reason });
    });
  }

  /** R4: the supervising office approves a second live account of a unit on one platform. */
  approveSecondAccount(auth: AuthContext, id: string, dto: ApproveSecondAccountDto): Promise<AccountDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.requireAccount(caller, id, true);
      if (!before.secondAccountJustification)
        throw new ConflictError('not_a_second_account', 'The account needs no second-account approval');
      if (before.secondAccountApprovedAt) throw new ConflictError('already_approved', 'The second account is already approved');
      await this.accounts.update(caller.tenantId, id, { secondAccountApprovedBy: caller.subjectId, secondAccountApprovedAt: new Date() });
      return this.recordTransition(caller, before, 'approve_second_account', { note: dto.note ?? null });
    });
  }

  /** Writes the audit entry of a change already applied and answers the account as it now is. */
  async recordTransition(caller: TenantAuthContext, before: AccountRecord, action: string, details: object): Promise<AccountDto> {
    const after = await this.requireAccount(caller, before.id);
    await this.audit.record(caller, caller.tenantId, {
      entityType: 'account',
      entityId: before.id,
      action,
      before: auditView(before),
      after: { ...auditView(after), details },
    });
    return this.view(caller, after);
  }

  async requireAccount(caller: TenantAuthContext, id: string, forUpdate = false): Promise<AccountRecord> {
    const account = await this.accounts.findInScope(caller.tenantId, caller.scopePath, id, forUpdate);
    if (!account) throw new NotFoundError('Account', id);
    return account;
  }

  private async requireLiveAccount(caller: TenantAuthContext, id: string): Promise<AccountRecord> {
    const account = await this.requireAccount(caller, id, true);
    if (account.status === 'closed' || account.status === 'force_closed') {
      throw new ConflictError('account_closed', `The account is ${account.status}; its responsibility chain is frozen`);
    }
    return account;
  }

  async view(caller: TenantAuthContext, account: AccountRecord): Promise<AccountDto> {
    const [people, findings] = await Promise.all([
      this.accounts.peopleAt(caller.tenantId, [account.id]),
      this.findings.openOf(caller.tenantId, [account.id]),
    ]);
    return toAccountDto(account, people, findings, !seesContacts(caller));
  }

  /** R5: a name not tied to its unit or region opens a `naming` finding; a fixed name closes it. */
  private async checkNaming(caller: TenantAuthContext, account: AccountRecord): Promise<void> {
    const context = await this.findings.namingContext(account.unitId);
    if (!context) return;
    const settings = await this.settings.get(caller.tenantId);
    const result = checkAccountName(
      account.name,
      {
        unitName: context.unit_name,
        unitShortName: context.unit_short_name,
        regionName: context.region_name,
        regionShortName: context.region_short_name,
      },
      settings.naming,
    );
    if (result.ok) {
      if (await this.findings.close(caller.tenantId, account.id, 'naming')) {
        await this.audit.record(caller, caller.tenantId, {
          entityType: 'finding',
          entityId: account.id,
          action: 'close_naming',
          after: { name: account.name },
        });
      }
      return;
    }
    const detail = `The name "${account.name}" does not contain the unit's or region's name (expected one of: ${result.expected.join('、')})`;
    const evidence = { name: account.name, expected: result.expected };
    if (await this.findings.open(caller.tenantId, account.id, account.unitId, 'naming', detail, evidence)) {
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'finding',
        entityId: account.id,
        action: 'open_naming',
        after: evidence,
      });
    }
  }
}

/** The fields of an account worth keeping in its audit history. */
function auditView(a: AccountRecord): Record<string, unknown> {
  return {
    unitId: a.unitId,
    platform: a.platform,
    wechatType: a.wechatType,
    kind: a.kind,
    holderName: a.holderName,
    holderPosition: a.holderPosition,
    name: a.name,
    platformUid: a.platformUid,
    url: a.url,
    verified: a.verified,
    verifiedOn: a.verifiedOn,
    operatingMode: a.operatingMode,
    vendor: a.vendor,
    status: a.status,
    openedOn: a.openedOn,
    openingDueOn: a.openingDueOn,
    closureDueOn: a.closureDueOn,
    closedOn: a.closedOn,
    secondAccountApprovedAt: a.secondAccountApprovedAt,
  };
}

/** The rules between fields that class-validator cannot express one field at a time. */
function shapeErrors(dto: CreateAccountDto): FieldError[] {
  const errors: FieldError[] = [];
  if (dto.platform === 'wechat' && !dto.wechatType)
    errors.push({ pointer: '/wechatType', reason: 'a WeChat account is a subscription or a service account' });
  if (dto.platform !== 'wechat' && dto.wechatType) errors.push({ pointer: '/wechatType', reason: 'only WeChat accounts have a type' });
  if (dto.kind === 'official_personal' && !dto.holder) {
    errors.push({ pointer: '/holder', reason: 'an official-capacity personal account names the official (R3)' });
  }
  if (dto.kind === 'institutional' && dto.holder)
    errors.push({ pointer: '/holder', reason: 'only official-capacity personal accounts have a holder' });
  if (dto.operatingMode === 'outsourced' && !dto.vendor)
    errors.push({ pointer: '/vendor', reason: 'an outsourced account names its vendor' });
  if (dto.operatingMode === 'self' && dto.vendor) errors.push({ pointer: '/vendor', reason: 'a self-operated account has no vendor' });
  return errors;
}
