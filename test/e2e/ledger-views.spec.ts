import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { get, IncomingHttpHeaders, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parse } from 'csv-parse/sync';
import { Workbook } from 'exceljs';
import { chinaToday } from '@govmatrix/calendar';
import { TransactionHost, tenantScope } from '@govmatrix/database';
import { AccountsRepository, EXPORT_BATCH_SIZE, LedgerViewsRepository, toAccountListItemDto } from '@govmatrix/ledger';
import {
  bearer,
  createTenant,
  createUser,
  expectProblem,
  importUnits,
  loginOperator,
  pointersOf,
  Session,
  TenantFixture,
  TWO_CITY_TREE,
} from '../support/fixtures';
import { withClient } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

const daysAgo = (days: number): string => chinaToday(Date.now() - days * 86_400_000);

interface Person {
  name: string;
  position: string | null;
  phone: string | null;
  email: string | null;
}

interface ListItem {
  id: string;
  unitId: string;
  unitName: string;
  unitLevel: string;
  unitSector: string;
  platform: string;
  kind: string;
  name: string;
  platformUid: string | null;
  status: string;
  openedOn: string;
  openingFiling: { dueOn: string; provisional: boolean; overdue: boolean };
  closureFiling: { dueOn: string; provisional: boolean; overdue: boolean } | null;
  verified: boolean;
  operatingMode: string;
  vendor: string | null;
  people: { firstResponsible: Person | null; mainResponsible: Person | null; chiefEditor: Person | null; operators: Person[] };
  openFindingKinds: string[];
  createdAt: string;
}

interface Summary {
  unitId: string;
  unitName: string;
  unitLevel: string;
  unitSector: string;
  total: number;
  overdue: number;
  byStatus: Record<string, number>;
  byPlatform: Record<string, number>;
}

type Key = 'A1' | 'A2' | 'A3' | 'A4' | 'A5' | 'A6' | 'A7' | 'A8' | 'Z1' | 'Z2' | 'Z3' | 'Z4';
const CS_KEYS: Key[] = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'A8'];
const ZZ_KEYS: Key[] = ['Z1', 'Z2', 'Z3', 'Z4'];

const chain = (phone = '13812345678') => ({
  firstResponsible: { name: '王一', position: '局长', phone, email: 'wang.yi@example.gov.cn' },
  mainResponsible: { name: '李二', position: '副局长', phone: '13987654321' },
  chiefEditor: { name: '赵三', position: '总编辑', phone: '13700001111' },
  operators: [{ name: '钱四' }, { name: '孙五' }],
});

const sortedIds = (ids: string[]): string[] => [...ids].sort();
const MB = 2 ** 20;

/** Streams a response to a file without holding it in memory; rejects when the connection is cut. */
async function download(
  t: TestApp,
  token: string,
  query: Record<string, string>,
  file: string,
): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  const server = t.app.getHttpServer() as Server;
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    get({ host: '127.0.0.1', port, path: `/v1/accounts/export?${new URLSearchParams(query)}`, headers: bearer(token) }, resolve).on(
      'error',
      reject,
    ),
  );
  await pipeline(res, createWriteStream(file));
  return { status: res.statusCode!, headers: res.headers };
}

describe('ledger views: listing, export, summary (统一台账)', () => {
  let t: TestApp;
  let tenant: TenantFixture;
  let units: Record<string, string>;
  let auditorCs: Session;
  let auditorZz: Session;
  let operatorTx: Session;
  const ids = {} as Record<Key, string>;
  const names = {} as Record<Key, string>;
  let dir: string;

  const list = async (token: string, query: Record<string, unknown> = {}): Promise<{ items: ListItem[]; nextCursor?: string }> => {
    const res = await t.http.get('/v1/accounts').query(query).set(bearer(token));
    if (res.status !== 200) throw new Error(`list ${JSON.stringify(query)}: ${res.status} ${res.text}`);
    return res.body;
  };
  /** Every item across pages. */
  const listAll = async (token: string, query: Record<string, unknown> = {}): Promise<ListItem[]> => {
    const items: ListItem[] = [];
    let cursor: string | undefined;
    do {
      const page = await list(token, { limit: 500, ...query, ...(cursor ? { cursor } : {}) });
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };
  const keysOf = (items: { id: string }[]): Key[] =>
    items.map((i) => (Object.keys(ids) as Key[]).find((k) => ids[k] === i.id) ?? (i.id as Key)).sort();
  const listed = async (token: string, query: Record<string, unknown> = {}): Promise<Key[]> => keysOf(await listAll(token, query));

  async function createAccount(key: Key, token: string, body: Record<string, unknown>): Promise<void> {
    const res = await t.http.post('/v1/accounts').set(bearer(token)).send(body);
    if (res.status !== 201) throw new Error(`create ${key}: ${res.status} ${res.text}`);
    ids[key] = res.body.id;
    names[key] = body.name as string;
  }

  async function fileOpening(key: Key, openedOn: string): Promise<string> {
    const res = await t.http
      .post(`/v1/accounts/${ids[key]}/filings/opening`)
      .set(bearer(tenant.admin.token))
      .send({ decisionDate: openedOn, approver: '王一' });
    if (res.status !== 201) throw new Error(`file ${key}: ${res.status} ${res.text}`);
    return res.body.id;
  }

  async function ok(res: { status: number; text: string }, status: number, what: string): Promise<void> {
    if (res.status !== status) throw new Error(`${what}: ${res.status} ${res.text}`);
  }

  beforeAll(async () => {
    t = await startTestApp();
    dir = mkdtempSync(join(tmpdir(), 'ledger-views-'));
    const operator = await loginOperator(t);
    tenant = await createTenant(t, operator);
    units = await importUnits(t, tenant, TWO_CITY_TREE);
    auditorCs = (await createUser(t, tenant, { username: 'auditor-cs', role: 'auditor', unitId: units['cs-wxb'] })).session;
    auditorZz = (await createUser(t, tenant, { username: 'auditor-zz', role: 'auditor', unitId: units['zz-wxb'] })).session;
    operatorTx = (await createUser(t, tenant, { username: 'operator-tx', role: 'unit_operator', unitId: units['tx'] })).session;
    const admin = tenant.admin.token;
    const base = { kind: 'institutional', operatingMode: 'self', people: chain() };

    // 长沙 (cs): eight accounts in every status and shape the filters need. A3, A7 and A8 were opened
    // within the last 10 days, so their 10-working-day filing deadline has not passed whatever today is.
    await createAccount('A1', operatorTx.token, {
      ...base,
      unitId: units['tx-gaj'],
      platform: 'weibo',
      name: '天心公安',
      platformUid: 'txga-weibo',
      openedOn: '2026-09-28',
    });
    await createAccount('A2', admin, {
      ...base,
      unitId: units['tx-gaj'],
      platform: 'wechat',
      wechatType: 'service',
      name: '平安天心',
      openedOn: '2026-09-28',
    });
    await createAccount('A3', operatorTx.token, {
      ...base,
      unitId: units['tx'],
      platform: 'douyin',
      name: '天心发布',
      verified: true,
      openedOn: daysAgo(3),
    });
    await createAccount('A4', admin, {
      ...base,
      unitId: units['tx'],
      platform: 'website_column',
      name: '天心区政府网站',
      openedOn: '2026-10-10',
    });
    await createAccount('A5', admin, { ...base, unitId: units['cs'], platform: 'weibo', name: '长沙发布', openedOn: '2026-03-02' });
    await createAccount('A6', admin, {
      ...base,
      unitId: units['cs-wxb'],
      platform: 'wechat',
      wechatType: 'subscription',
      name: '长沙网信',
      operatingMode: 'outsourced',
      vendor: '长沙某传媒有限公司',
      openedOn: '2026-10-15',
    });
    // Names that miss the unit and region: the naming check (R5) opens a finding.
    await createAccount('A7', admin, {
      ...base,
      unitId: units['tx-gaj'],
      platform: 'toutiao',
      kind: 'official_personal',
      holder: { name: '张三', position: '局长' },
      name: '张局长说法',
      openedOn: daysAgo(7),
    });
    await createAccount('A8', admin, {
      ...base,
      unitId: units['tx-gaj'],
      platform: 'bilibili',
      name: 'Tianxin Police',
      platformUid: 'TX-Bili-9',
      openedOn: daysAgo(5),
    });
    // 株洲 (zz): never visible to the 长沙 auditor, one of them even named after 天心.
    await createAccount('Z1', admin, { ...base, unitId: units['zz'], platform: 'weibo', name: '株洲发布', openedOn: '2026-09-28' });
    await createAccount('Z2', admin, { ...base, unitId: units['hd-gaj'], platform: 'weibo', name: '荷塘公安', openedOn: '2026-11-02' });
    await createAccount('Z3', admin, { ...base, unitId: units['hd'], platform: 'douyin', name: '天心阁荷塘分号', openedOn: '2026-11-02' });
    await createAccount('Z4', admin, {
      ...base,
      unitId: units['hd-gaj'],
      platform: 'douyin',
      name: '=HYPERLINK("http://evil.example","荷塘")',
      openedOn: '2026-11-02',
    });

    // A2: opening filed (pending review) → not overdue although past its deadline.
    await fileOpening('A2', '2026-09-28');
    // A4: filed and accepted → active. A5: active, then ordered to rectify.
    for (const [key, openedOn] of [
      ['A4', '2026-10-10'],
      ['A5', '2026-03-02'],
      ['A6', '2026-10-15'],
    ] as [Key, string][]) {
      const filingId = await fileOpening(key, openedOn);
      await ok(await t.http.post(`/v1/filings/${filingId}/accept`).set(bearer(auditorCs.token)).send({}), 200, `accept ${key}`);
    }
    await ok(
      await t.http.post(`/v1/accounts/${ids.A5}/transition`).set(bearer(auditorCs.token)).send({ to: 'rectifying', reason: '长期未更新' }),
      200,
      'rectify A5',
    );
    // A6: closed on its platform three weeks ago, no closure filing → the closure filing is overdue.
    await ok(
      await t.http
        .post(`/v1/accounts/${ids.A6}/close`)
        .set(bearer(tenant.admin.token))
        .send({ closedOn: '2026-11-02', announcedOn: '2026-11-01' }),
      200,
      'close A6',
    );
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await t?.close();
  });

  describe('GET /v1/accounts', () => {
    it('lists the caller scope: the 长沙 auditor sees 长沙 only, the admin everything', async () => {
      expect(await listed(auditorCs.token)).toEqual(CS_KEYS);
      expect(await listed(auditorZz.token)).toEqual(ZZ_KEYS);
      expect(await listed(tenant.admin.token)).toEqual([...CS_KEYS, ...ZZ_KEYS].sort());
      expect(await listed(operatorTx.token)).toEqual(['A1', 'A2', 'A3', 'A4', 'A7', 'A8']);
    });

    it('filters by subtree (under) and by exactly one unit (unitId)', async () => {
      expect(await listed(auditorCs.token, { under: units.tx })).toEqual(['A1', 'A2', 'A3', 'A4', 'A7', 'A8']);
      expect(await listed(auditorCs.token, { under: units['tx-gaj'] })).toEqual(['A1', 'A2', 'A7', 'A8']);
      expect(await listed(auditorCs.token, { unitId: units.tx })).toEqual(['A3', 'A4']);
      expect(await listed(auditorCs.token, { unitId: units.cs })).toEqual(['A5']);
      expect(await listed(tenant.admin.token, { under: units.zz })).toEqual(ZZ_KEYS);
    });

    it('refuses a unit outside the scope as a filter, without telling whether it exists', async () => {
      for (const [param, unit] of [
        ['under', units.zz],
        ['unitId', units['hd-gaj']],
        ['under', '00000000-0000-4000-8000-000000000000'],
      ]) {
        const res = await t.http
          .get('/v1/accounts')
          .query({ [param]: unit })
          .set(bearer(auditorCs.token));
        expect(pointersOf(expectProblem(res, 422))).toEqual([`/${param}`]);
      }
    });

    it('filters by platform and status, repeated or as a comma list', async () => {
      expect(await listed(auditorCs.token, { platform: 'weibo' })).toEqual(['A1', 'A5']);
      const repeated = await t.http.get('/v1/accounts?platform=weibo&platform=douyin').set(bearer(auditorCs.token));
      expect(keysOf(repeated.body.items)).toEqual(['A1', 'A3', 'A5']);
      expect(await listed(auditorCs.token, { platform: 'weibo,douyin' })).toEqual(['A1', 'A3', 'A5']);

      expect(await listed(auditorCs.token, { status: 'pending_filing' })).toEqual(['A1', 'A2', 'A3', 'A7', 'A8']);
      expect(await listed(auditorCs.token, { status: 'active' })).toEqual(['A4']);
      expect(await listed(auditorCs.token, { status: 'rectifying' })).toEqual(['A5']);
      expect(await listed(auditorCs.token, { status: 'closing' })).toEqual(['A6']);
      const statuses = await t.http.get('/v1/accounts?status=active&status=closing').set(bearer(auditorCs.token));
      expect(keysOf(statuses.body.items)).toEqual(['A4', 'A6']);
      expect(await listed(auditorCs.token, { status: 'active,rectifying' })).toEqual(['A4', 'A5']);

      const bad = await t.http.get('/v1/accounts?status=active&status=dormant&platform=myspace').set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(bad, 400)).sort()).toEqual(['/platform', '/status']);
    });

    it('filters by sector and level of the opening unit, and by kind', async () => {
      expect(await listed(auditorCs.token, { sector: 'public_security' })).toEqual(['A1', 'A2', 'A7', 'A8']);
      expect(await listed(auditorCs.token, { sector: 'cyberspace' })).toEqual(['A6']);
      expect(await listed(auditorCs.token, { level: 'county' })).toEqual(['A3', 'A4']);
      expect(await listed(auditorCs.token, { level: 'city' })).toEqual(['A5']);
      expect(await listed(auditorCs.token, { level: 'bureau' })).toEqual(['A1', 'A2', 'A6', 'A7', 'A8']);
      expect(await listed(auditorCs.token, { kind: 'official_personal' })).toEqual(['A7']);
      expect(await listed(auditorCs.token, { kind: 'institutional', level: 'bureau', sector: 'public_security' })).toEqual([
        'A1',
        'A2',
        'A8',
      ]);
    });

    it('filters overdue filings: opened 2026-09-28 without a filing is overdue, with a submitted filing it is not', async () => {
      expect(await listed(auditorCs.token, { overdue: true })).toEqual(['A1', 'A6']);
      expect(await listed(auditorCs.token, { overdue: false })).toEqual(['A2', 'A3', 'A4', 'A5', 'A7', 'A8']);
      const items = await listAll(auditorCs.token);
      const a1 = items.find((i) => i.id === ids.A1)!;
      const a2 = items.find((i) => i.id === ids.A2)!;
      const a6 = items.find((i) => i.id === ids.A6)!;
      expect(a1.openingFiling).toMatchObject({ overdue: true, provisional: false });
      expect(a1.openingFiling.dueOn < '2026-11-23').toBe(true);
      expect(a2.openingFiling).toEqual({ ...a1.openingFiling, overdue: false });
      expect(a1.closureFiling).toBeNull();
      expect(a6.closureFiling).toMatchObject({ overdue: true });
      const bad = await t.http.get('/v1/accounts').query({ overdue: 'maybe' }).set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(bad, 400))).toEqual(['/overdue']);
    });

    it('searches names in Chinese and platform ids, within the scope only', async () => {
      expect(await listed(auditorCs.token, { q: '天心' })).toEqual(['A1', 'A2', 'A3', 'A4']);
      expect(await listed(tenant.admin.token, { q: '天心' })).toEqual(['A1', 'A2', 'A3', 'A4', 'Z3']);
      expect(await listed(auditorZz.token, { q: '天心' })).toEqual(['Z3']);
      expect(await listed(auditorCs.token, { q: '网站' })).toEqual(['A4']);
      expect(await listed(auditorCs.token, { q: 'bili-9' })).toEqual(['A8']);
      expect(await listed(auditorCs.token, { q: 'tianxin' })).toEqual(['A8']);
      // LIKE wildcards are literal characters here.
      expect(await listed(auditorCs.token, { q: '%' })).toEqual([]);
      expect(await listed(auditorCs.token, { q: '天心', platform: 'weibo' })).toEqual(['A1']);
    });

    it('answers with the list item shape: unit, deadlines, chain with masked contacts, open finding kinds', async () => {
      // The admin may read contacts in full on the account itself, but a listing masks them for everyone.
      const full = await t.http.get(`/v1/accounts/${ids.A1}`).set(bearer(tenant.admin.token));
      expect(full.body.people.firstResponsible.phone).toBe('13812345678');
      const items = await listAll(tenant.admin.token, { unitId: units['tx-gaj'] });
      const a1 = items.find((i) => i.id === ids.A1)!;
      expect(a1).toMatchObject({
        unitId: units['tx-gaj'],
        unitName: '长沙市公安局天心分局',
        unitLevel: 'bureau',
        unitSector: 'public_security',
        platform: 'weibo',
        kind: 'institutional',
        name: '天心公安',
        platformUid: 'txga-weibo',
        status: 'pending_filing',
        openedOn: '2026-09-28',
        verified: false,
        operatingMode: 'self',
        vendor: null,
        openFindingKinds: [],
      });
      expect(a1.people.firstResponsible).toMatchObject({
        name: '王一',
        position: '局长',
        phone: '138****5678',
        email: 'w******@example.gov.cn',
      });
      expect(a1.people.mainResponsible!.phone).toBe('139****4321');
      expect(a1.people.chiefEditor!.phone).toBe('137****1111');
      expect(a1.people.operators.map((p) => p.name).sort()).toEqual(['孙五', '钱四']);
      expect(JSON.stringify(items)).not.toContain('13812345678');
      expect(items.find((i) => i.id === ids.A7)!.openFindingKinds).toEqual(['naming']);
      const a6 = (await listAll(auditorCs.token, { unitId: units['cs-wxb'] }))[0];
      expect(a6).toMatchObject({ operatingMode: 'outsourced', vendor: '长沙某传媒有限公司', status: 'closing' });
    });

    it('sorts by name (pinyin), openedOn, createdAt and openingDueOn, both ways, ties broken by id', async () => {
      const collator = new Intl.Collator('zh-CN');
      const byName = await listAll(auditorCs.token, { sort: 'name' });
      const namesAsc = byName.map((i) => i.name);
      expect(namesAsc).toEqual([...namesAsc].sort(collator.compare));
      expect(namesAsc.indexOf('平安天心')).toBeLessThan(namesAsc.indexOf('天心发布')); // ping < tian
      expect(namesAsc.indexOf('天心发布')).toBeLessThan(namesAsc.indexOf('张局长说法')); // tian < zhang
      const byNameDesc = await listAll(auditorCs.token, { sort: 'name', order: 'desc' });
      expect(byNameDesc.map((i) => i.id)).toEqual(byName.map((i) => i.id).reverse());

      const fields: Record<string, (i: ListItem) => string> = {
        openedOn: (i) => i.openedOn,
        createdAt: (i) => i.createdAt,
        openingDueOn: (i) => i.openingFiling.dueOn,
      };
      for (const [sort, value] of Object.entries(fields)) {
        const asc = await listAll(auditorCs.token, { sort, order: 'asc' });
        const desc = await listAll(auditorCs.token, { sort, order: 'desc' });
        const key = (i: ListItem): string => `${value(i)}|${i.id}`;
        expect(asc.map(key)).toEqual(asc.map(key).sort());
        expect(desc.map(key)).toEqual(desc.map(key).sort().reverse());
        expect(asc).toHaveLength(8);
      }
      const created = await listAll(auditorCs.token, { sort: 'createdAt' });
      expect(created.map((i) => i.id)).toEqual(CS_KEYS.map((k) => ids[k]));
      // A1 and A2 share their opening day: the tie is broken by id.
      const opened = (await listAll(auditorCs.token, { sort: 'openedOn' })).filter((i) => i.openedOn === '2026-09-28');
      expect(opened.map((i) => i.id)).toEqual(sortedIds([ids.A1, ids.A2]));
    });

    it('pages with a keyset cursor: every row exactly once, in the same order, for every sort', async () => {
      for (const sort of ['name', 'openedOn', 'createdAt', 'openingDueOn']) {
        for (const order of ['asc', 'desc']) {
          const whole = (await list(auditorCs.token, { sort, order, limit: 500 })).items.map((i) => i.id);
          for (const limit of [1, 3]) {
            const seen: string[] = [];
            let cursor: string | undefined;
            let pages = 0;
            do {
              const page = await list(auditorCs.token, { sort, order, limit, ...(cursor ? { cursor } : {}) });
              expect(page.items.length).toBeLessThanOrEqual(limit);
              seen.push(...page.items.map((i) => i.id));
              cursor = page.nextCursor;
              pages++;
            } while (cursor);
            expect(seen).toEqual(whole);
            expect(new Set(seen).size).toBe(8);
            expect(pages).toBe(Math.ceil(8 / limit));
          }
        }
      }
    });

    it('refuses bad page requests: a cursor of another sort, a forged cursor, a limit over 500', async () => {
      const first = await list(auditorCs.token, { sort: 'name', limit: 2 });
      const other = await t.http
        .get('/v1/accounts')
        .query({ sort: 'openedOn', limit: 2, cursor: first.nextCursor })
        .set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(other, 400))).toEqual(['/cursor']);
      const forged = Buffer.from(JSON.stringify(['openedOn', 'asc', "2026-01-01'; DROP TABLE accounts; --", ids.A1])).toString('base64url');
      const bad = await t.http.get('/v1/accounts').query({ sort: 'openedOn', cursor: forged }).set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(bad, 400))).toEqual(['/cursor']);
      const tooMany = await t.http.get('/v1/accounts').query({ limit: 501 }).set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(tooMany, 400))).toEqual(['/limit']);
      const badSort = await t.http.get('/v1/accounts').query({ sort: 'status' }).set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(badSort, 400))).toEqual(['/sort']);
    });
  });

  describe('GET /v1/accounts/summary', () => {
    const summaryAll = async (token: string, query: Record<string, unknown> = {}): Promise<Summary[]> => {
      const items: Summary[] = [];
      let cursor: string | undefined;
      do {
        const res = await t.http
          .get('/v1/accounts/summary')
          .query({ ...query, ...(cursor ? { cursor } : {}) })
          .set(bearer(token));
        if (res.status !== 200) throw new Error(`summary: ${res.status} ${res.text}`);
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      return items;
    };

    it('counts per unit by status and platform, with overdue filings, in tree order', async () => {
      const rows = await summaryAll(auditorCs.token);
      expect(rows.map((r) => r.unitId)).toEqual([units.cs, units['cs-wxb'], units.tx, units['tx-gaj']]);
      const byUnit = Object.fromEntries(rows.map((r) => [r.unitId, r]));
      const zeroStatuses = { pending_filing: 0, active: 0, rectifying: 0, closing: 0, closed: 0, force_closed: 0 };
      expect(byUnit[units['tx-gaj']]).toMatchObject({
        unitName: '长沙市公安局天心分局',
        unitLevel: 'bureau',
        unitSector: 'public_security',
        total: 4,
        overdue: 1,
        byStatus: { ...zeroStatuses, pending_filing: 4 },
      });
      expect(byUnit[units['tx-gaj']].byPlatform).toMatchObject({ weibo: 1, wechat: 1, toutiao: 1, bilibili: 1, douyin: 0, other: 0 });
      expect(Object.keys(byUnit[units['tx-gaj']].byPlatform)).toHaveLength(12);
      expect(byUnit[units.tx]).toMatchObject({ total: 2, overdue: 0, byStatus: { ...zeroStatuses, pending_filing: 1, active: 1 } });
      expect(byUnit[units.cs]).toMatchObject({ total: 1, overdue: 0, byStatus: { ...zeroStatuses, rectifying: 1 } });
      expect(byUnit[units['cs-wxb']]).toMatchObject({ total: 1, overdue: 1, byStatus: { ...zeroStatuses, closing: 1 } });
      expect(rows.reduce((n, r) => n + r.total, 0)).toBe(8);
    });

    it('pages by unit, limits to a subtree, and never shows another subtree', async () => {
      const paged = await summaryAll(auditorCs.token, { limit: 1 });
      expect(paged.map((r) => r.unitId)).toEqual((await summaryAll(auditorCs.token)).map((r) => r.unitId));
      expect((await summaryAll(auditorCs.token, { under: units.tx })).map((r) => r.unitId)).toEqual([units.tx, units['tx-gaj']]);
      const zz = await summaryAll(auditorZz.token);
      expect(zz.map((r) => r.unitId).sort()).toEqual(sortedIds([units.zz, units.hd, units['hd-gaj']]));
      const all = await summaryAll(tenant.admin.token);
      expect(all.reduce((n, r) => n + r.total, 0)).toBe(12);
      const outside = await t.http.get('/v1/accounts/summary').query({ under: units.zz }).set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(outside, 422))).toEqual(['/under']);
    });
  });

  describe('GET /v1/accounts/export', () => {
    const readCsv = (file: string): string[][] => {
      const raw = readFileSync(file, 'utf8');
      expect(raw.startsWith('\uFEFF')).toBe(true);
      return parse(raw, { bom: true, relax_column_count: false });
    };

    it('exports CSV with Chinese headers and values, masked contacts, the caller scope only', async () => {
      const file = join(dir, 'cs.csv');
      const res = await download(t, auditorCs.token, { format: 'csv' }, file);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="accounts-\d{4}-\d{2}-\d{2}\.csv"; filename\*=UTF-8''.+$/);
      const encoded = /filename\*=UTF-8''(.+)$/.exec(res.headers['content-disposition']!)![1];
      expect(decodeURIComponent(encoded)).toMatch(/^政务新媒体账号台账-\d{4}-\d{2}-\d{2}\.csv$/);
      const [header, ...rows] = readCsv(file);
      expect(header.slice(0, 13)).toEqual([
        '账号名称',
        '平台',
        '公众号类型',
        '账号类型',
        '平台账号ID',
        '账号链接',
        '开设单位',
        '单位层级',
        '行业系统',
        '状态',
        '开设日期',
        '备案期限',
        '是否逾期',
      ]);
      expect(header).toEqual(expect.arrayContaining(['第一责任人', '第一责任人电话', '主要责任人', '总编辑', '运维人员', '账号编号']));
      expect(rows).toHaveLength(8);
      const col = (name: string): number => header.indexOf(name);
      const a1 = rows.find((r) => r[col('账号名称')] === '天心公安')!;
      expect(a1[col('平台')]).toBe('微博');
      expect(a1[col('状态')]).toBe('待备案');
      expect(a1[col('开设单位')]).toBe('长沙市公安局天心分局');
      expect(a1[col('单位层级')]).toBe('部门');
      expect(a1[col('行业系统')]).toBe('公安');
      expect(a1[col('开设日期')]).toBe('2026-09-28');
      expect(a1[col('是否逾期')]).toBe('是');
      expect(a1[col('第一责任人')]).toBe('王一（局长）');
      expect(a1[col('第一责任人电话')]).toBe('138****5678');
      expect(a1[col('运维人员')].split('、').sort()).toEqual(['孙五', '钱四']);
      expect(a1[col('账号编号')]).toBe(ids.A1);
      const a2 = rows.find((r) => r[col('账号名称')] === '平安天心')!;
      expect(a2[col('平台')]).toBe('微信公众号');
      expect(a2[col('公众号类型')]).toBe('服务号');
      expect(a2[col('是否逾期')]).toBe('否');
      expect(rows.find((r) => r[col('账号名称')] === '长沙发布')![col('状态')]).toBe('整改中');
      expect(rows.find((r) => r[col('账号名称')] === '张局长说法')![col('未关闭问题')]).toBe('naming');
      const text = readFileSync(file, 'utf8');
      expect(text).not.toContain('13812345678');
      for (const key of ZZ_KEYS) expect(text).not.toContain(ids[key]);
      expect(text).not.toContain('株洲');
      // Rows in the default order (name, pinyin), one CRLF per record.
      expect(rows.map((r) => r[col('账号编号')])).toEqual((await listAll(auditorCs.token)).map((i) => i.id));
      expect(text.split('\r\n')).toHaveLength(10);
    });

    it('exports with English headers and codes, the same filters and sort', async () => {
      const file = join(dir, 'en.csv');
      const res = await download(
        t,
        auditorCs.token,
        { headers: 'en', status: 'pending_filing', platform: 'weibo,wechat', sort: 'openedOn', order: 'desc' },
        file,
      );
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toMatch(/^attachment; filename="accounts-\d{4}-\d{2}-\d{2}\.csv"/);
      const [header, ...rows] = readCsv(file);
      expect(header.slice(0, 4)).toEqual(['Account name', 'Platform', 'WeChat type', 'Kind']);
      expect(header).toEqual(
        expect.arrayContaining(['Status', 'Opened on', 'Opening filing due', 'Filing overdue', 'First responsible phone']),
      );
      const col = (name: string): number => header.indexOf(name);
      expect(rows.map((r) => r[col('Account id')])).toEqual(
        (await listAll(auditorCs.token, { status: 'pending_filing', platform: 'weibo,wechat', sort: 'openedOn', order: 'desc' })).map(
          (i) => i.id,
        ),
      );
      expect(rows.map((r) => r[col('Account name')]).sort()).toEqual(['天心公安', '平安天心'].sort());
      const a1 = rows.find((r) => r[col('Account name')] === '天心公安')!;
      expect(a1[col('Platform')]).toBe('weibo');
      expect(a1[col('Status')]).toBe('pending_filing');
      expect(a1[col('Filing overdue')]).toBe('yes');
      expect(a1[col('Unit level')]).toBe('bureau');
    });

    it('quotes per RFC 4180 and defuses spreadsheet formulas', async () => {
      const file = join(dir, 'zz.csv');
      await download(t, auditorZz.token, { q: 'HYPERLINK' }, file);
      const raw = readFileSync(file, 'utf8');
      expect(raw).toContain(`"'=HYPERLINK(""http://evil.example"",""荷塘"")"`);
      const [header, row] = readCsv(file);
      expect(row[header.indexOf('账号名称')]).toBe(`'=HYPERLINK("http://evil.example","荷塘")`);
    });

    it('exports XLSX that Excel (and exceljs) reads: headers, typed dates, Chinese values', async () => {
      const file = join(dir, 'cs.xlsx');
      const res = await download(t, auditorCs.token, { format: 'xlsx' }, file);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(res.headers['content-disposition']!)![1])).toMatch(
        /^政务新媒体账号台账-\d{4}-\d{2}-\d{2}\.xlsx$/,
      );
      const workbook = new Workbook();
      await workbook.xlsx.readFile(file);
      const sheet = workbook.worksheets[0];
      expect(sheet.name).toBe('账号台账');
      const header = (sheet.getRow(1).values as unknown[]).slice(1);
      expect(header.slice(0, 2)).toEqual(['账号名称', '平台']);
      expect(header).toEqual(
        expect.arrayContaining(['开设单位', '状态', '开设日期', '备案期限', '是否逾期', '第一责任人', '主要责任人', '总编辑']),
      );
      expect(sheet.actualRowCount).toBe(9);
      const rows = Array.from({ length: 8 }, (_, i) => (sheet.getRow(i + 2).values as unknown[]).slice(1));
      const col = (name: string): number => header.indexOf(name);
      const a1 = rows.find((r) => r[col('账号名称')] === '天心公安')!;
      expect(a1[col('平台')]).toBe('微博');
      expect(a1[col('状态')]).toBe('待备案');
      expect(a1[col('开设日期')]).toEqual(new Date('2026-09-28T00:00:00Z'));
      expect(a1[col('第一责任人电话')]).toBe('138****5678');
      expect(rows.map((r) => r[col('账号编号')])).toEqual((await listAll(auditorCs.token)).map((i) => i.id));

      const enFile = join(dir, 'en.xlsx');
      await download(t, auditorCs.token, { format: 'xlsx', headers: 'en', status: 'closing' }, enFile);
      const en = new Workbook();
      await en.xlsx.readFile(enFile);
      const enSheet = en.worksheets[0];
      expect(enSheet.name).toBe('Accounts');
      const enHeader = (enSheet.getRow(1).values as unknown[]).slice(1);
      expect(enHeader[0]).toBe('Account name');
      expect(enSheet.actualRowCount).toBe(2);
      const a6 = (enSheet.getRow(2).values as unknown[]).slice(1);
      expect(a6[enHeader.indexOf('Account name')]).toBe('长沙网信');
      expect(a6[enHeader.indexOf('Status')]).toBe('closing');
      expect(a6[enHeader.indexOf('Filing overdue')]).toBe('yes');
    });

    it('answers problems before the first byte: no permission, a unit outside the scope, a bad format', async () => {
      const forbidden = await t.http.get('/v1/accounts/export').set(bearer(operatorTx.token));
      expectProblem(forbidden, 403);
      const outside = await t.http.get('/v1/accounts/export').query({ under: units.zz }).set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(outside, 422))).toEqual(['/under']);
      expect(outside.headers['content-disposition']).toBeUndefined();
      const badFormat = await t.http.get('/v1/accounts/export').query({ format: 'pdf', headers: 'fr' }).set(bearer(auditorCs.token));
      expect(pointersOf(expectProblem(badFormat, 400)).sort()).toEqual(['/format', '/headers']);
    });

    it('exports an empty file (headers only) when nothing matches', async () => {
      const file = join(dir, 'empty.csv');
      const res = await download(t, auditorCs.token, { q: '不存在的账号' }, file);
      expect(res.status).toBe(200);
      expect(readCsv(file)).toHaveLength(1);
    });
  });

  describe('10,000 accounts', () => {
    let big: TenantFixture;
    let bigUnits: Record<string, string>;
    const COUNT = 10_000;
    // Full GCs on demand, so that samples measure what the export keeps alive, not garbage not yet collected.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;

    beforeAll(async () => {
      const operator = await loginOperator(t);
      big = await createTenant(t, operator, { name: '湖南省（批量）' });
      bigUnits = await importUnits(t, big, TWO_CITY_TREE);
      const unitIds = ['cs', 'tx', 'tx-gaj', 'zz', 'hd', 'hd-gaj'].map((code) => bigUnits[code]);
      // The test database's owner is a superuser, which bypasses row-level security: bulk SQL is fine here.
      await withClient(t.db.ownerUrl, async (db) => {
        await db.query('BEGIN');
        await db.query(
          `INSERT INTO accounts (tenant_id, unit_id, platform, wechat_type, kind, name, platform_uid, operating_mode, status, opened_on, opening_due_on)
           SELECT $1, ($2::uuid[])[1 + i % 6], p.platform, CASE WHEN p.platform = 'wechat' THEN 'service' END, 'institutional',
                  '批量账号' || lpad(i::text, 5, '0') || CASE WHEN i % 7 = 0 THEN ',含逗号"引号"' ELSE '' END,
                  'bulk-' || i, 'self', CASE WHEN i % 3 = 0 THEN 'pending_filing' ELSE 'active' END,
                  date '2025-01-01' + (i % 600), date '2025-01-15' + (i % 600)
           FROM generate_series(1, ${COUNT}) i
           CROSS JOIN LATERAL (SELECT (ARRAY['weibo','wechat','douyin','kuaishou','toutiao','bilibili'])[1 + i % 6] AS platform) p`,
          [big.id, unitIds],
        );
        await db.query(
          `INSERT INTO account_people (tenant_id, account_id, unit_id, role, name, position, phone, email)
           SELECT a.tenant_id, a.id, a.unit_id, r.role, r.name, r.position, '13812345678', 'leader@example.gov.cn'
           FROM accounts a
           CROSS JOIN (VALUES ('first_responsible', '王一', '局长'), ('main_responsible', '李二', '副局长'),
                              ('chief_editor', '赵三', '总编辑')) r(role, name, position)
           WHERE a.tenant_id = $1`,
          [big.id],
        );
        await db.query('COMMIT');
        await db.query('ANALYZE accounts, account_people');
      });
    }, 120_000);

    /**
     * Downloads an export while measuring the server's heap (the app runs in this process). An
     * interval samples heapUsed and rss every 10 ms: cheap, but garbage not yet collected counts, so
     * those peaks are only reported. The assertion uses live samples, a full GC then heapUsed, taken
     * at each batch when its rows and people have just been read: the batch in flight plus whatever
     * earlier batches left behind (all of them, for an export that buffers).
     */
    async function measuredExport(format: string) {
      const file = join(dir, `big-measured.${format}`);
      const openFindingKinds = LedgerViewsRepository.prototype.openFindingKinds;
      gc();
      const baseline = process.memoryUsage();
      const peak = { live: baseline.heapUsed, heap: baseline.heapUsed, rss: baseline.rss, liveSamples: 0 };
      const spy = jest.spyOn(LedgerViewsRepository.prototype, 'openFindingKinds').mockImplementation(async function (
        this: LedgerViewsRepository,
        ...args
      ) {
        const result = await openFindingKinds.apply(this, args);
        gc();
        peak.live = Math.max(peak.live, process.memoryUsage().heapUsed);
        peak.liveSamples++;
        return result;
      });
      const timer = setInterval(() => {
        const now = process.memoryUsage();
        peak.heap = Math.max(peak.heap, now.heapUsed);
        peak.rss = Math.max(peak.rss, now.rss);
      }, 10);
      try {
        expect((await download(t, big.admin.token, { format }, file)).status).toBe(200);
      } finally {
        clearInterval(timer);
        spy.mockRestore();
      }
      return {
        liveGrowthMb: (peak.live - baseline.heapUsed) / MB,
        liveSamples: peak.liveSamples,
        heapGrowthMb: (peak.heap - baseline.heapUsed) / MB,
        rssGrowthMb: (peak.rss - baseline.rss) / MB,
      };
    }

    /**
     * The yardstick: the live heap that holding the 10,000 rows at once takes, as the export reads
     * and maps them (account rows, their people, the listing items) — the least an export that
     * buffers its rows before writing would need.
     */
    async function bufferedRowsMb(): Promise<number> {
      const root = await withClient(t.db.ownerUrl, async (db) => {
        const { rows } = await db.query(`SELECT path::text AS path FROM units WHERE id = $1`, [big.rootUnitId]);
        return rows[0].path as string;
      });
      const tx = t.app.get(TransactionHost);
      const views = t.app.get(LedgerViewsRepository);
      const accounts = t.app.get(AccountsRepository);
      gc();
      const before = process.memoryUsage().heapUsed;
      const held = await tx.run(tenantScope(big.id, root), async () => {
        const rows = await views.listAccounts(big.id, { subtreePath: root }, { sort: 'name', order: 'asc' }, COUNT);
        const people = await accounts.peopleAt(
          big.id,
          rows.map((r) => r.id),
        );
        const byAccount = new Map<string, typeof people>();
        for (const p of people) byAccount.set(p.accountId, [...(byAccount.get(p.accountId) ?? []), p]);
        return { rows, people, items: rows.map((r) => toAccountListItemDto(r, byAccount.get(r.id) ?? [], [])) };
      });
      gc();
      const after = process.memoryUsage().heapUsed;
      expect(held.items).toHaveLength(COUNT);
      return (after - before) / MB;
    }

    it('exports every row as CSV and XLSX, in constant memory', async () => {
      // Timed runs first (they also warm the code paths up, so that compiled code does not count below).
      const timings: Record<string, { ms: number; bytes: number }> = {};
      for (const format of ['csv', 'xlsx']) {
        const file = join(dir, `big.${format}`);
        const started = Date.now();
        expect((await download(t, big.admin.token, { format }, file)).status).toBe(200);
        timings[format] = { ms: Date.now() - started, bytes: statSync(file).size };
      }
      const records: string[][] = parse(readFileSync(join(dir, 'big.csv'), 'utf8'), { bom: true });
      expect(records).toHaveLength(COUNT + 1);
      const idColumn = records[0].indexOf('账号编号');
      expect(new Set(records.slice(1).map((r) => r[idColumn])).size).toBe(COUNT);
      expect(records.find((r) => r[0].includes('含逗号'))![0]).toMatch(/^批量账号\d{5},含逗号"引号"$/);
      expect(records.every((r, i) => i === 0 || r[records[0].indexOf('第一责任人电话')] === '138****5678')).toBe(true);
      const workbook = new Workbook();
      await workbook.xlsx.readFile(join(dir, 'big.xlsx'));
      expect(workbook.worksheets[0].actualRowCount).toBe(COUNT + 1);

      const buffered = await bufferedRowsMb();
      const csv = await measuredExport('csv');
      const xlsx = await measuredExport('xlsx');
      process.stdout.write(`ledger export of ${COUNT} accounts: ${JSON.stringify({ timings, bufferedRowsMb: buffered, csv, xlsx })}\n`);

      // The bound: 30% of `buffered`. The export reads 1,000 rows at a time (a tenth of them) and
      // lets go of each batch before reading the next, so a live sample holds one batch as read plus
      // the writer's and the connection's state: measured ≈ 5–6 MB, ~15% of `buffered` (≈ 35 MB).
      // An export that kept its rows would hold, at its last batch, nine tenths of them as listing
      // items alone (~40% of `buffered`) on top of that: ~50%, well over the bound. Both sides are
      // made of the same objects, so the ratios hold across machines and Node versions.
      expect(buffered).toBeGreaterThan(15);
      expect(csv.liveSamples).toBe(COUNT / EXPORT_BATCH_SIZE);
      expect(csv.liveGrowthMb).toBeLessThan(buffered * 0.3);
      expect(xlsx.liveGrowthMb).toBeLessThan(buffered * 0.3);
    }, 180_000);

    it('cuts the connection when a batch fails after the download started', async () => {
      const real = LedgerViewsRepository.prototype.listAccounts;
      const spy = jest.spyOn(LedgerViewsRepository.prototype, 'listAccounts');
      let calls = 0;
      spy.mockImplementation(function (this: LedgerViewsRepository, ...args) {
        calls++;
        if (calls === 2) return Promise.reject(new Error('database went away mid-export'));
        return real.apply(this, args);
      });
      try {
        for (const format of ['csv', 'xlsx']) {
          calls = 0;
          await expect(download(t, big.admin.token, { format }, join(dir, `cut.${format}`))).rejects.toThrow();
        }
      } finally {
        spy.mockRestore();
      }
      // The app is unharmed.
      const after = await t.http.get('/v1/accounts').query({ limit: 1 }).set(bearer(big.admin.token));
      expect(after.status).toBe(200);
    });
  });
});
