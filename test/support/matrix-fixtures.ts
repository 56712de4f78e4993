import { bearer, createTenant, createUser, importUnits, Session, TenantFixture, UnitRow } from './fixtures';
import { acceptFiling, createAccount, expectStatus, OPENING_FILING, submitFiling } from './ledger-fixtures';
import { TestApp } from './test-app';

/**
 * A province with a court system across its tree: 湖南高院 → 长沙中院 → 天心法院 by sector parent,
 * two cities, and supervising offices for the province and 长沙.
 */
export const MATRIX_TREE: (UnitRow & { code: MatrixUnit })[] = [
  { code: 'hn-wxb', name: '湖南省委网信办', shortName: '湖南网信', level: 'bureau', sector: 'cyberspace', supervisor: true },
  { code: 'hn-court', name: '湖南省高级人民法院', shortName: '湖南高院', level: 'bureau', sector: 'court' },
  { code: 'cs', name: '长沙市', shortName: '长沙', level: 'city', divisionCode: '430100' },
  {
    code: 'cs-wxb',
    parentCode: 'cs',
    name: '长沙市委网信办',
    shortName: '长沙网信',
    level: 'bureau',
    sector: 'cyberspace',
    supervisor: true,
  },
  {
    code: 'cs-court',
    parentCode: 'cs',
    name: '长沙市中级人民法院',
    shortName: '长沙中院',
    level: 'bureau',
    sector: 'court',
    sectorParentCode: 'hn-court',
  },
  { code: 'tx', parentCode: 'cs', name: '长沙市天心区', shortName: '天心', level: 'county', divisionCode: '430103' },
  {
    code: 'tx-court',
    parentCode: 'tx',
    name: '长沙市天心区人民法院',
    shortName: '天心法院',
    level: 'bureau',
    sector: 'court',
    sectorParentCode: 'cs-court',
  },
  { code: 'tx-gaj', parentCode: 'tx', name: '长沙市公安局天心分局', shortName: '天心公安', level: 'bureau', sector: 'public_security' },
  { code: 'zz', name: '株洲市', shortName: '株洲', level: 'city', divisionCode: '430200' },
  {
    code: 'zz-wxb',
    parentCode: 'zz',
    name: '株洲市委网信办',
    shortName: '株洲网信',
    level: 'bureau',
    sector: 'cyberspace',
    supervisor: true,
  },
  { code: 'hd', parentCode: 'zz', name: '株洲市荷塘区', shortName: '荷塘', level: 'county', divisionCode: '430202' },
  { code: 'hd-gaj', parentCode: 'hd', name: '株洲市公安局荷塘分局', shortName: '荷塘公安', level: 'bureau', sector: 'public_security' },
];

export type MatrixUnit =
  'root' | 'hn-wxb' | 'hn-court' | 'cs' | 'cs-wxb' | 'cs-court' | 'tx' | 'tx-court' | 'tx-gaj' | 'zz' | 'zz-wxb' | 'hd' | 'hd-gaj';
/** Accounts by `<unit>:<platform>`. */
export type MatrixAccounts = Record<string, string>;

export interface MatrixWorld {
  tenant: TenantFixture;
  units: Record<MatrixUnit, string>;
  accounts: MatrixAccounts;
  admin: Session;
  /** Auditor of the province's supervising office: the whole tree. */
  auditor: Session;
  auditorCs: Session;
  operatorTx: Session;
  leadCourt: Session;
  /** An opening filing of 天心公安's WeChat, submitted and waiting for review. */
  submittedFilingId: string;
  credentials: { tenant: string; username: string; password: string };
}

export const AUDITOR_PASSWORD = 'auditor-password-123';
/** Every account opened before the metrics and interactions below, by a decision of the week before. */
const OPENED_ON = '2026-08-01';
const OPENING = { ...OPENING_FILING, decisionDate: '2026-07-25' };
/** The reporting period of the interactions: two days of October 2026. */
export const OCTOBER = { from: '2026-10-01', to: '2026-10-31' };

/** Live accounts (opened, filed, accepted), the one pending filing, and what they reported. */
const LIVE_ACCOUNTS: [MatrixUnit, string, string][] = [
  ['root', 'weibo', '湖南发布'],
  ['root', 'wechat', '湖南发布'],
  ['root', 'app', '新湖南'],
  ['hn-court', 'weibo', '湖南高院'],
  ['cs', 'weibo', '长沙发布'],
  ['cs', 'wechat', '长沙发布'],
  ['cs', 'app', '我的长沙'],
  ['cs-court', 'weibo', '长沙中院'],
  ['tx', 'weibo', '天心发布'],
  ['tx-court', 'weibo', '天心法院'],
  ['zz', 'wechat', '株洲发布'],
];

/**
 * Interactions of October 2026 (and one in September, outside the period), by `<unit>:<platform>`:
 * [day, source, target, kind, count].
 */
export const INTERACTIONS: [string, string, string, 'repost' | 'comment', number][] = [
  ['2026-10-10', 'tx-court:weibo', 'cs-court:weibo', 'repost', 3], // up the court system
  ['2026-10-10', 'tx-court:weibo', 'tx:weibo', 'comment', 2], // up the tree
  ['2026-10-11', 'cs-court:weibo', 'hn-court:weibo', 'repost', 4],
  ['2026-10-11', 'cs:weibo', 'root:weibo', 'repost', 5],
  ['2026-10-12', 'tx:weibo', 'cs:weibo', 'repost', 1],
  ['2026-10-12', 'root:weibo', 'cs:weibo', 'repost', 2], // down: neither upper nor lower
  ['2026-10-12', 'zz:wechat', 'cs:wechat', 'comment', 7], // between peers
  ['2026-09-20', 'tx:weibo', 'cs:weibo', 'repost', 9], // outside the period
];

/** Daily metrics: [account, day, posts]. */
export const METRICS: [string, string, number][] = [
  ['root:weibo', '2026-09-05', 3],
  ['root:weibo', '2026-09-06', 0],
  ['root:weibo', '2026-10-03', 4],
  ['cs:weibo', '2026-10-03', 2],
];

export async function createMatrixWorld(t: TestApp, operator: Session): Promise<MatrixWorld> {
  const tenant = await createTenant(t, operator);
  const ids = await importUnits(t, tenant, MATRIX_TREE);
  const units = { ...(ids as Record<MatrixUnit, string>), root: tenant.rootUnitId };
  const user = (username: string, role: string, unitId: string) =>
    createUser(t, tenant, { username, role, unitId, password: AUDITOR_PASSWORD }).then((u) => u.session);
  const [auditor, auditorCs, operatorTx, leadCourt] = await Promise.all([
    user('auditor-hn', 'auditor', units['hn-wxb']),
    user('auditor-cs', 'auditor', units['cs-wxb']),
    user('operator-tx', 'unit_operator', units['tx-gaj']),
    user('lead-court', 'matrix_lead', units['cs-court']),
  ]);

  const accounts: MatrixAccounts = {};
  for (const [unit, platform, name] of LIVE_ACCOUNTS) {
    const account = await createAccount(t, tenant.admin, {
      unitId: units[unit],
      platform,
      ...(platform === 'wechat' ? { wechatType: 'subscription' } : {}),
      name,
      openedOn: OPENED_ON,
    });
    await acceptFiling(t, auditor, (await submitFiling(t, tenant.admin, account.id, 'opening', OPENING)).id);
    accounts[`${unit}:${platform}`] = account.id;
  }
  const pending = await createAccount(t, operatorTx, {
    unitId: units['tx-gaj'],
    platform: 'wechat',
    wechatType: 'subscription',
    name: '天心公安',
    openedOn: OPENED_ON,
  });
  accounts['tx-gaj:wechat'] = pending.id;
  const filing = await submitFiling(t, operatorTx, pending.id, 'opening', OPENING);

  await report(t, tenant.admin, '/v1/reports/interactions', {
    rows: INTERACTIONS.map(([day, source, target, kind, count]) => ({
      day,
      sourceAccountId: accounts[source],
      targetAccountId: accounts[target],
      kind,
      count,
    })),
  });
  await report(t, tenant.admin, '/v1/reports/metrics', {
    rows: METRICS.map(([account, day, posts]) => ({
      accountId: accounts[account],
      day,
      posts,
      originals: posts,
      reposts: posts * 10,
      comments: posts,
      likes: posts * 20,
    })),
  });

  return {
    tenant,
    units,
    accounts,
    admin: tenant.admin,
    auditor,
    auditorCs,
    operatorTx,
    leadCourt,
    submittedFilingId: filing.id,
    credentials: { tenant: tenant.slug, username: 'auditor-hn', password: AUDITOR_PASSWORD },
  };
}

async function report(t: TestApp, session: Session, path: string, body: { rows: object[] }): Promise<void> {
  const res = await t.http.post(path).query({ atomic: true }).set(bearer(session.token)).send(body);
  const result = expectStatus<{ rejected: number; errors: unknown[] }>(res, 200, `report ${path}`);
  if (result.rejected > 0) throw new Error(`${path} rejected rows: ${JSON.stringify(result.errors)}`);
}
