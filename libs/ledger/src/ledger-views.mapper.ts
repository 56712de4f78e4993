import { PersonRecord } from './accounts.repository';
import { toChainDto } from './accounts.mapper';
import { AccountListItemDto, UnitAccountSummaryDto } from './ledger-views.dto';
import { LedgerAccountRecord, UnitSummaryRecord } from './ledger-views.repository';

/** A ledger row; contacts are always masked in listings and exports. */
export function toAccountListItemDto(a: LedgerAccountRecord, people: PersonRecord[], openFindingKinds: string[]): AccountListItemDto {
  return {
    id: a.id,
    unitId: a.unitId,
    unitName: a.unitName,
    unitLevel: a.unitLevel,
    unitSector: a.unitSector,
    platform: a.platform,
    wechatType: a.wechatType,
    kind: a.kind,
    name: a.name,
    platformUid: a.platformUid,
    url: a.url,
    status: a.status,
    openedOn: a.openedOn,
    openingFiling: { dueOn: a.openingDueOn, provisional: a.openingDueProvisional, overdue: a.openingOverdue },
    closureFiling: a.closureDueOn ? { dueOn: a.closureDueOn, provisional: a.closureDueProvisional, overdue: a.closureOverdue } : null,
    verified: a.verified,
    operatingMode: a.operatingMode,
    vendor: a.vendor,
    people: toChainDto(people, true),
    openFindingKinds,
    createdAt: new Date(a.createdAt).toISOString(),
  };
}

export function toUnitAccountSummaryDto(s: UnitSummaryRecord): UnitAccountSummaryDto {
  return {
    unitId: s.unitId,
    unitName: s.unitName,
    unitLevel: s.unitLevel,
    unitSector: s.unitSector,
    total: s.total,
    byStatus: s.byStatus,
    byPlatform: s.byPlatform,
    overdue: s.overdue,
  };
}
