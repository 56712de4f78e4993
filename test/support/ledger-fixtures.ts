import type { AuditEntryDto, ChainVerificationDto } from '@govmatrix/audit';
import type { AccountDto, AccountStatus, ChainDto, FilingDto, PersonDto } from '@govmatrix/ledger';
import { bearer, createTenant, createUser, importUnits, Session, TenantFixture, TWO_CITY_TREE, UnitRow } from './fixtures';
import { TestApp } from './test-app';

export type { AccountDto, AuditEntryDto, ChainDto, ChainVerificationDto, FilingDto, PersonDto };

/** Throws with the answer when the status is not the one expected, so a failing setup says why. */
export function expectStatus<T>(res: { status: number; body: unknown; text?: string }, status: number, what: string): T {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${res.text ?? JSON.stringify(res.body)}`);
  return res.body as T;
}

/** A chief editor whose phone masks to 138****5678 and email to z********@example.gov.cn. */
export const CHIEF_EDITOR = { name: '张编辑', position: '总编辑', phone: '13812345678', email: 'zhang.san@example.gov.cn' };

/** A complete responsibility chain (R6): main leader, deputy in charge, chief editor, one operator. */
export const fullChain = () => ({
  firstResponsible: { name: '李局长', position: '局长', phone: '13900001111', email: 'li.juzhang@example.gov.cn' },
  mainResponsible: { name: '王副局长', position: '副局长', phone: '13900002222' },
  chiefEditor: { ...CHIEF_EDITOR },
  operators: [{ name: '赵运维', position: '科员', phone: '13900003333' }],
});

export interface AccountInput {
  unitId: string;
  platform?: string;
  wechatType?: string;
  kind?: string;
  holder?: { name: string; position: string };
  name?: string;
  platformUid?: string;
  url?: string;
  operatingMode?: string;
  vendor?: string;
  openedOn?: string;
  people?: ReturnType<typeof fullChain> | null;
  secondAccountJustification?: string;
}

/**
 * The body of POST /v1/accounts: a self-operated institutional weibo account opened 2026-09-28 with a
 * complete chain. `people: null` leaves the chain empty. The default name suits units under 天心区.
 */
export function accountBody(input: AccountInput): Record<string, unknown> {
  const { people, ...rest } = input;
  return {
    platform: 'weibo',
    kind: 'institutional',
    name: '天心公安',
    operatingMode: 'self',
    openedOn: '2026-09-28',
    ...rest,
    ...(people === null ? {} : { people: people ?? fullChain() }),
  };
}

export async function createAccount(t: TestApp, session: Session, input: AccountInput): Promise<AccountDto> {
  const res = await t.http.post('/v1/accounts').set(bearer(session.token)).send(accountBody(input));
  return expectStatus<AccountDto>(res, 201, `create account ${input.name ?? ''}`);
}

export async function getAccount(t: TestApp, session: Session, id: string): Promise<AccountDto> {
  return expectStatus<AccountDto>(await t.http.get(`/v1/accounts/${id}`).set(bearer(session.token)), 200, `get account ${id}`);
}

export const OPENING_FILING = { decisionDate: '2026-09-25', approver: '李局长', decisionReference: '局党组会议纪要〔2026〕12号' };
export const CLOSURE = { closedOn: '2026-10-09', announcedOn: '2026-10-09', announcementUrl: 'https://weibo.com/notice/1' };
export const CLOSURE_FILING = { announcedOn: '2026-10-09', announcementUrl: 'https://weibo.com/notice/1', deregisteredOn: '2026-10-09' };

export async function submitFiling(
  t: TestApp,
  session: Session,
  accountId: string,
  kind: 'opening' | 'change' | 'closure',
  body?: object,
): Promise<FilingDto> {
  const defaults = { opening: OPENING_FILING, closure: CLOSURE_FILING, change: { summary: '更换运维人员', effectiveOn: '2026-11-02' } };
  const res = await t.http
    .post(`/v1/accounts/${accountId}/filings/${kind}`)
    .set(bearer(session.token))
    .send(body ?? defaults[kind]);
  return expectStatus<FilingDto>(res, 201, `submit ${kind} filing`);
}

export async function acceptFiling(t: TestApp, auditor: Session, filingId: string): Promise<FilingDto> {
  const res = await t.http.post(`/v1/filings/${filingId}/accept`).set(bearer(auditor.token)).send({});
  return expectStatus<FilingDto>(res, 200, `accept filing ${filingId}`);
}

export async function closeAccount(t: TestApp, session: Session, accountId: string, body: object = CLOSURE): Promise<AccountDto> {
  const res = await t.http.post(`/v1/accounts/${accountId}/close`).set(bearer(session.token)).send(body);
  return expectStatus<AccountDto>(res, 200, `close account ${accountId}`);
}

export async function transitionAccount(t: TestApp, auditor: Session, accountId: string, to: string): Promise<AccountDto> {
  const res = await t.http
    .post(`/v1/accounts/${accountId}/transition`)
    .set(bearer(auditor.token))
    .send({ to, reason: `test: to ${to}` });
  return expectStatus<AccountDto>(res, 200, `transition ${accountId} to ${to}`);
}

/**
 * An account brought to a status through the API: the unit (`unit`) files and closes, the
 * supervising office (`office`) accepts and orders. Returns the account as it then is.
 */
export async function accountInStatus(
  t: TestApp,
  actors: { unit: Session; office: Session },
  status: AccountStatus,
  input: AccountInput,
): Promise<AccountDto> {
  const account = await createAccount(t, actors.unit, input);
  const activate = async () => acceptFiling(t, actors.office, (await submitFiling(t, actors.unit, account.id, 'opening')).id);
  switch (status) {
    case 'pending_filing':
      break;
    case 'active':
      await activate();
      break;
    case 'rectifying':
      await activate();
      await transitionAccount(t, actors.office, account.id, 'rectifying');
      break;
    case 'closing':
      await closeAccount(t, actors.unit, account.id);
      break;
    case 'closed':
      await closeAccount(t, actors.unit, account.id);
      await acceptFiling(t, actors.office, (await submitFiling(t, actors.unit, account.id, 'closure')).id);
      break;
    case 'force_closed':
      await transitionAccount(t, actors.office, account.id, 'force_closed');
      break;
  }
  const now = await getAccount(t, actors.unit, account.id);
  if (now.status !== status) throw new Error(`account ${account.id} is ${now.status}, not ${status}`);
  return now;
}

export async function putLedgerSettings(t: TestApp, admin: Session, body: object): Promise<Record<string, unknown>> {
  const res = await t.http.put('/v1/settings/ledger').set(bearer(admin.token)).send(body);
  return expectStatus<Record<string, unknown>>(res, 200, 'put ledger settings');
}

export const DEFAULT_SETTINGS = { openingFilingDays: 10, closureFilingDays: 5, naming: { mode: 'unit_or_region', extraKeywords: [] } };

export type LedgerUnitCode = 'cs' | 'cs-wxb' | 'tx' | 'tx-gaj' | 'tx-jyj' | 'zz' | 'zz-wxb' | 'hd' | 'hd-gaj';

/** The two-city tree with a second bureau under 天心区, so that tx-gaj has a sibling. */
export const LEDGER_TREE: UnitRow[] = [
  ...TWO_CITY_TREE,
  { code: 'tx-jyj', parentCode: 'tx', name: '长沙市天心区教育局', shortName: '天心教育', level: 'bureau', sector: 'education' },
];

export interface LedgerUser {
  id: string;
  session: Session;
}

export interface LedgerWorld {
  tenant: TenantFixture;
  units: Record<LedgerUnitCode | 'root', string>;
  admin: Session;
  /** Auditor of 长沙 (its supervising office): acts on the whole 长沙 subtree. */
  auditorCs: LedgerUser;
  /** Auditor of 株洲. */
  auditorZz: LedgerUser;
  /** Unit operator of 天心公安 (tx-gaj). */
  operatorTx: LedgerUser;
  /** Unit operator of 荷塘公安 (hd-gaj). */
  operatorHd: LedgerUser;
  /** Matrix lead of 长沙: reads only. */
  leadCs: LedgerUser;
}

/** A tenant with LEDGER_TREE and the ledger's cast of users. */
export async function createLedgerWorld(
  t: TestApp,
  operator: Session,
  options: { slug?: string; name?: string } = {},
): Promise<LedgerWorld> {
  const tenant = await createTenant(t, operator, { slug: options.slug, name: options.name });
  const ids = await importUnits(t, tenant, LEDGER_TREE);
  const units = { ...(ids as Record<LedgerUnitCode, string>), root: tenant.rootUnitId };
  const [auditorCs, auditorZz, operatorTx, operatorHd, leadCs] = await Promise.all([
    createUser(t, tenant, { username: 'auditor-cs', role: 'auditor', unitId: units['cs-wxb'] }),
    createUser(t, tenant, { username: 'auditor-zz', role: 'auditor', unitId: units['zz-wxb'] }),
    createUser(t, tenant, { username: 'operator-tx', role: 'unit_operator', unitId: units['tx-gaj'] }),
    createUser(t, tenant, { username: 'operator-hd', role: 'unit_operator', unitId: units['hd-gaj'] }),
    createUser(t, tenant, { username: 'lead-cs', role: 'matrix_lead', unitId: units.cs }),
  ]);
  return { tenant, units, admin: tenant.admin, auditorCs, auditorZz, operatorTx, operatorHd, leadCs };
}

let unitCounter = 0;

/** A fresh bureau under 天心区 (so that "天心…" names pass the naming check): a clean slate for R4. */
export async function createBureauUnderTx(t: TestApp, world: LedgerWorld, label = ''): Promise<string> {
  unitCounter += 1;
  const res = await t.http
    .post('/v1/units')
    .set(bearer(world.admin.token))
    .send({
      parentId: world.units.tx,
      code: `tx-b${unitCounter}`,
      name: `长沙市天心区第${unitCounter}局${label}`,
      shortName: `天心${unitCounter}局`,
      level: 'bureau',
      sector: 'government',
    });
  return expectStatus<{ id: string }>(res, 201, 'create bureau').id;
}

export async function accountHistory(t: TestApp, session: Session, accountId: string): Promise<AuditEntryDto[]> {
  const items: AuditEntryDto[] = [];
  let cursor: string | undefined;
  do {
    const res = await t.http
      .get(`/v1/accounts/${accountId}/history`)
      .query({ limit: 100, ...(cursor ? { cursor } : {}) })
      .set(bearer(session.token));
    const page = expectStatus<{ items: AuditEntryDto[]; nextCursor?: string }>(res, 200, 'account history');
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}

export async function verifyAudit(t: TestApp, session: Session): Promise<ChainVerificationDto> {
  return expectStatus<ChainVerificationDto>(await t.http.get('/v1/audit/verify').set(bearer(session.token)), 200, 'verify audit');
}

/** Every filing a caller can list (all pages). */
export async function listFilings(t: TestApp, session: Session, query: Record<string, string> = {}): Promise<FilingDto[]> {
  const items: FilingDto[] = [];
  let cursor: string | undefined;
  do {
    const res = await t.http
      .get('/v1/filings')
      .query({ limit: 100, ...query, ...(cursor ? { cursor } : {}) })
      .set(bearer(session.token));
    const page = expectStatus<{ items: FilingDto[]; nextCursor?: string }>(res, 200, 'list filings');
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
