import { AccountDto, ChainDto, PersonDto } from './accounts.dto';
import { AccountRecord, PersonRecord } from './accounts.repository';
import { FindingRecord } from './findings.repository';
import { maskEmail, maskPhone } from './masking';

export function toPersonDto(person: PersonRecord, masked: boolean): PersonDto {
  return {
    id: person.id,
    role: person.role,
    name: person.name,
    position: person.position,
    phone: masked ? maskPhone(person.phone) : person.phone,
    email: masked ? maskEmail(person.email) : person.email,
    validFrom: new Date(person.validFrom).toISOString(),
    validTo: person.validTo ? new Date(person.validTo).toISOString() : null,
  };
}

export function toChainDto(people: PersonRecord[], masked: boolean): ChainDto {
  const current = (role: PersonRecord['role']) => people.find((p) => p.role === role);
  const one = (role: PersonRecord['role']) => {
    const person = current(role);
    return person ? toPersonDto(person, masked) : null;
  };
  return {
    firstResponsible: one('first_responsible'),
    mainResponsible: one('main_responsible'),
    chiefEditor: one('chief_editor'),
    operators: people.filter((p) => p.role === 'operator').map((p) => toPersonDto(p, masked)),
  };
}

export function toAccountDto(a: AccountRecord, people: PersonRecord[], findings: FindingRecord[], masked: boolean): AccountDto {
  return {
    id: a.id,
    unitId: a.unitId,
    unitName: a.unitName,
    platform: a.platform,
    wechatType: a.wechatType,
    kind: a.kind,
    holder: a.holderName ? { name: a.holderName, position: a.holderPosition ?? '' } : null,
    name: a.name,
    platformUid: a.platformUid,
    url: a.url,
    verified: a.verified,
    verifiedOn: a.verifiedOn,
    operatingMode: a.operatingMode,
    vendor: a.vendor,
    status: a.status,
    openedOn: a.openedOn,
    openingFiling: { dueOn: a.openingDueOn, provisional: a.openingDueProvisional, overdue: a.openingOverdue },
    closureFiling: a.closureDueOn ? { dueOn: a.closureDueOn, provisional: a.closureDueProvisional, overdue: a.closureOverdue } : null,
    closedOn: a.closedOn,
    secondAccount: a.secondAccountJustification
      ? {
          justification: a.secondAccountJustification,
          approved: a.secondAccountApprovedAt !== null,
          approvedBy: a.secondAccountApprovedBy,
          approvedAt: a.secondAccountApprovedAt ? new Date(a.secondAccountApprovedAt).toISOString() : null,
        }
      : null,
    people: toChainDto(people, masked),
    openFindings: findings.map((f) => ({ id: f.id, kind: f.kind, detail: f.detail, openedAt: new Date(f.openedAt).toISOString() })),
    createdAt: new Date(a.createdAt).toISOString(),
    updatedAt: new Date(a.updatedAt).toISOString(),
  };
}
