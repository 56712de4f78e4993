import { AuthContext, Permission } from '@govmatrix/auth';
import { maskEmail, maskPhone, PersonRecord } from '@govmatrix/ledger';
import { CaseDetailDto, CaseDto, CaseFindingDto, CaseStepDto, PersonOfRecordDto, PersonsOfRecordDto } from './cases.dto';
import { CaseRecord, StepRecord, StoredPerson, StoredPersons } from './cases.repository';

/** The same rule as the ledger's: who manages or supervises accounts sees contacts in full. */
export const seesContacts = (auth: AuthContext): boolean =>
  auth.permissions.has(Permission.AccountsWrite) || auth.permissions.has(Permission.AccountsApprove);

/** The chain as it stands at `at`, kept in the case: later changes of the chain do not touch it. */
export function snapshotPersons(people: PersonRecord[], at: Date): StoredPersons {
  return {
    at: at.toISOString(),
    people: people.map((p) => ({
      id: p.id,
      role: p.role,
      name: p.name,
      position: p.position,
      phone: p.phone,
      email: p.email,
      validFrom: new Date(p.validFrom).toISOString(),
    })),
  };
}

const toPersonOfRecord = (p: StoredPerson, masked: boolean): PersonOfRecordDto => ({
  id: p.id,
  role: p.role,
  name: p.name,
  position: p.position,
  phone: masked ? maskPhone(p.phone) : p.phone,
  email: masked ? maskEmail(p.email) : p.email,
  validFrom: p.validFrom,
});

export function toPersonsOfRecord(stored: StoredPersons, masked: boolean): PersonsOfRecordDto {
  const one = (role: string): PersonOfRecordDto | null => {
    const person = stored.people.find((p) => p.role === role);
    return person ? toPersonOfRecord(person, masked) : null;
  };
  return {
    at: stored.at,
    firstResponsible: one('first_responsible'),
    mainResponsible: one('main_responsible'),
    chiefEditor: one('chief_editor'),
    operators: stored.people.filter((p) => p.role === 'operator').map((p) => toPersonOfRecord(p, masked)),
  };
}

const iso = (value: Date | string | null): string | null => (value === null ? null : new Date(value).toISOString());

export const toCaseDto = (c: CaseRecord): CaseDto => ({
  id: c.id,
  accountId: c.accountId,
  accountName: c.accountName,
  unitId: c.unitId,
  unitName: c.unitName,
  status: c.status,
  measure: c.measure,
  initialMeasure: c.initialMeasure,
  decision: c.decision,
  decidedOn: c.decidedOn,
  dueOn: c.dueOn,
  dueProvisional: c.dueProvisional,
  overdue: c.overdue,
  openedBy: c.openedBy,
  openedAt: iso(c.openedAt)!,
  updatedAt: iso(c.updatedAt)!,
  resolvedAt: iso(c.resolvedAt),
});

export const toCaseStepDto = (s: StepRecord, masked: boolean): CaseStepDto => ({
  seq: s.seq,
  kind: s.kind,
  statusAfter: s.statusAfter,
  measure: s.measure,
  dueOn: s.dueOn,
  dueProvisional: s.dueProvisional,
  actorKind: s.actorKind,
  actorId: s.actorId,
  occurredAt: iso(s.occurredAt)!,
  asOf: iso(s.asOf),
  previousMeasure: s.details.previousMeasure ?? null,
  note: s.details.note ?? null,
  reasons: s.details.reasons ?? null,
  rectification: s.details.rectification ?? null,
  personsOfRecord: s.details.personsOfRecord ? toPersonsOfRecord(s.details.personsOfRecord, masked) : null,
});

export const toCaseDetailDto = (c: CaseRecord, findings: CaseFindingDto[], steps: StepRecord[], masked: boolean): CaseDetailDto => ({
  ...toCaseDto(c),
  findings,
  personsOfRecord: toPersonsOfRecord(c.personsOfRecord, masked),
  steps: steps.map((s) => toCaseStepDto(s, masked)),
});
