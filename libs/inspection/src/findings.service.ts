import { Injectable } from '@nestjs/common';
import { AuditService } from '@govmatrix/audit';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { ConflictError, decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, NotFoundError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { AccountsRepository } from '@govmatrix/ledger';
import { requireTenantCaller, UnitsRepository } from '@govmatrix/tenancy';
import { CreateFindingDto, FindingDto, FindingPageDto, ListFindingsQueryDto, SpotCheckDto, SpotCheckQueryDto } from './findings.dto';
import { FindingRow, FindingsQueryRepository } from './findings-query.repository';
import { InspectionSettingsRepository } from './inspection-settings';

const toFindingDto = (f: FindingRow): FindingDto => ({
  ...f,
  openedAt: new Date(f.openedAt).toISOString(),
  closedAt: f.closedAt ? new Date(f.closedAt).toISOString() : null,
});

@Injectable()
export class FindingsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly findings: FindingsQueryRepository,
    private readonly accounts: AccountsRepository,
    private readonly units: UnitsRepository,
    private readonly settings: InspectionSettingsRepository,
    private readonly audit: AuditService,
  ) {}

  list(auth: AuthContext, query: ListFindingsQueryDto): Promise<FindingPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(query.cursor, 2) as [string, string] | undefined;
    return this.tx.run(dbScopeOf(caller), async () => {
      const subtree = await this.subtree(caller, query.under);
      const rows = await this.findings.list(
        caller.tenantId,
        subtree,
        { accountId: query.accountId, kind: query.kind, status: query.status },
        limit + 1,
        position ? { openedAt: position[0], id: position[1] } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toFindingDto),
        nextCursor: rows.length > limit ? encodeCursor([new Date(last.openedAt).toISOString(), last.id]) : undefined,
      };
    });
  }

  get(auth: AuthContext, id: string): Promise<FindingDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toFindingDto(await this.require(caller, id)));
  }

  /** An auditor's own finding: content error, secrecy incident, faked influence. */
  create(auth: AuthContext, dto: CreateFindingDto): Promise<FindingDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const account = await this.accounts.findInScope(caller.tenantId, caller.scopePath, dto.accountId);
      if (!account)
        throw new ValidationError('The account does not exist in your scope', [
          { pointer: '/accountId', reason: 'no such account in your scope' },
        ]);
      const id = await this.findings
        .insertAuditorFinding(caller.tenantId, {
          accountId: account.id,
          unitId: account.unitId,
          kind: dto.kind,
          detail: dto.detail,
          evidence: dto.evidence ?? {},
          enteredBy: caller.subjectId,
        })
        .catch((error: { driverError?: { code?: string } }) => {
          if (error.driverError?.code === '23505')
            throw new ConflictError('finding_open', `The account already has an open ${dto.kind} finding`);
          throw error;
        });
      await this.audit.record(caller, caller.tenantId, { entityType: 'finding', entityId: id, action: 'create', after: { ...dto } });
      return toFindingDto(await this.require(caller, id));
    });
  }

  /** Closes a finding an auditor entered; inspection findings close themselves when the data changes. */
  close(auth: AuthContext, id: string, note: string): Promise<FindingDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const finding = await this.require(caller, id);
      if (finding.status !== 'open') throw new ConflictError('finding_closed', 'The finding is already closed');
      if (finding.source !== 'auditor') {
        throw new ConflictError('finding_automatic', 'Inspection findings close by themselves once the data no longer shows the violation');
      }
      await this.findings.close(caller.tenantId, id, note);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'finding',
        entityId: id,
        action: 'close',
        before: { status: 'open' },
        after: { status: 'closed', note },
      });
      return toFindingDto(await this.require(caller, id));
    });
  }

  spotCheck(auth: AuthContext, query: SpotCheckQueryDto): Promise<SpotCheckDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const subtree = await this.subtree(caller, query.under);
      const share = query.share ?? (await this.settings.get(caller.tenantId)).spotCheckShare;
      const sample = await this.findings.spotCheck(caller.tenantId, subtree, query.seed, share);
      return { seed: query.seed, share, ...sample };
    });
  }

  private async subtree(caller: TenantAuthContext, under: string | undefined): Promise<string> {
    if (!under) return caller.scopePath;
    const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, under);
    if (!unit) throw new NotFoundError('Unit', under);
    return unit.path;
  }

  private async require(caller: TenantAuthContext, id: string): Promise<FindingRow> {
    const finding = await this.findings.find(caller.tenantId, caller.scopePath, id);
    if (!finding) throw new NotFoundError('Finding', id);
    return finding;
  }
}
