import { chinaToday } from '@govmatrix/calendar';
import { bearer, expectProblem, loginOperator, pointersOf, Session } from '../support/fixtures';
import {
  AccountDto,
  accountBody,
  acceptFiling,
  CHIEF_EDITOR,
  ChainDto,
  closeAccount,
  createAccount,
  createBureauUnderTx,
  createLedgerWorld,
  DEFAULT_SETTINGS,
  expectStatus,
  getAccount,
  LedgerWorld,
  PersonDto,
  putLedgerSettings,
  submitFiling,
  transitionAccount,
} from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** An unfiled obligation is overdue once its last day is past in China: the tests run on any day, before or after it. */
const pastDue = (dueOn: string): boolean => dueOn < chinaToday();

describe('ledger accounts', () => {
  let t: TestApp;
  let operator: Session;
  let w: LedgerWorld;
  let unit: Session;
  let office: Session;

  beforeAll(async () => {
    t = await startTestApp();
    operator = await loginOperator(t);
    w = await createLedgerWorld(t, operator);
    unit = w.admin;
    office = w.auditorCs.session;
  });
  afterAll(async () => t?.close());

  const post = (session: Session, body: object) => t.http.post('/v1/accounts').set(bearer(session.token)).send(body);

  describe('creation and the shape rules between fields', () => {
    it('registers a complete account and answers it with its chain, deadline and no findings', async () => {
      const res = await post(w.operatorTx.session, accountBody({ unitId: w.units['tx-gaj'], name: '天心公安', platformUid: 'txga-001' }));
      const account = expectStatus<AccountDto>(res, 201, 'create');
      expect(account).toMatchObject({
        unitId: w.units['tx-gaj'],
        unitName: '长沙市公安局天心分局',
        platform: 'weibo',
        wechatType: null,
        kind: 'institutional',
        holder: null,
        name: '天心公安',
        platformUid: 'txga-001',
        operatingMode: 'self',
        vendor: null,
        status: 'pending_filing',
        openedOn: '2026-09-28',
        closureFiling: null,
        closedOn: null,
        secondAccount: null,
        openFindings: [],
      });
      expect(account.people.firstResponsible).toMatchObject({ role: 'first_responsible', name: '李局长', validTo: null });
      expect(account.people.mainResponsible).toMatchObject({ role: 'main_responsible', name: '王副局长' });
      expect(account.people.chiefEditor).toMatchObject({ role: 'chief_editor', name: '张编辑', phone: '13812345678' });
      expect(account.people.operators.map((p) => p.name)).toEqual(['赵运维']);
      expect(await getAccount(t, w.operatorTx.session, account.id)).toEqual(account);
    });

    it.each([
      ['a WeChat account without its type', { platform: 'wechat' }, '/wechatType'],
      ['a non-WeChat account with a WeChat type', { platform: 'douyin', wechatType: 'service' }, '/wechatType'],
      ['an official-capacity personal account without its holder', { platform: 'douyin', kind: 'official_personal' }, '/holder'],
      ['an institutional account with a holder', { platform: 'douyin', holder: { name: '刘警官', position: '民警' } }, '/holder'],
      ['an outsourced account without its vendor', { platform: 'douyin', operatingMode: 'outsourced' }, '/vendor'],
      ['a self-operated account with a vendor', { platform: 'douyin', vendor: '某传媒公司' }, '/vendor'],
    ])('refuses %s with 422 naming the field, and writes nothing', async (_name, overrides, pointer) => {
      const unitId = w.units['tx-jyj'];
      const res = await post(unit, accountBody({ unitId, name: '天心教育', ...overrides }));
      const problem = expectProblem(res, 422);
      expect(pointersOf(problem)).toEqual([pointer]);
      // Nothing was written: the same platform is still free for a correct account (no R4 conflict).
      const fixed = {
        ...overrides,
        vendor: undefined,
        holder: undefined,
        wechatType: undefined,
        operatingMode: 'self',
        kind: 'institutional',
      };
      const ok = await createAccount(t, unit, { unitId, name: '天心教育', ...fixed, platform: 'douyin' });
      await transitionAccount(t, office, ok.id, 'force_closed');
    });

    it('refuses malformed fields with 400 and pointers', async () => {
      const res = await post(unit, { ...accountBody({ unitId: w.units['tx-jyj'] }), platform: 'myspace', openedOn: '2026-02-30' });
      const problem = expectProblem(res, 400);
      expect(pointersOf(problem)).toEqual(expect.arrayContaining(['/platform', '/openedOn']));
    });

    it('accepts each kind when complete: WeChat service account, official-capacity account, outsourced account', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const wechat = await createAccount(t, unit, { unitId, platform: 'wechat', wechatType: 'service', name: '天心政务服务' });
      expect(wechat).toMatchObject({ platform: 'wechat', wechatType: 'service' });
      const personal = await createAccount(t, unit, {
        unitId,
        platform: 'douyin',
        kind: 'official_personal',
        holder: { name: '刘警官', position: '社区民警' },
        name: '天心刘警官',
      });
      expect(personal).toMatchObject({ kind: 'official_personal', holder: { name: '刘警官', position: '社区民警' } });
      const outsourced = await createAccount(t, unit, {
        unitId,
        platform: 'kuaishou',
        operatingMode: 'outsourced',
        vendor: '湘江传媒有限公司',
      });
      expect(outsourced).toMatchObject({ operatingMode: 'outsourced', vendor: '湘江传媒有限公司' });
    });

    it('refuses a unit outside the caller’s scope as if it did not exist', async () => {
      const res = await post(w.operatorTx.session, accountBody({ unitId: w.units['tx-jyj'] }));
      expect(pointersOf(expectProblem(res, 422))).toEqual(['/unitId']);
    });
  });

  describe('the opening deadline in working days (R1) and the calendar', () => {
    it('opened 2026-09-28 → due 2026-10-16 across National Day and the 10 October make-up day; overdue today', async () => {
      const account = await createAccount(t, unit, { unitId: await createBureauUnderTx(t, w) });
      expect(account.openingFiling).toEqual({ dueOn: '2026-10-16', provisional: false, overdue: true });
      const deadline = await t.http.get('/v1/calendar/deadline').query({ from: '2026-09-28', days: 10 }).set(bearer(unit.token));
      expect(expectStatus(deadline, 200, 'deadline')).toEqual({ from: '2026-09-28', days: 10, dueOn: '2026-10-16', provisional: false });
    });

    it('a deadline in 2027 is provisional until an operator loads the 2027 arrangement, then follows it', async () => {
      const unitId = await createBureauUnderTx(t, w);
      // Weekends only: 31 Dec, then 1, 4–8, 11–13 January → 2027-01-13.
      const before = await createAccount(t, unit, { unitId, platform: 'weibo', openedOn: '2026-12-30' });
      expect(before.openingFiling).toEqual({ dueOn: '2027-01-13', provisional: true, overdue: pastDue('2027-01-13') });
      // Opened in 2027 itself: 5–8, 11–15, 18 January on weekends only.
      const in2027 = await createAccount(t, unit, { unitId, platform: 'kuaishou', openedOn: '2027-01-04' });
      expect(in2027.openingFiling).toEqual({ dueOn: '2027-01-18', provisional: true, overdue: pastDue('2027-01-18') });
      const year = await t.http.get('/v1/calendar/2027').set(bearer(unit.token));
      expect(expectStatus(year, 200, 'calendar 2027')).toMatchObject({ year: 2027, source: 'weekends_only' });

      const arrangement = { holidays: ['2027-01-01'], workdays: [], source: '国办发明电〔2026〕99号（测试）' };
      expectProblem(await t.http.put('/v1/calendar/2027').set(bearer(unit.token)).send(arrangement), 403);
      const loaded = await t.http.put('/v1/calendar/2027').set(bearer(operator.token)).send(arrangement);
      expect(expectStatus(loaded, 200, 'load 2027')).toMatchObject({ year: 2027, source: 'loaded', holidays: ['2027-01-01'] });

      // New Year's Day is now off: 31 Dec, 4–8, 11–14 January → 2027-01-14, no longer provisional.
      const after = await createAccount(t, unit, { unitId, platform: 'douyin', openedOn: '2026-12-30' });
      expect(after.openingFiling).toEqual({ dueOn: '2027-01-14', provisional: false, overdue: pastDue('2027-01-14') });
      const later2027 = await createAccount(t, unit, { unitId, platform: 'toutiao', openedOn: '2027-01-04' });
      expect(later2027.openingFiling).toEqual({ dueOn: '2027-01-18', provisional: false, overdue: pastDue('2027-01-18') });
      const deadline = await t.http.get('/v1/calendar/deadline').query({ from: '2026-12-30', days: 10 }).set(bearer(unit.token));
      expect(expectStatus(deadline, 200, 'deadline')).toMatchObject({ dueOn: '2027-01-14', provisional: false });
      // The account registered before keeps the deadline it was given.
      expect((await getAccount(t, unit, before.id)).openingFiling).toEqual({
        dueOn: '2027-01-13',
        provisional: true,
        overdue: pastDue('2027-01-13'),
      });
    });

    it('the tenant setting openingFilingDays (15) changes the deadline of new accounts only', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const tenDays = await createAccount(t, unit, { unitId, platform: 'weibo' });
      try {
        const settings = await putLedgerSettings(t, w.admin, { openingFilingDays: 15 });
        expect(settings).toEqual({ ...DEFAULT_SETTINGS, openingFilingDays: 15 });
        // 29, 30 Sep, 8, 9, 10 (make-up), 12–16, 19–23 Oct.
        const fifteen = await createAccount(t, unit, { unitId, platform: 'douyin' });
        expect(fifteen.openingFiling.dueOn).toBe('2026-10-23');
        expect((await getAccount(t, unit, tenDays.id)).openingFiling.dueOn).toBe('2026-10-16');
      } finally {
        await putLedgerSettings(t, w.admin, DEFAULT_SETTINGS);
      }
      const back = await createAccount(t, unit, { unitId, platform: 'kuaishou' });
      expect(back.openingFiling.dueOn).toBe('2026-10-16');
    });

    it('a partial settings update keeps the other settings', async () => {
      try {
        await putLedgerSettings(t, w.admin, { closureFilingDays: 7 });
        expect(await putLedgerSettings(t, w.admin, { openingFilingDays: 12 })).toEqual({
          ...DEFAULT_SETTINGS,
          openingFilingDays: 12,
          closureFilingDays: 7,
        });
        const stored = await t.http.get('/v1/settings/ledger').set(bearer(office.token));
        expect(expectStatus(stored, 200, 'settings')).toEqual({ ...DEFAULT_SETTINGS, openingFilingDays: 12, closureFilingDays: 7 });
      } finally {
        await putLedgerSettings(t, w.admin, DEFAULT_SETTINGS);
      }
    });
  });

  describe('one account per unit per platform (R4)', () => {
    it('refuses a second live account without justification; with one it needs the office’s approval before filing is accepted', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const first = await createAccount(t, unit, { unitId, platform: 'douyin', name: '天心抖音一号' });

      const refused = await post(unit, accountBody({ unitId, platform: 'douyin', name: '天心抖音二号' }));
      const problem = expectProblem(refused, 409);
      expect(problem.code).toBe('second_account_needs_approval');
      expect(problem.detail).toContain('1 live douyin account(s) (天心抖音一号)');
      expect(problem.detail).toContain('secondAccountJustification');
      expect(pointersOf(problem)).toEqual(['/secondAccountJustification']);
      // Another platform of the same unit is not concerned.
      await createAccount(t, unit, { unitId, platform: 'weibo', name: '天心微博' });

      const justification = '交警业务需要单独的抖音号发布路况信息';
      const second = await createAccount(t, unit, {
        unitId,
        platform: 'douyin',
        name: '天心抖音二号',
        secondAccountJustification: justification,
      });
      expect(second.secondAccount).toEqual({ justification, approved: false, approvedBy: null, approvedAt: null });
      expect(first.secondAccount).toBeNull();

      const filing = await submitFiling(t, unit, second.id, 'opening');
      const early = await t.http.post(`/v1/filings/${filing.id}/accept`).set(bearer(office.token)).send({});
      expect(expectProblem(early, 409).code).toBe('second_account_not_approved');
      expect((await getAccount(t, unit, second.id)).status).toBe('pending_filing');
      // Nor can the office activate it by order, around the filing.
      const ordered = await t.http
        .post(`/v1/accounts/${second.id}/transition`)
        .set(bearer(office.token))
        .send({ to: 'active', reason: '直接启用' });
      expect(expectProblem(ordered, 409).code).toBe('illegal_transition');
      expect((await getAccount(t, unit, second.id)).status).toBe('pending_filing');

      // Only the supervising office approves; the unit cannot approve itself.
      expectProblem(await t.http.post(`/v1/accounts/${second.id}/approve-second-account`).set(bearer(unit.token)).send({}), 403);
      const approved = await t.http
        .post(`/v1/accounts/${second.id}/approve-second-account`)
        .set(bearer(office.token))
        .send({ note: '同意' });
      const approvedAccount = expectStatus<AccountDto>(approved, 200, 'approve');
      expect(approvedAccount.secondAccount).toMatchObject({ justification, approved: true, approvedBy: w.auditorCs.id });
      expect(Date.parse(approvedAccount.secondAccount!.approvedAt!)).toBeGreaterThan(Date.now() - 60_000);
      const again = await t.http.post(`/v1/accounts/${second.id}/approve-second-account`).set(bearer(office.token)).send({});
      expect(expectProblem(again, 409).code).toBe('already_approved');
      const notSecond = await t.http.post(`/v1/accounts/${first.id}/approve-second-account`).set(bearer(office.token)).send({});
      expect(expectProblem(notSecond, 409).code).toBe('not_a_second_account');

      expect((await acceptFiling(t, office, filing.id)).status).toBe('accepted');
      expect((await getAccount(t, unit, second.id)).status).toBe('active');
    });

    it('two concurrent registrations on one unit and platform: one is created, the other refused', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const attempts = await Promise.all(
        ['天心并发一号', '天心并发二号', '天心并发三号'].map((name) =>
          post(unit, accountBody({ unitId, platform: 'video_channel', name })),
        ),
      );
      expect(attempts.map((r) => r.status).sort()).toEqual([201, 409, 409]);
      attempts.filter((r) => r.status === 409).forEach((r) => expect(expectProblem(r, 409).code).toBe('second_account_needs_approval'));
    });

    it('a closed or force-closed account does not count against R4; a closing one does not either', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const closed = await createAccount(t, unit, { unitId, platform: 'bilibili', name: '天心B站旧号' });
      await closeAccount(t, unit, closed.id);
      await acceptFiling(t, office, (await submitFiling(t, unit, closed.id, 'closure')).id);
      expect((await getAccount(t, unit, closed.id)).status).toBe('closed');
      const replacement = await createAccount(t, unit, { unitId, platform: 'bilibili', name: '天心B站新号' });
      expect(replacement.secondAccount).toBeNull();

      const forced = await createAccount(t, unit, { unitId, platform: 'toutiao', name: '天心头条旧号' });
      await transitionAccount(t, office, forced.id, 'force_closed');
      expect((await createAccount(t, unit, { unitId, platform: 'toutiao', name: '天心头条新号' })).secondAccount).toBeNull();

      const closing = await createAccount(t, unit, { unitId, platform: 'xiaohongshu', name: '天心小红书旧号' });
      await closeAccount(t, unit, closing.id);
      expect((await createAccount(t, unit, { unitId, platform: 'xiaohongshu', name: '天心小红书新号' })).secondAccount).toBeNull();

      // But the new live account counts again.
      const third = await post(unit, accountBody({ unitId, platform: 'bilibili', name: '天心B站三号' }));
      expect(expectProblem(third, 409).detail).toContain('(天心B站新号)');
    });
  });

  describe('the naming check (R5)', () => {
    const naming = (a: AccountDto) => a.openFindings.filter((f) => f.kind === 'naming');

    it('a name without the unit’s or region’s name opens a naming finding; a good rename closes it', async () => {
      const bad = await createAccount(t, w.operatorTx.session, { unitId: w.units['tx-gaj'], platform: 'douyin', name: '便民服务号' });
      expect(naming(bad)).toHaveLength(1);
      expect(naming(bad)[0].detail).toContain('便民服务号');
      expect(naming(bad)[0].detail).toContain('天心公安');
      expect(naming(await getAccount(t, office, bad.id))).toHaveLength(1);

      // Another bad name keeps the single finding open.
      const stillBad = await t.http.patch(`/v1/accounts/${bad.id}`).set(bearer(w.operatorTx.session.token)).send({ name: '便民服务' });
      expect(naming(expectStatus<AccountDto>(stillBad, 200, 'rename'))).toHaveLength(1);

      const renamed = await t.http.patch(`/v1/accounts/${bad.id}`).set(bearer(w.operatorTx.session.token)).send({ name: '天心公安便民' });
      const fixed = expectStatus<AccountDto>(renamed, 200, 'rename');
      expect(fixed.name).toBe('天心公安便民');
      expect(fixed.openFindings).toEqual([]);
      expect((await getAccount(t, office, bad.id)).openFindings).toEqual([]);
    });

    it('accepts the region’s bare name (长沙) for a bureau of the city', async () => {
      const account = await createAccount(t, unit, { unitId: w.units['cs-wxb'], platform: 'douyin', name: '网信长沙' });
      expect(account.openFindings).toEqual([]);
    });

    it('follows the tenant’s rule: off checks nothing, extraKeywords are accepted fragments', async () => {
      const unitId = await createBureauUnderTx(t, w);
      try {
        await putLedgerSettings(t, w.admin, { naming: { mode: 'off', extraKeywords: [] } });
        expect((await createAccount(t, unit, { unitId, platform: 'weibo', name: '随便起的名字' })).openFindings).toEqual([]);

        await putLedgerSettings(t, w.admin, { naming: { mode: 'unit_or_region', extraKeywords: ['平安星城'] } });
        expect((await createAccount(t, unit, { unitId, platform: 'douyin', name: '平安星城' })).openFindings).toEqual([]);
        const bad = await createAccount(t, unit, { unitId, platform: 'kuaishou', name: '随便起的名字' });
        expect(naming(bad)).toHaveLength(1);
        expect(naming(bad)[0].detail).toContain('平安星城');
      } finally {
        await putLedgerSettings(t, w.admin, DEFAULT_SETTINGS);
      }
      const settings = await t.http.get('/v1/settings/ledger').set(bearer(office.token));
      expect(expectStatus(settings, 200, 'settings')).toEqual(DEFAULT_SETTINGS);
    });
  });

  describe('contacts and the responsibility chain', () => {
    let account: AccountDto;
    beforeAll(async () => {
      account = await createAccount(t, w.operatorTx.session, { unitId: w.units['tx-gaj'], platform: 'kuaishou', name: '天心公安快手' });
    });

    it('shows contacts in full to the unit operator and the auditor, masked to the matrix lead', async () => {
      for (const session of [w.operatorTx.session, office, w.admin]) {
        const seen = await getAccount(t, session, account.id);
        expect(seen.people.chiefEditor).toMatchObject({ phone: CHIEF_EDITOR.phone, email: CHIEF_EDITOR.email });
      }
      const lead = await getAccount(t, w.leadCs.session, account.id);
      expect(lead.people.chiefEditor).toMatchObject({ name: '张编辑', phone: '138****5678', email: 'z********@example.gov.cn' });
      expect(lead.people.firstResponsible!.phone).toBe('139****1111');
      const people = expectStatus<ChainDto>(
        await t.http.get(`/v1/accounts/${account.id}/people`).set(bearer(w.leadCs.session.token)),
        200,
        'p',
      );
      expect(people.chiefEditor!.phone).toBe('138****5678');
      const history = await t.http.get(`/v1/accounts/${account.id}/people/history`).set(bearer(w.leadCs.session.token));
      const phones = expectStatus<{ items: PersonDto[] }>(history, 200, 'history').items.map((p) => p.phone);
      expect(phones).toEqual(expect.arrayContaining(['138****5678', '139****1111']));
      expect(phones.every((p) => p === null || p.includes('****'))).toBe(true);
      // The lead reads only.
      expectProblem(await t.http.patch(`/v1/accounts/${account.id}`).set(bearer(w.leadCs.session.token)).send({ name: '天心改名' }), 403);
    });

    it('keeps the history of holders: the chain at a past moment names the old chief editor', async () => {
      const created = await getAccount(t, office, account.id);
      const oldEditor = created.people.chiefEditor!;
      await sleep(30);
      const between = new Date().toISOString();
      await sleep(30);
      const replaced = await t.http
        .put(`/v1/accounts/${account.id}/people/chief_editor`)
        .set(bearer(w.operatorTx.session.token))
        .send({ name: '陈编辑', position: '总编辑', phone: '13700009999' });
      const chain = expectStatus<ChainDto>(replaced, 200, 'replace');
      expect(chain.chiefEditor).toMatchObject({ name: '陈编辑', phone: '13700009999', validTo: null });
      expect(chain.firstResponsible!.name).toBe('李局长');

      const at = async (query: Record<string, string>) =>
        expectStatus<ChainDto>(await t.http.get(`/v1/accounts/${account.id}/people`).query(query).set(bearer(office.token)), 200, 'at');
      expect((await at({ at: between })).chiefEditor).toMatchObject({ id: oldEditor.id, name: '张编辑' });
      expect((await at({})).chiefEditor!.name).toBe('陈编辑');
      // Before the account existed nobody held anything.
      const beforeCreation = await at({ at: new Date(Date.parse(created.createdAt) - 60_000).toISOString() });
      expect(beforeCreation).toEqual({ firstResponsible: null, mainResponsible: null, chiefEditor: null, operators: [] });
      // With an offset rather than Z: the same moment.
      const shanghai = new Date(Date.parse(between) + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
      expect((await at({ at: shanghai })).chiefEditor!.name).toBe('张编辑');
      expectProblem(await t.http.get(`/v1/accounts/${account.id}/people`).query({ at: 'yesterday' }).set(bearer(office.token)), 400);

      const history = await t.http.get(`/v1/accounts/${account.id}/people/history`).set(bearer(office.token));
      const editors = expectStatus<{ items: PersonDto[] }>(history, 200, 'history').items.filter((p) => p.role === 'chief_editor');
      expect(editors.map((p) => p.name)).toEqual(['张编辑', '陈编辑']);
      expect(editors[0].validTo).not.toBeNull();
      expect(editors[0].validTo).toBe(editors[1].validFrom);
      expect(Date.parse(editors[0].validTo!)).toBeGreaterThan(Date.parse(between));
      expect(editors[1].validTo).toBeNull();
      expect(editors[0].phone).toBe(CHIEF_EDITOR.phone);
    });

    it('adds and removes operators; removing one not current is 404', async () => {
      const path = `/v1/accounts/${account.id}/operators`;
      const added = expectStatus<ChainDto>(
        await t.http.post(path).set(bearer(w.operatorTx.session.token)).send({ name: '孙小编', phone: '13600001234' }),
        201,
        'add operator',
      );
      expect(added.operators.map((p) => p.name).sort()).toEqual(['孙小编', '赵运维'].sort());
      const sun = added.operators.find((p) => p.name === '孙小编')!;
      const removed = expectStatus<ChainDto>(await t.http.delete(`${path}/${sun.id}`).set(bearer(w.operatorTx.session.token)), 200, 'rm');
      expect(removed.operators.map((p) => p.name)).toEqual(['赵运维']);
      expectProblem(await t.http.delete(`${path}/${sun.id}`).set(bearer(w.operatorTx.session.token)), 404);
      const history = await t.http.get(`/v1/accounts/${account.id}/people/history`).set(bearer(office.token));
      const sunHistory = expectStatus<{ items: PersonDto[] }>(history, 200, 'history').items.find((p) => p.id === sun.id)!;
      expect(sunHistory).toMatchObject({ role: 'operator', name: '孙小编' });
      expect(sunHistory.validTo).not.toBeNull();
      // Operators are not single holders: PUT …/people/operator is not a route.
      expectProblem(await t.http.put(`/v1/accounts/${account.id}/people/operator`).set(bearer(unit.token)).send({ name: 'x' }), 400);
    });

    it('freezes the chain and the record of a closed account (409)', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const closed = await createAccount(t, unit, { unitId, platform: 'weibo' });
      await closeAccount(t, unit, closed.id);
      // Closing (not yet closed) still accepts a change of holder.
      expectStatus(
        await t.http.put(`/v1/accounts/${closed.id}/people/first_responsible`).set(bearer(unit.token)).send({ name: '新局长' }),
        200,
        'put',
      );
      await acceptFiling(t, office, (await submitFiling(t, unit, closed.id, 'closure')).id);
      const frozen = await getAccount(t, unit, closed.id);
      const operatorId = frozen.people.operators[0].id;
      const attempts = [
        t.http.put(`/v1/accounts/${closed.id}/people/chief_editor`).set(bearer(unit.token)).send({ name: '陈编辑' }),
        t.http.post(`/v1/accounts/${closed.id}/operators`).set(bearer(unit.token)).send({ name: '孙小编' }),
        t.http.delete(`/v1/accounts/${closed.id}/operators/${operatorId}`).set(bearer(unit.token)),
        t.http.patch(`/v1/accounts/${closed.id}`).set(bearer(unit.token)).send({ name: '天心改名' }),
      ];
      for (const res of await Promise.all(attempts)) expect(expectProblem(res, 409).code).toBe('account_closed');
      expect(await getAccount(t, unit, closed.id)).toEqual(frozen);

      const forced = await createAccount(t, unit, { unitId, platform: 'douyin' });
      await transitionAccount(t, office, forced.id, 'force_closed');
      const res = await t.http.put(`/v1/accounts/${forced.id}/people/chief_editor`).set(bearer(unit.token)).send({ name: '陈编辑' });
      expect(expectProblem(res, 409).code).toBe('account_closed');
    });
  });
});
