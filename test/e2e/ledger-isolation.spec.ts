import { Permission, permissionsOf, Role } from '@govmatrix/auth';
import { bearer, clientLogin, createClient, loginOperator, Session } from '../support/fixtures';
import {
  AccountDto,
  accountInStatus,
  CLOSURE,
  CLOSURE_FILING,
  createLedgerWorld,
  expectStatus,
  FilingDto,
  getAccount,
  LedgerWorld,
  listFilings,
  OPENING_FILING,
  putLedgerSettings,
  submitFiling,
  DEFAULT_SETTINGS,
  createAccount,
} from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/** An account (active, with a change filing waiting for review) that a caller tries to reach. */
interface Target {
  label: string;
  account: AccountDto;
  filing: FilingDto;
  operatorId: string;
}

interface Route {
  name: string;
  permission: Permission;
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: (target: Target) => string;
  body?: object;
  /** What the rightful caller gets, in this order, on a target of its own (proves the request itself is sound). */
  rightful: number;
  /** The rightful caller: the unit that manages the account or the office that supervises it. */
  by: 'unit' | 'office';
}

const acc = (x: Target) => `/v1/accounts/${x.account.id}`;
const fil = (x: Target) => `/v1/filings/${x.filing.id}`;

/** Every ledger route that acts on one account or filing. */
const ROUTES: Route[] = [
  { name: 'GET account', permission: Permission.AccountsRead, method: 'get', path: acc, rightful: 200, by: 'unit' },
  { name: 'GET people', permission: Permission.AccountsRead, method: 'get', path: (x) => `${acc(x)}/people`, rightful: 200, by: 'unit' },
  {
    name: 'GET people?at',
    permission: Permission.AccountsRead,
    method: 'get',
    path: (x) => `${acc(x)}/people?at=${encodeURIComponent(new Date().toISOString())}`,
    rightful: 200,
    by: 'unit',
  },
  {
    name: 'GET people/history',
    permission: Permission.AccountsRead,
    method: 'get',
    path: (x) => `${acc(x)}/people/history`,
    rightful: 200,
    by: 'unit',
  },
  { name: 'GET history', permission: Permission.AuditRead, method: 'get', path: (x) => `${acc(x)}/history`, rightful: 200, by: 'office' },
  { name: 'GET filing', permission: Permission.AccountsRead, method: 'get', path: fil, rightful: 200, by: 'office' },
  {
    name: 'PATCH account',
    permission: Permission.AccountsWrite,
    method: 'patch',
    path: acc,
    body: { url: 'https://weibo.com/x' },
    rightful: 200,
    by: 'unit',
  },
  {
    name: 'PUT people/chief_editor',
    permission: Permission.AccountsWrite,
    method: 'put',
    path: (x) => `${acc(x)}/people/chief_editor`,
    body: { name: '越权编辑', phone: '13000000000' },
    rightful: 200,
    by: 'unit',
  },
  {
    name: 'POST operators',
    permission: Permission.AccountsWrite,
    method: 'post',
    path: (x) => `${acc(x)}/operators`,
    body: { name: '越权运维' },
    rightful: 201,
    by: 'unit',
  },
  {
    name: 'DELETE operators/:personId',
    permission: Permission.AccountsWrite,
    method: 'delete',
    path: (x) => `${acc(x)}/operators/${x.operatorId}`,
    rightful: 200,
    by: 'unit',
  },
  {
    name: 'POST approve-second-account',
    permission: Permission.AccountsApprove,
    method: 'post',
    path: (x) => `${acc(x)}/approve-second-account`,
    body: {},
    rightful: 409,
    by: 'office',
  },
  {
    name: 'POST transition',
    permission: Permission.AccountsApprove,
    method: 'post',
    path: (x) => `${acc(x)}/transition`,
    body: { to: 'rectifying', reason: '越权整改' },
    rightful: 200,
    by: 'office',
  },
  {
    name: 'POST filings/opening',
    permission: Permission.FilingsSubmit,
    method: 'post',
    path: (x) => `${acc(x)}/filings/opening`,
    body: OPENING_FILING,
    rightful: 409,
    by: 'unit',
  },
  {
    name: 'POST filings/change',
    permission: Permission.FilingsSubmit,
    method: 'post',
    path: (x) => `${acc(x)}/filings/change`,
    body: { summary: '越权变更', effectiveOn: '2026-11-20' },
    rightful: 409,
    by: 'unit',
  },
  {
    name: 'POST filing return',
    permission: Permission.FilingsReview,
    method: 'post',
    path: (x) => `${fil(x)}/return`,
    body: { reasons: ['越权退回'] },
    rightful: 200,
    by: 'office',
  },
  {
    name: 'POST filing accept',
    permission: Permission.FilingsReview,
    method: 'post',
    path: (x) => `${fil(x)}/accept`,
    body: {},
    rightful: 409,
    by: 'office',
  },
  {
    name: 'POST close',
    permission: Permission.AccountsWrite,
    method: 'post',
    path: (x) => `${acc(x)}/close`,
    body: CLOSURE,
    rightful: 200,
    by: 'unit',
  },
  {
    name: 'POST filings/closure',
    permission: Permission.FilingsSubmit,
    method: 'post',
    path: (x) => `${acc(x)}/filings/closure`,
    body: CLOSURE_FILING,
    rightful: 201,
    by: 'unit',
  },
];

type TargetKey = 'tx' | 'jyj' | 'wxb' | 'hd';
type CallerKey = 'admin' | 'auditorCs' | 'auditorZz' | 'operatorTx' | 'operatorHd' | 'leadCs' | 'clientTx';

interface Caller {
  session: Session;
  permissions: ReadonlySet<Permission>;
}

interface Side {
  world: LedgerWorld;
  mark: string;
  targets: Record<TargetKey, Target>;
  callers: Record<CallerKey, Caller>;
}

/** Which targets each caller may reach within its own tenant. */
const REACH: Record<CallerKey, TargetKey[]> = {
  admin: ['tx', 'jyj', 'wxb', 'hd'],
  auditorCs: ['tx', 'jyj', 'wxb'],
  auditorZz: ['hd'],
  operatorTx: ['tx'],
  operatorHd: ['hd'],
  leadCs: ['tx', 'jyj', 'wxb'],
  clientTx: ['tx'],
};
const TARGET_KEYS: TargetKey[] = ['tx', 'jyj', 'wxb', 'hd'];
const CALLER_KEYS = Object.keys(REACH) as CallerKey[];

describe('ledger isolation: tenants and subtrees', () => {
  let t: TestApp;
  let A: Side;
  let B: Side;

  async function makeSide(operator: Session, mark: string): Promise<Side> {
    const world = await createLedgerWorld(t, operator);
    const office = { cs: world.auditorCs.session, zz: world.auditorZz.session };
    const target = async (unit: string, name: string, city: 'cs' | 'zz'): Promise<Target> => {
      const account = await accountInStatus(t, { unit: world.admin, office: office[city] }, 'active', {
        unitId: unit,
        name: `${name}${mark}`,
      });
      const filing = await submitFiling(t, world.admin, account.id, 'change');
      return { label: `${name}${mark}`, account, filing, operatorId: account.people.operators[0].id };
    };
    const [tx, jyj, wxb, hd] = await Promise.all([
      target(world.units['tx-gaj'], '天心公安', 'cs'),
      target(world.units['tx-jyj'], '天心教育', 'cs'),
      target(world.units['cs-wxb'], '网信长沙', 'cs'),
      target(world.units['hd-gaj'], '荷塘公安', 'zz'),
    ]);
    const client = await createClient(t, world.tenant, {
      name: `portal-tx${mark}`,
      unitId: world.units['tx-gaj'],
      scopes: ['read:own', 'report:filings'],
    });
    const role = (r: Role) => permissionsOf(r, []);
    const callers: Record<CallerKey, Caller> = {
      admin: { session: world.admin, permissions: role('tenant_admin') },
      auditorCs: { session: world.auditorCs.session, permissions: role('auditor') },
      auditorZz: { session: world.auditorZz.session, permissions: role('auditor') },
      operatorTx: { session: world.operatorTx.session, permissions: role('unit_operator') },
      operatorHd: { session: world.operatorHd.session, permissions: role('unit_operator') },
      leadCs: { session: world.leadCs.session, permissions: role('matrix_lead') },
      clientTx: { session: await clientLogin(t, client), permissions: permissionsOf(null, ['read:own', 'report:filings']) },
    };
    return { world, mark, targets: { tx, jyj, wxb, hd }, callers };
  }

  beforeAll(async () => {
    t = await startTestApp();
    const operator = await loginOperator(t);
    [A, B] = await Promise.all([makeSide(operator, '甲'), makeSide(operator, '乙')]);
  }, 60_000);
  afterAll(async () => t?.close());

  const send = (session: Session, route: Route, target: Target) => {
    const req = t.http[route.method](route.path(target)).set(bearer(session.token));
    return route.body ? req.send(route.body) : req;
  };

  /** Every route, for every caller and target given: 404 (or 403 without the permission), never a hint of the row. */
  async function expectUnreachable(pairs: { callerKey: CallerKey; caller: Caller; target: Target }[]): Promise<void> {
    const failures: string[] = [];
    for (const { callerKey, caller, target } of pairs) {
      const answers = await Promise.all(ROUTES.map((route) => send(caller.session, route, target)));
      answers.forEach((res, i) => {
        const route = ROUTES[i];
        const expected = caller.permissions.has(route.permission) ? 404 : 403;
        const leaks = [target.label, target.account.unitName].filter((s) => res.text.includes(s));
        if (res.status !== expected || leaks.length > 0) {
          failures.push(
            `${callerKey} → ${route.name} on ${target.label}: ${res.status} (expected ${expected}) ${leaks.join(',')} ${res.text.slice(0, 200)}`,
          );
        }
      });
    }
    expect(failures).toEqual([]);
  }

  /** The targets as their own side sees them, to show that nothing changed. */
  const snapshot = async (side: Side) =>
    Promise.all(
      TARGET_KEYS.map(async (key) => {
        const { account, filing } = side.targets[key];
        const admin = side.world.admin;
        const history = await t.http.get(`/v1/accounts/${account.id}/people/history`).set(bearer(admin.token));
        const f = await t.http.get(`/v1/filings/${filing.id}`).set(bearer(admin.token));
        return { account: await getAccount(t, admin, account.id), people: history.body as unknown, filing: f.body as unknown };
      }),
    );

  it('tenant A’s callers get 404 (or 403 without the permission) for every route on tenant B’s accounts and filings', async () => {
    const before = await snapshot(B);
    const verifyBefore = await t.http.get('/v1/audit/verify').set(bearer(B.world.admin.token));
    await expectUnreachable(
      CALLER_KEYS.flatMap((callerKey) => TARGET_KEYS.map((key) => ({ callerKey, caller: A.callers[callerKey], target: B.targets[key] }))),
    );
    expect(await snapshot(B)).toEqual(before);
    // Not a single audit entry was written on B's side.
    expect((await t.http.get('/v1/audit/verify').set(bearer(B.world.admin.token))).body).toEqual(verifyBefore.body);
  });

  it('within a tenant, callers get 404 for accounts and filings outside their subtree', async () => {
    const before = await snapshot(A);
    const pairs = CALLER_KEYS.flatMap((callerKey) =>
      TARGET_KEYS.filter((key) => !REACH[callerKey].includes(key)).map((key) => ({
        callerKey,
        caller: A.callers[callerKey],
        target: A.targets[key],
      })),
    );
    // auditor of 长沙 → 荷塘; operator of 天心公安 → its sibling 天心教育, the city's office, 荷塘 …
    expect(pairs.map((p) => `${p.callerKey}:${p.target.label}`)).toEqual(
      expect.arrayContaining([
        'auditorCs:荷塘公安甲',
        'operatorTx:天心教育甲',
        'operatorTx:网信长沙甲',
        'auditorZz:天心公安甲',
        'leadCs:荷塘公安甲',
      ]),
    );
    expect(pairs).toHaveLength(14);
    await expectUnreachable(pairs);
    expect(await snapshot(A)).toEqual(before);
  });

  it('lists never contain the other side’s rows', async () => {
    const failures: string[] = [];
    for (const side of [A, B]) {
      const other = side === A ? B : A;
      const otherFilings = TARGET_KEYS.map((k) => other.targets[k].filing.id);
      const otherAccounts = TARGET_KEYS.map((k) => other.targets[k].account.id);
      for (const callerKey of CALLER_KEYS) {
        const { session } = side.callers[callerKey];
        const reach = REACH[callerKey];
        const seenFilings = (await listFilings(t, session)).map((f) => f.id);
        const expectedFilings = TARGET_KEYS.filter((k) => reach.includes(k)).map((k) => side.targets[k].filing.id);
        if (!expectedFilings.every((id) => seenFilings.includes(id))) failures.push(`${side.mark}/${callerKey}: misses own filings`);
        const foreign = TARGET_KEYS.filter((k) => !reach.includes(k)).map((k) => side.targets[k].filing.id);
        if (seenFilings.some((id) => otherFilings.includes(id) || foreign.includes(id)))
          failures.push(`${side.mark}/${callerKey}: filings leak`);
        // Each target has its opening filing (accepted) and its change filing (submitted).
        if (seenFilings.length !== reach.length * 2)
          failures.push(`${side.mark}/${callerKey}: ${seenFilings.length} filings, expected ${reach.length * 2}`);
        const filtered = await listFilings(t, session, { accountId: other.targets.tx.account.id });
        if (filtered.length !== 0) failures.push(`${side.mark}/${callerKey}: filings by a foreign accountId`);

        const accounts = await t.http.get('/v1/accounts').query({ limit: 100 }).set(bearer(session.token));
        const ids = expectStatus<{ items: { id: string }[] }>(accounts, 200, 'list accounts').items.map((a) => a.id);
        const own = TARGET_KEYS.filter((k) => reach.includes(k)).map((k) => side.targets[k].account.id);
        if ([...ids].sort().join() !== [...own].sort().join())
          failures.push(`${side.mark}/${callerKey}: accounts ${ids.length}, expected ${own.length}`);
        if (ids.some((id) => otherAccounts.includes(id))) failures.push(`${side.mark}/${callerKey}: accounts leak`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('ledger settings are the tenant’s own', async () => {
    await putLedgerSettings(t, A.world.admin, { openingFilingDays: 20, naming: { mode: 'off', extraKeywords: ['甲方'] } });
    const readA = await t.http.get('/v1/settings/ledger').set(bearer(A.world.auditorCs.session.token));
    expect(expectStatus(readA, 200, 'A settings')).toEqual({
      openingFilingDays: 20,
      closureFilingDays: 5,
      naming: { mode: 'off', extraKeywords: ['甲方'] },
    });
    const readB = await t.http.get('/v1/settings/ledger').set(bearer(B.world.auditorCs.session.token));
    expect(expectStatus(readB, 200, 'B settings')).toEqual(DEFAULT_SETTINGS);
    // B's rules still apply to B's accounts: 10 working days and the naming check.
    const b = await createAccount(t, B.world.admin, { unitId: B.world.units['tx-jyj'], platform: 'douyin', name: '无关名称' });
    expect(b.openingFiling.dueOn).toBe('2026-10-16');
    expect(b.openFindings.map((f) => f.kind)).toEqual(['naming']);
    const a = await createAccount(t, A.world.admin, { unitId: A.world.units['tx-jyj'], platform: 'douyin', name: '无关名称' });
    // 29, 30 Sep, 8, 9, 10 (make-up) Oct, then three full weeks to Friday 30 October.
    expect(a.openingFiling.dueOn).toBe('2026-10-30');
    expect(a.openFindings).toEqual([]);
    // Only a tenant admin writes them.
    expect(
      (await t.http.put('/v1/settings/ledger').set(bearer(A.world.auditorCs.session.token)).send({ openingFilingDays: 3 })).status,
    ).toBe(403);
    expect(
      (
        await t.http
          .put('/v1/settings/ledger')
          .set(bearer((await loginOperator(t)).token))
          .send({ openingFilingDays: 3 })
      ).status,
    ).toBe(403);
  });

  it('every route works for the rightful caller on its own target (the requests above were sound)', async () => {
    const target = B.targets.tx;
    const rightful = { unit: B.world.operatorTx.session, office: B.world.auditorCs.session };
    const statuses: [string, number][] = [];
    for (const route of ROUTES) statuses.push([route.name, (await send(rightful[route.by], route, target)).status]);
    expect(statuses).toEqual(ROUTES.map((r) => [r.name, r.rightful]));
    expect((await getAccount(t, rightful.unit, target.account.id)).status).toBe('closing');
  });
});
