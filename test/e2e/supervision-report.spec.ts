import { parse } from 'csv-parse/sync';
import { Workbook } from 'exceljs';
import type { Response } from 'superagent';
import { chinaToday } from '@govmatrix/calendar';
import type { SupervisionReportDto } from '@govmatrix/supervision';
import { bearer, createTenant, expectProblem, loginOperator, pointersOf, Session } from '../support/fixtures';
import {
  acceptFiling,
  AccountDto,
  createAccount,
  createLedgerWorld,
  expectStatus,
  LedgerWorld,
  submitFiling,
} from '../support/ledger-fixtures';
import { createModel, reportMetrics, runScoring } from '../support/scoring-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * The yearly supervision report on a small hand-built world, made through the API in the current
 * year in China (Y); events are stamped with the real clock, so the year reported is this one.
 *
 * 长沙 (cs: cs, cs-wxb the office, tx, tx-gaj, tx-jyj — 5 units), 5 accounts, all weibo:
 *   A1 天心公安 tx-gaj  opened P-06-01, filed & accepted → active; content_error (single veto); case 1
 *                      `warning` decided P-12-01 → rectifying; escalated today to `public_notice`
 *   A2 天心教育 tx-jyj  opened E (≤ 30 days ago, in Y); opening filing returned; finding `other`;
 *                      case 3 `forced_closure` today → force_closed
 *   A3 天心发布 tx      opened today, accepted → active; finding `other`, case 2 `talk` today, rectified
 *                      and accepted (resolved), the finding closed → active
 *   A4 长沙发布 cs      opened P-03-01, accepted → active; nothing else
 *   A5 长沙网信 cs-wxb  opened P-01-10, accepted → active; closed today, closure filing accepted → closed
 * 株洲 (zz): A6 荷塘公安 hd-gaj opened P-06-01, accepted; content_error; `order_deletion` P-12-01,
 * escalated today to `talk`.
 * Scores: BCI over the whole tenant for Y-01-01..today with posts A4 20, A6 15, A1 10, A3 5, A2 2,
 * A5 1 — BCI = 0.2·ln(posts+1)·160 = 32·ln(posts+1) with no reposts, comments or likes.
 */
describe('yearly supervision report', () => {
  let t: TestApp;
  let w: LedgerWorld;
  let admin: Session;
  let office: Session;
  let otherTenantUnit: string;
  const today = chinaToday();
  const Y = Number(today.slice(0, 4));
  const P = Y - 1;
  const daysAgo = (n: number): string => new Date(Date.parse(`${today}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
  const E = daysAgo(30) < `${Y}-01-01` ? `${Y}-01-01` : daysAgo(30);
  const a: Record<'a1' | 'a2' | 'a3' | 'a4' | 'a5' | 'a6', AccountDto> = {} as never;
  let runId: string;

  const bci = (posts: number): number => 32 * Math.log(posts + 1);
  const report = (session: Session, year: number | string, query: Record<string, string | number> = {}) =>
    t.http.get(`/v1/supervision-reports/${year}`).query(query).set(bearer(session.token));
  const reportOk = async (session: Session, year: number, query: Record<string, string | number> = {}): Promise<SupervisionReportDto> =>
    expectStatus<SupervisionReportDto>(await report(session, year, query), 200, `report ${year}`);
  /** The body as bytes (a file), or parsed when it is a problem-details answer. */
  const binary = (res: Response, done: (error: Error | null, body: unknown) => void): void => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('end', () => {
      const body = Buffer.concat(chunks);
      done(null, /json/.test(String(res.headers['content-type'])) ? JSON.parse(body.toString('utf8')) : body);
    });
  };
  const download = (session: Session, year: number, query: Record<string, string | number>) =>
    t.http.get(`/v1/supervision-reports/${year}/export`).query(query).set(bearer(session.token)).buffer(true).parse(binary);

  const finding = async (session: Session, accountId: string, kind: string): Promise<string> =>
    expectStatus<{ id: string }>(
      await t.http
        .post('/v1/findings')
        .set(bearer(session.token))
        .send({ accountId, kind, detail: `${kind} found` }),
      201,
      `finding ${kind}`,
    ).id;
  const openCase = async (session: Session, accountId: string, findingId: string, measure: string, decidedOn: string): Promise<string> =>
    expectStatus<{ id: string }>(
      await t.http
        .post('/v1/cases')
        .set(bearer(session.token))
        .send({ accountId, findingIds: [findingId], measure, decision: '决定', decidedOn }),
      201,
      `case ${measure}`,
    ).id;
  const activated = async (accountId: string, decisionDate: string, reviewer: Session): Promise<void> => {
    await acceptFiling(t, reviewer, (await submitFiling(t, admin, accountId, 'opening', { decisionDate, approver: '李局长' })).id);
  };

  beforeAll(async () => {
    t = await startTestApp();
    const operator = await loginOperator(t);
    w = await createLedgerWorld(t, operator);
    admin = w.admin;
    office = w.auditorCs.session;
    otherTenantUnit = (await createTenant(t, operator)).rootUnitId;
    const open = (unit: keyof LedgerWorld['units'], name: string, openedOn: string) =>
      createAccount(t, admin, { unitId: w.units[unit], name, openedOn });
    [a.a1, a.a2, a.a3, a.a4, a.a5, a.a6] = await Promise.all([
      open('tx-gaj', '天心公安', `${P}-06-01`),
      open('tx-jyj', '天心教育', E),
      open('tx', '天心发布', today),
      open('cs', '长沙发布', `${P}-03-01`),
      open('cs-wxb', '长沙网信', `${P}-01-10`),
      open('hd-gaj', '荷塘公安', `${P}-06-01`),
    ]);
    await activated(a.a1.id, `${P}-05-20`, office);
    await activated(a.a3.id, today, office);
    await activated(a.a4.id, `${P}-02-20`, office);
    await activated(a.a5.id, `${P}-01-05`, office);
    await activated(a.a6.id, `${P}-05-20`, w.auditorZz.session);
    // A2: the opening filing goes back to the unit.
    const returned = await submitFiling(t, admin, a.a2.id, 'opening', { decisionDate: E, approver: '李局长' });
    expectStatus(
      await t.http
        .post(`/v1/filings/${returned.id}/return`)
        .set(bearer(office.token))
        .send({ reasons: ['缺少会议纪要'] }),
      200,
      'return',
    );
    // A5: closed on its platform today, the closure filing accepted.
    const closure = { announcedOn: today, announcementUrl: 'https://weibo.com/notice/1' };
    expectStatus(
      await t.http
        .post(`/v1/accounts/${a.a5.id}/close`)
        .set(bearer(admin.token))
        .send({ ...closure, closedOn: today }),
      200,
      'close',
    );
    await acceptFiling(t, office, (await submitFiling(t, admin, a.a5.id, 'closure', { ...closure, deregisteredOn: today })).id);

    await openCase(office, a.a1.id, await finding(office, a.a1.id, 'content_error'), 'warning', `${P}-12-01`);
    await openCase(office, a.a2.id, await finding(office, a.a2.id, 'other'), 'forced_closure', today);
    const otherOfA3 = await finding(office, a.a3.id, 'other');
    const talk = await openCase(office, a.a3.id, otherOfA3, 'talk', today);
    const rectification = { text: '已整改', evidenceUrls: ['https://weibo.com/notice/2'], rectifiedOn: today };
    expectStatus(await t.http.post(`/v1/cases/${talk}/rectifications`).set(bearer(admin.token)).send(rectification), 201, 'rectification');
    expectStatus(await t.http.post(`/v1/cases/${talk}/accept`).set(bearer(office.token)).send({}), 200, 'accept rectification');
    expectStatus(
      await t.http.post(`/v1/findings/${otherOfA3}/close`).set(bearer(office.token)).send({ note: '已整改' }),
      200,
      'close finding',
    );
    const zz = w.auditorZz.session;
    await openCase(zz, a.a6.id, await finding(zz, a.a6.id, 'content_error'), 'order_deletion', `${P}-12-01`);
    // Both cases of P-12-01 are long overdue: one escalation each, as of this hour.
    expectStatus(await t.http.post('/v1/jobs/case_escalation/runs').set(bearer(admin.token)).send({ date: today }), 200, 'escalation');

    const posts = { a1: 10, a2: 2, a3: 5, a4: 20, a5: 1, a6: 15 };
    await reportMetrics(
      t,
      admin,
      Object.entries(posts).map(([key, n]) => ({ accountId: a[key as keyof typeof a].id, day: today, posts: n })),
    );
    const model = await createModel(t, admin, { key: 'bci', name: 'BCI', preset: 'bci' });
    runId = (await runScoring(t, admin, { from: `${Y}-01-01`, to: today, modelId: model.id })).id;
  });

  afterAll(async () => t?.close());

  describe(`the current year, 长沙 as its office's auditor sees it`, () => {
    let r: SupervisionReportDto;
    beforeAll(async () => {
      r = await reportOk(office, Y, { n: 2 });
    });

    it('names the region (the auditor scope root), its office and the year so far', () => {
      expect(r).toMatchObject({
        year: Y,
        region: { unitId: w.units.cs, name: '长沙市', code: 'cs', divisionCode: '430100', level: 'city' },
        office: { unitId: w.units['cs-wxb'], name: '长沙市委网信办' },
        from: `${Y}-01-01`,
        to: `${Y}-12-31`,
        complete: false,
      });
      expect(Date.parse(r.asOf)).toBe(Date.parse(r.generatedAt));
      expect(Date.now() - Date.parse(r.generatedAt)).toBeLessThan(60_000);
    });

    it('counts units, accounts by status at year end, openings, closures and filings', () => {
      // A2's opening filing was returned: overdue once its deadline (E + 10 working days) has passed in Y.
      const overdue = a.a2.openingFiling.dueOn < today ? 1 : 0;
      expect(r.counts).toEqual({
        units: 5,
        accounts: 5,
        accountsByStatus: [
          { status: 'pending_filing', accounts: 0 },
          { status: 'active', accounts: 2 },
          { status: 'rectifying', accounts: 1 },
          { status: 'closing', accounts: 0 },
          { status: 'closed', accounts: 1 },
          { status: 'force_closed', accounts: 1 },
        ],
        accountsOpened: 2,
        accountsClosed: 1,
        accountsForceClosed: 1,
        filings: {
          submitted: 6,
          accepted: 5,
          returned: 1,
          overdue,
          byKind: [
            { kind: 'opening', submitted: 5, accepted: 4, returned: 1, overdue },
            { kind: 'change', submitted: 0, accepted: 0, returned: 0, overdue: 0 },
            { kind: 'closure', submitted: 1, accepted: 1, returned: 0, overdue: 0 },
          ],
        },
      });
    });

    it('computes the pass rate over inspected accounts and the findings by kind', () => {
      const { byKind, ...summary } = r.inspection;
      // Inspected: A1, A3, A4, A5 (live during the year) and A2 (a finding); A1 fails on content_error.
      expect(summary).toEqual({
        accountsInspected: 5,
        accountsWithFindings: 3,
        accountsFailed: 1,
        accountsPassed: 4,
        passRate: 0.8,
        singleVetoKinds: ['inactive_14d', 'no_interaction_function', 'content_error', 'secrecy_incident', 'faked_influence'],
        findingsOpened: 3,
        findingsClosed: 1,
        findingsOpenAtYearEnd: 2,
      });
      expect(byKind.map((k) => k.kind)).toEqual([
        'filing_overdue',
        'inactive_14d',
        'low_activity',
        'unanswered_messages',
        'naming',
        'no_interaction_function',
        'content_error',
        'secrecy_incident',
        'faked_influence',
        'other',
      ]);
      expect(byKind.find((k) => k.kind === 'content_error')).toEqual({
        kind: 'content_error',
        singleVeto: true,
        opened: 1,
        closed: 0,
        openAtYearEnd: 1,
        accounts: 1,
      });
      expect(byKind.find((k) => k.kind === 'other')).toEqual({
        kind: 'other',
        singleVeto: false,
        opened: 2,
        closed: 1,
        openAtYearEnd: 1,
        accounts: 2,
      });
      expect(byKind.filter((k) => k.opened + k.closed + k.openAtYearEnd + k.accounts > 0).map((k) => k.kind)).toEqual([
        'content_error',
        'other',
      ]);
    });

    it('counts sanctions by measure, resolutions, escalations and forced closures', () => {
      expect(r.sanctions).toEqual({
        casesOpened: 2,
        casesResolved: 1,
        casesEscalated: 1,
        escalations: 1,
        forcedClosures: 1,
        casesOpenAtYearEnd: 2,
        byMeasure: [
          { measure: 'order_deletion', opened: 0, escalatedTo: 0 },
          { measure: 'talk', opened: 1, escalatedTo: 0 },
          { measure: 'warning', opened: 0, escalatedTo: 0 },
          { measure: 'public_notice', opened: 0, escalatedTo: 1 },
          { measure: 'forced_closure', opened: 1, escalatedTo: 0 },
        ],
      });
    });

    it('ranks the top and bottom n of the year run within the region, and the sub-units', () => {
      const { run, top, bottom, units, n } = r.rankings;
      expect(n).toBe(2);
      expect(run).toMatchObject({
        id: runId,
        kind: 'on_demand',
        from: `${Y}-01-01`,
        to: today,
        modelKey: 'bci',
        modelName: 'BCI',
        modelVersion: 1,
        version: 1,
        scopeUnitId: w.units.root,
        accountsScored: 5,
      });
      // Within 长沙: A4 (20 posts), A1 (10), A3 (5), A2 (2), A5 (1); overall A6 (15) is second.
      expect(top.map((x) => [x.position, x.accountId, x.accountName, x.unitName, x.rankOverall])).toEqual([
        [1, a.a4.id, '长沙发布', '长沙市', 1],
        [2, a.a1.id, '天心公安', '长沙市公安局天心分局', 3],
      ]);
      expect(top[0].score).toBeCloseTo(bci(20), 9);
      expect(top[0]).toMatchObject({ platform: 'weibo', unitId: w.units.cs, vetoes: [] });
      expect(bottom.map((x) => [x.position, x.accountId, x.rankOverall])).toEqual([
        [5, a.a5.id, 6],
        [4, a.a2.id, 5],
      ]);
      expect(bottom[0].score).toBeCloseTo(bci(1), 9);
      // Sub-units of 长沙 with scored accounts: 天心区 (A1, A2, A3) and the office (A5).
      expect(units.map((u) => [u.position, u.unitId, u.accounts, u.level])).toEqual([
        [1, w.units.tx, 3, 'county'],
        [2, w.units['cs-wxb'], 1, 'bureau'],
      ]);
      expect(units[0].meanScore).toBeCloseTo((bci(10) + bci(2) + bci(5)) / 3, 5);
      expect(units[0].minScore).toBeCloseTo(bci(2), 9);
      expect(units[0].maxScore).toBeCloseTo(bci(10), 9);
      expect(units[1].meanScore).toBeCloseTo(bci(1), 5);
    });

    it('gives the same report for the office unit, the region unit, and to the tenant admin and matrix lead', async () => {
      const strip = (x: SupervisionReportDto) => ({ ...x, generatedAt: undefined, asOf: undefined });
      for (const [session, unitId] of [
        [office, w.units['cs-wxb']],
        [office, w.units.cs],
        [admin, w.units['cs-wxb']],
        [w.leadCs.session, undefined],
      ] as const)
        expect(strip(await reportOk(session, Y, { n: 2, ...(unitId ? { unitId } : {}) }))).toEqual(strip(r));
    });

    it('defaults to 10 per list', async () => {
      const full = await reportOk(office, Y);
      expect(full.rankings.n).toBe(10);
      expect(full.rankings.top.map((x) => x.accountId)).toEqual([a.a4.id, a.a1.id, a.a3.id, a.a2.id, a.a5.id]);
      expect(full.rankings.bottom.map((x) => x.accountId)).toEqual([a.a5.id, a.a2.id, a.a3.id, a.a1.id, a.a4.id]);
    });
  });

  it('reports a county (no office) and the sibling region (株洲) on their own data only', async () => {
    const tx = await reportOk(admin, Y, { unitId: w.units.tx, n: 1 });
    expect(tx.region).toMatchObject({ unitId: w.units.tx, name: '长沙市天心区', divisionCode: '430103' });
    expect(tx.office).toBeNull();
    expect(tx.counts).toMatchObject({ units: 3, accounts: 3, accountsOpened: 2, accountsForceClosed: 1, accountsClosed: 0 });
    expect(tx.inspection).toMatchObject({ accountsInspected: 3, accountsFailed: 1, passRate: 0.6667 });
    expect(tx.rankings.top.map((x) => [x.position, x.accountId])).toEqual([[1, a.a1.id]]);
    expect(tx.rankings.units.map((u) => u.unitId)).toEqual([w.units['tx-gaj'], w.units['tx-jyj']]);

    const zz = await reportOk(w.auditorZz.session, Y);
    expect(zz.region.unitId).toBe(w.units.zz);
    expect(zz.office).toEqual({ unitId: w.units['zz-wxb'], name: '株洲市委网信办' });
    expect(zz.counts).toMatchObject({ units: 4, accounts: 1, accountsOpened: 0 });
    expect(zz.counts.accountsByStatus.find((s) => s.status === 'rectifying')!.accounts).toBe(1);
    expect(zz.inspection).toMatchObject({ accountsInspected: 1, accountsFailed: 1, accountsPassed: 0, passRate: 0 });
    expect(zz.sanctions).toMatchObject({ casesOpened: 0, casesEscalated: 1, casesOpenAtYearEnd: 1, forcedClosures: 0 });
    expect(zz.sanctions.byMeasure.find((m) => m.measure === 'talk')).toEqual({ measure: 'talk', opened: 0, escalatedTo: 1 });
    expect(zz.rankings.top.map((x) => [x.position, x.accountId, x.rankOverall])).toEqual([[1, a.a6.id, 2]]);
  });

  it('reports the previous year as it stood at its end: accounts not yet filed, one case decided, no run', async () => {
    const r = await reportOk(office, P);
    expect(r).toMatchObject({ year: P, complete: true, asOf: new Date(`${Y}-01-01T00:00:00+08:00`).toISOString() });
    expect(r.counts).toMatchObject({ units: 0, accounts: 3, accountsOpened: 3, accountsClosed: 0, accountsForceClosed: 0 });
    expect(r.counts.accountsByStatus.filter((s) => s.accounts > 0)).toEqual([{ status: 'pending_filing', accounts: 3 }]);
    // A1, A4 and A5 were due in P and filed only in Y.
    expect(r.counts.filings).toMatchObject({ submitted: 0, accepted: 0, returned: 0, overdue: 3 });
    expect(r.inspection).toMatchObject({ accountsInspected: 0, passRate: null, findingsOpened: 0 });
    expect(r.sanctions).toMatchObject({ casesOpened: 1, casesResolved: 0, casesEscalated: 0, casesOpenAtYearEnd: 1 });
    expect(r.sanctions.byMeasure.filter((m) => m.opened > 0)).toEqual([{ measure: 'warning', opened: 1, escalatedTo: 0 }]);
    expect(r.rankings).toEqual({ run: null, n: 10, top: [], bottom: [], units: [] });
  });

  describe('export', () => {
    it('downloads XLSX with one sheet per section and Chinese headers', async () => {
      const res = await download(office, Y, { format: 'xlsx', n: 2 });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      expect(res.headers['content-disposition']).toBe(
        `attachment; filename="supervision-report-430100-${Y}.xlsx"; filename*=UTF-8''supervision-report-430100-${Y}.xlsx`,
      );
      const workbook = new Workbook();
      await workbook.xlsx.load(Uint8Array.from(res.body as Buffer).buffer);
      expect(workbook.worksheets.map((s) => s.name)).toEqual(['概况', '检查', '处置', '排名']);
      const values = (sheet: string, row: number): unknown[] => (workbook.getWorksheet(sheet)!.getRow(row).values as unknown[]).slice(1);
      expect(values('检查', 1)).toEqual(['检查概况']);
      expect(values('检查', 2)).toEqual(['指标', '数值']);
      expect(values('检查', 3)).toEqual(['受检账号数', 5]);
      expect(values('检查', 7)).toEqual(['合格率', 0.8]);
      const rows = (sheet: string): unknown[][] => {
        const out: unknown[][] = [];
        workbook.getWorksheet(sheet)!.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
        return out;
      };
      expect(rows('概况')).toContainEqual(['本年开设账号', 2]);
      expect(rows('检查')).toContainEqual(['严重表述错误', 'content_error', '是', 1, 0, 1, 1]);
      expect(rows('处置')).toContainEqual(['约谈', 'talk', 1, 0]);
      const ranking = rows('排名');
      expect(ranking).toContainEqual(['前2名']);
      const header = ranking.findIndex((row) => row[0] === '区域内名次');
      expect(ranking[header + 1].slice(0, 4)).toEqual([1, '长沙发布', '微博', '长沙市']);
    });

    it('downloads CSV with a BOM, every table under a heading line', async () => {
      const res = await download(office, Y, { format: 'csv', n: 2 });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="supervision-report-430100-${Y}\\.csv"`));
      const body = res.body as Buffer;
      expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const records: string[][] = parse(body.toString('utf8'), { bom: true, relax_column_count: true, skip_empty_lines: true });
      expect(records.filter((row) => row.length === 1).map((row) => row[0])).toEqual([
        '概况 - 报告信息',
        '概况 - 账号概况',
        '概况 - 备案情况',
        '检查 - 检查概况',
        '检查 - 问题类型',
        '处置 - 处置概况',
        '处置 - 处置措施',
        '排名 - 评分批次',
        '排名 - 前2名',
        '排名 - 后2名',
        '排名 - 下级单位',
      ]);
      expect(records).toContainEqual(['合格率', '0.8']);
      expect(records).toContainEqual(['开设备案', '5', '4', '1', String(a.a2.openingFiling.dueOn < today ? 1 : 0)]);
      expect(records).toContainEqual(['通报', 'public_notice', '0', '1']);
    });

    it('names a unit without a division code by its code', async () => {
      const res = await download(admin, Y, { format: 'csv', unitId: w.units['tx-gaj'] });
      expect(res.status).toBe(200);
      expect(res.headers['content-disposition']).toMatch(new RegExp(`filename="supervision-report-tx-gaj-${Y}\\.csv"`));
    });
  });

  describe('refusals', () => {
    it('answers 404 for a unit of a sibling region, of another tenant, or none', async () => {
      for (const unitId of [w.units.zz, w.units['zz-wxb'], otherTenantUnit, '00000000-0000-4000-8000-000000000000']) {
        expectProblem(await report(office, Y, { unitId }), 404);
        expectProblem(await download(office, Y, { unitId, format: 'csv' }), 404);
      }
    });

    it('answers 400 naming `year` for a year outside 2000..2100, in the future or not a year', async () => {
      for (const year of ['1999', '2101', String(Y + 1), 'abc', '2026.5', '-2026', '1e3']) {
        const problem = expectProblem(await report(office, year), 400);
        expect(pointersOf(problem)).toEqual(['/year']);
      }
      expect(pointersOf(expectProblem(await download(office, Y + 1, { format: 'xlsx' }), 400))).toEqual(['/year']);
    });

    it('answers 400 naming the field for a bad n, format or unitId', async () => {
      expect(pointersOf(expectProblem(await report(office, Y, { n: 51 }), 400))).toEqual(['/n']);
      expect(pointersOf(expectProblem(await report(office, Y, { n: 0 }), 400))).toEqual(['/n']);
      expect(pointersOf(expectProblem(await report(office, Y, { unitId: 'x' }), 400))).toEqual(['/unitId']);
      expect(pointersOf(expectProblem(await download(office, Y, { format: 'pdf' }), 400))).toEqual(['/format']);
    });

    it('refuses a unit operator (403)', async () => {
      const problem = expectProblem(await report(w.operatorTx.session, Y), 403);
      expect(problem.detail).toBe('Requires the supervision_reports.read permission');
    });
  });
});
