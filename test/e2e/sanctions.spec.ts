import { chinaToday } from '@govmatrix/calendar';
import type { TriggerResultDto } from '@govmatrix/jobs';
import type { CaseDetailDto, CasePageDto, SanctionsSettingsDto } from '@govmatrix/sanctions';
import { withClient } from '../support/database';
import { bearer, clientLogin, createClient, expectProblem, loginOperator, pointersOf, Session } from '../support/fixtures';
import {
  AccountDto,
  accountHistory,
  accountInStatus,
  AuditEntryDto,
  createLedgerWorld,
  expectStatus,
  getAccount,
  LedgerWorld,
  verifyAudit,
} from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Sanctions (R9) through the API. Deadlines are counted by hand from the 2026 holiday arrangement:
 * National Day 1–7 October off, Saturday 10 October worked in lieu.
 */
describe('sanctions: cases, rectification, escalation (R9)', () => {
  let t: TestApp;
  let w: LedgerWorld;
  let other: LedgerWorld;
  let unit: Session;
  let office: Session;

  beforeAll(async () => {
    t = await startTestApp();
    const operator = await loginOperator(t);
    w = await createLedgerWorld(t, operator);
    other = await createLedgerWorld(t, operator);
    unit = w.operatorTx.session;
    office = w.auditorCs.session;
  });
  afterAll(async () => t?.close());

  const actors = () => ({ unit, office });
  const activeAccount = (platform: string, extra: object = {}): Promise<AccountDto> =>
    accountInStatus(t, actors(), 'active', { unitId: w.units['tx-gaj'], platform, ...extra });
  const finding = async (accountId: string, kind = 'content_error'): Promise<string> =>
    expectStatus<{ id: string }>(
      await t.http.post('/v1/findings').set(bearer(office.token)).send({ accountId, kind, detail: '发布内容存在错误' }),
      201,
      `finding ${kind}`,
    ).id;
  const openCase = (session: Session, body: object) => t.http.post('/v1/cases').set(bearer(session.token)).send(body);
  const getCase = async (session: Session, id: string): Promise<CaseDetailDto> =>
    expectStatus<CaseDetailDto>(await t.http.get(`/v1/cases/${id}`).set(bearer(session.token)), 200, `get case ${id}`);
  const step = (session: Session, id: string, action: 'accept' | 'return' | 'rectifications', body: object = {}) =>
    t.http.post(`/v1/cases/${id}/${action}`).set(bearer(session.token)).send(body);
  const report = (rectifiedOn = chinaToday()) => ({
    text: '已删除错误内容，并发布更正说明',
    evidenceUrls: ['https://weibo.com/notice/correction-1'],
    rectifiedOn,
  });
  const escalate = async (date: string, force = false): Promise<TriggerResultDto> =>
    expectStatus<TriggerResultDto>(
      await t.http
        .post('/v1/jobs/case_escalation/runs')
        .set(bearer(w.admin.token))
        .send({ date, ...(force ? { force: true } : {}) }),
      200,
      `escalation as of ${date}`,
    );
  const listCases = async (session: Session, query: Record<string, string | number>): Promise<CasePageDto> =>
    expectStatus<CasePageDto>(await t.http.get('/v1/cases').query(query).set(bearer(session.token)), 200, 'list cases');
  const history = async (session: Session, id: string): Promise<AuditEntryDto[]> =>
    expectStatus<{ items: AuditEntryDto[] }>(
      await t.http.get(`/v1/cases/${id}/history`).query({ limit: 100 }).set(bearer(session.token)),
      200,
      'case history',
    ).items;

  // The escalation story: a warning decided on 2026-09-28, left unanswered.
  let accountA: AccountDto;
  let caseA: CaseDetailDto;

  describe('opening a case', () => {
    it('a warning of 5 working days decided on 2026-09-28 is due 2026-10-10 (29, 30 Sep; 8, 9, 10 Oct) and makes the account rectifying', async () => {
      accountA = await activeAccount('weibo');
      const findingId = await finding(accountA.id);
      const decision = '发布信息存在错误，责令删除并公开更正';
      caseA = expectStatus<CaseDetailDto>(
        await openCase(office, { accountId: accountA.id, findingIds: [findingId], measure: 'warning', decision, decidedOn: '2026-09-28' }),
        201,
        'open case',
      );
      expect(caseA).toMatchObject({
        accountId: accountA.id,
        accountName: '天心公安',
        unitId: w.units['tx-gaj'],
        status: 'awaiting_rectification',
        measure: 'warning',
        initialMeasure: 'warning',
        decision,
        decidedOn: '2026-09-28',
        dueOn: '2026-10-10',
        dueProvisional: false,
        overdue: true,
        openedBy: w.auditorCs.id,
        resolvedAt: null,
      });
      expect(caseA.findings).toEqual([{ id: findingId, kind: 'content_error', detail: '发布内容存在错误', status: 'open' }]);
      // R6: the responsible persons of record, with contacts in full for the supervising office.
      expect(caseA.personsOfRecord).toMatchObject({
        firstResponsible: { role: 'first_responsible', name: '李局长', position: '局长', phone: '13900001111' },
        mainResponsible: { role: 'main_responsible', name: '王副局长' },
        chiefEditor: { role: 'chief_editor', name: '张编辑', phone: '13812345678', email: 'zhang.san@example.gov.cn' },
        operators: [{ role: 'operator', name: '赵运维' }],
      });
      expect(caseA.steps).toEqual([
        expect.objectContaining({
          seq: 1,
          kind: 'opened',
          statusAfter: 'awaiting_rectification',
          measure: 'warning',
          dueOn: '2026-10-10',
          actorKind: 'user',
          actorId: w.auditorCs.id,
          note: decision,
          asOf: null,
          previousMeasure: null,
        }),
      ]);
      expect((await getAccount(t, unit, accountA.id)).status).toBe('rectifying');
      // A reader without the right to contacts sees them masked.
      const asLead = await getCase(w.leadCs.session, caseA.id);
      expect(asLead.personsOfRecord.chiefEditor).toMatchObject({ name: '张编辑', phone: '138****5678', email: 'z********@example.gov.cn' });
    });

    it('keeps the persons of record of the time when the chain changes afterwards', async () => {
      const res = await t.http
        .put(`/v1/accounts/${accountA.id}/people/chief_editor`)
        .set(bearer(unit.token))
        .send({ name: '陈编辑', phone: '13700001234' });
      expect(res.status).toBe(200);
      expect((await getAccount(t, unit, accountA.id)).people.chiefEditor?.name).toBe('陈编辑');
      const again = await getCase(office, caseA.id);
      expect(again.personsOfRecord).toEqual(caseA.personsOfRecord);
      expect(again.personsOfRecord.chiefEditor?.name).toBe('张编辑');
    });

    it('refuses findings that are not open findings of the account, a future decision date, and callers who are not auditors', async () => {
      const elsewhere = await activeAccount('kuaishou');
      const foreign = await finding(elsewhere.id);
      const wrong = expectProblem(
        await openCase(office, {
          accountId: accountA.id,
          findingIds: [foreign, '00000000-0000-4000-8000-000000000000'],
          measure: 'talk',
          decision: '约谈',
        }),
        422,
      );
      expect(pointersOf(wrong)).toEqual(['/findingIds/0', '/findingIds/1']);
      const future = expectProblem(
        await openCase(office, {
          accountId: elsewhere.id,
          findingIds: [foreign],
          measure: 'talk',
          decision: '约谈',
          decidedOn: '2099-01-04',
        }),
        422,
      );
      expect(pointersOf(future)).toEqual(['/decidedOn']);
      const badMeasure = expectProblem(
        await openCase(office, { accountId: elsewhere.id, findingIds: [foreign], measure: 'fine', decision: '罚款' }),
        400,
      );
      expect(pointersOf(badMeasure)).toEqual(['/measure']);
      expectProblem(await openCase(unit, { accountId: elsewhere.id, findingIds: [foreign], measure: 'talk', decision: '约谈' }), 403);
    });

    it('forced closure closes the account at once; a closed account takes no further case', async () => {
      const accountB = await activeAccount('douyin');
      const findingId = await finding(accountB.id, 'faked_influence');
      const opened = expectStatus<CaseDetailDto>(
        await openCase(office, {
          accountId: accountB.id,
          findingIds: [findingId],
          measure: 'forced_closure',
          decision: '刷量造假，责令关闭',
        }),
        201,
        'forced closure',
      );
      expect(opened).toMatchObject({
        measure: 'forced_closure',
        status: 'awaiting_rectification',
        decidedOn: chinaToday(),
        overdue: false,
      });
      expect((await getAccount(t, unit, accountB.id)).status).toBe('force_closed');
      const again = expectProblem(
        await openCase(office, { accountId: accountB.id, findingIds: [findingId], measure: 'warning', decision: '警告' }),
        409,
      );
      expect(again.code).toBe('account_closed');
      expect((await accountHistory(t, office, accountB.id)).map((e) => e.action)).toContain('sanction_force_closed');
    });
  });

  describe('escalation after a missed deadline (hourly job, run as of a past moment)', () => {
    it('does nothing while the deadline runs, escalates once the day after it, and only once per run key', async () => {
      const onTime = await escalate('2026-10-10');
      expect(onTime).toMatchObject({ runKey: '2026-10-10T00', status: 'ran', run: { status: 'succeeded' } });
      expect(onTime.run!.counts).toMatchObject({ overdue: 0, escalated: 0 });

      const late = await escalate('2026-10-12');
      expect(late).toMatchObject({ runKey: '2026-10-12T00', status: 'ran', run: { status: 'succeeded' } });
      expect(late.run!.counts).toEqual({
        asOf: '2026-10-11T16:00:00.000Z',
        overdue: 1,
        escalated: 1,
        forcedClosures: 0,
        atTopOfLadder: 0,
      });
      const escalated = await getCase(office, caseA.id);
      // warning → public_notice, 10 working days from Monday 12 October: 13–16, 19–23, 26.
      expect(escalated).toMatchObject({
        status: 'awaiting_rectification',
        measure: 'public_notice',
        initialMeasure: 'warning',
        dueOn: '2026-10-26',
      });
      expect(escalated.steps).toHaveLength(2);
      expect(escalated.steps[1]).toMatchObject({
        seq: 2,
        kind: 'escalated',
        statusAfter: 'awaiting_rectification',
        measure: 'public_notice',
        previousMeasure: 'warning',
        dueOn: '2026-10-26',
        actorKind: 'system',
        actorId: null,
        asOf: '2026-10-11T16:00:00.000Z',
      });
      // The escalation names the chain as it stands when it is decided; the case keeps the one of its opening.
      expect(escalated.steps[1].personsOfRecord?.chiefEditor?.name).toBe('陈编辑');
      expect(escalated.personsOfRecord.chiefEditor?.name).toBe('张编辑');

      // The same hour again: skipped by the runner; forced, it finds nothing to do.
      expect(await escalate('2026-10-12')).toMatchObject({ runKey: '2026-10-12T00', status: 'already_done' });
      const forced = await escalate('2026-10-12', true);
      expect(forced).toMatchObject({ status: 'ran', run: { status: 'succeeded' } });
      expect(forced.run!.counts).toMatchObject({ overdue: 0, escalated: 0 });
      // The last day of the new deadline is still in time.
      expect((await escalate('2026-10-26')).run!.counts).toMatchObject({ overdue: 0, escalated: 0 });
      expect((await getCase(office, caseA.id)).steps).toHaveLength(2);
    });

    it('escalates again only after the new deadline has passed: public notice → forced closure closes the account', async () => {
      const run = await escalate('2026-10-27');
      expect(run.run!.counts).toMatchObject({ overdue: 1, escalated: 1, forcedClosures: 1, atTopOfLadder: 0 });
      const closed = await getCase(office, caseA.id);
      // 3 working days from Tuesday 27 October: 28, 29, 30.
      expect(closed).toMatchObject({ measure: 'forced_closure', dueOn: '2026-10-30', status: 'awaiting_rectification' });
      expect(closed.steps.map((s) => [s.kind, s.measure])).toEqual([
        ['opened', 'warning'],
        ['escalated', 'public_notice'],
        ['escalated', 'forced_closure'],
      ]);
      expect((await getAccount(t, unit, accountA.id)).status).toBe('force_closed');
      // Nothing is more severe than a forced closure: overdue, but no further step.
      expect((await escalate('2026-11-02')).run!.counts).toMatchObject({ overdue: 1, escalated: 0, forcedClosures: 0, atTopOfLadder: 1 });
      expect((await getCase(office, caseA.id)).steps).toHaveLength(3);
    });

    it('keeps the whole story in the audit log: the case steps, and the account moves in the account history', async () => {
      const entries = await history(office, caseA.id);
      expect(entries.map((e) => [e.entityType, e.action, e.actorKind])).toEqual([
        ['sanction_case', 'open', 'user'],
        ['sanction_case', 'escalate', 'system'],
        ['sanction_case', 'escalate', 'system'],
      ]);
      expect(entries[0].after).toMatchObject({
        seq: 1,
        measure: 'warning',
        dueOn: '2026-10-10',
        accountStatus: { from: 'active', to: 'rectifying' },
      });
      expect(entries[2].before).toEqual({ status: 'awaiting_rectification', measure: 'public_notice', dueOn: '2026-10-26' });
      expect(entries[2].after).toMatchObject({ measure: 'forced_closure', accountStatus: { from: 'rectifying', to: 'force_closed' } });
      const accountActions = (await accountHistory(t, office, accountA.id)).map((e) => e.action);
      expect(accountActions).toEqual(expect.arrayContaining(['sanction_rectifying', 'sanction_force_closed']));
      expect(await verifyAudit(t, office)).toMatchObject({ ok: true });
    });
  });

  describe('rectification: the unit answers, the auditor accepts or returns', () => {
    let accountC: AccountDto;
    let first: CaseDetailDto;
    let second: CaseDetailDto;

    it('two cases on one account; a finding answers one unresolved case only', async () => {
      accountC = await activeAccount('wechat', { wechatType: 'subscription' });
      const [f1, f2] = [await finding(accountC.id, 'content_error'), await finding(accountC.id, 'other')];
      first = expectStatus<CaseDetailDto>(
        await openCase(office, { accountId: accountC.id, findingIds: [f1], measure: 'order_deletion', decision: '责令删除违规文章' }),
        201,
        'first case',
      );
      second = expectStatus<CaseDetailDto>(
        await openCase(office, { accountId: accountC.id, findingIds: [f2], measure: 'talk', decision: '约谈主要负责人', deadlineDays: 10 }),
        201,
        'second case',
      );
      expect(first).toMatchObject({ measure: 'order_deletion', decidedOn: chinaToday() });
      expect(second.dueOn > first.dueOn).toBe(true);
      const taken = expectProblem(
        await openCase(office, { accountId: accountC.id, findingIds: [f1], measure: 'warning', decision: '警告' }),
        409,
      );
      expect(taken.code).toBe('finding_in_case');
      expect((await getAccount(t, unit, accountC.id)).status).toBe('rectifying');
    });

    it('refuses steps out of order with 409', async () => {
      expect(expectProblem(await step(office, first.id, 'accept'), 409).code).toBe('illegal_case_step');
      expect(expectProblem(await step(office, first.id, 'return', { reasons: ['未整改'] }), 409).code).toBe('illegal_case_step');
    });

    it('takes the report once; a retry with the same Idempotency-Key gets the first answer', async () => {
      const send = (key?: string) =>
        t.http
          .post(`/v1/cases/${first.id}/rectifications`)
          .set({ ...bearer(unit.token), ...(key ? { 'idempotency-key': key } : {}) })
          .send(report());
      const answered = await send('rectify-first-case-1');
      const body = expectStatus<CaseDetailDto>(answered, 201, 'report');
      expect(body.status).toBe('rectification_submitted');
      expect(body.steps[1]).toMatchObject({
        kind: 'rectification_submitted',
        actorKind: 'user',
        actorId: w.operatorTx.id,
        rectification: report(),
      });
      const replay = await send('rectify-first-case-1');
      expect(replay.status).toBe(201);
      expect(replay.headers['idempotency-replayed']).toBe('true');
      expect(replay.body).toEqual(body);
      expect(expectProblem(await send(), 409).code).toBe('illegal_case_step');
      expect((await getCase(office, first.id)).steps).toHaveLength(2);
      expect(pointersOf(expectProblem(await step(unit, second.id, 'rectifications', report('2099-01-04')), 422))).toEqual(['/rectifiedOn']);
    });

    it('a returned report puts the case back to waiting, with the reasons and a new deadline', async () => {
      const returned = expectStatus<CaseDetailDto>(
        await step(office, first.id, 'return', { reasons: ['未见删除截图'], deadlineDays: 3 }),
        200,
        'return',
      );
      expect(returned.status).toBe('awaiting_rectification');
      expect(returned.steps[2]).toMatchObject({ kind: 'returned', statusAfter: 'awaiting_rectification', reasons: ['未见删除截图'] });
      expect(returned.dueOn > chinaToday()).toBe(true);
      expect(expectStatus<CaseDetailDto>(await step(unit, first.id, 'rectifications', report()), 201, 'report again').status).toBe(
        'rectification_submitted',
      );
    });

    it('accepting resolves the case; the account stays rectifying while another case is open, then is active again', async () => {
      expectProblem(await step(unit, first.id, 'accept'), 403);
      const accepted = expectStatus<CaseDetailDto>(await step(office, first.id, 'accept', { note: '整改到位' }), 200, 'accept');
      expect(accepted).toMatchObject({ status: 'resolved', overdue: false });
      expect(accepted.resolvedAt).toEqual(expect.any(String));
      expect(accepted.steps.map((s) => s.kind)).toEqual([
        'opened',
        'rectification_submitted',
        'returned',
        'rectification_submitted',
        'accepted',
      ]);
      expect(accepted.steps[4].note).toBe('整改到位');
      expect(expectProblem(await step(office, first.id, 'accept'), 409).code).toBe('illegal_case_step');
      expect((await getAccount(t, unit, accountC.id)).status).toBe('rectifying');

      // The unit's portal answers the second case with client credentials.
      const client = await createClient(t, w.tenant, {
        name: '天心公安门户',
        unitId: w.units['tx-gaj'],
        scopes: ['read:own', 'report:rectifications'],
      });
      const portal = await clientLogin(t, client);
      const byPortal = expectStatus<CaseDetailDto>(await step(portal, second.id, 'rectifications', report()), 201, 'portal report');
      expect(byPortal.steps[1]).toMatchObject({ kind: 'rectification_submitted', actorKind: 'client', actorId: client.id });
      expect(expectStatus<CaseDetailDto>(await step(office, second.id, 'accept'), 200, 'accept second').status).toBe('resolved');
      expect((await getAccount(t, unit, accountC.id)).status).toBe('active');

      expect((await history(unit, first.id)).map((e) => e.action)).toEqual([
        'open',
        'submit_rectification',
        'return',
        'submit_rectification',
        'accept',
      ]);
      expect((await history(office, second.id)).at(-1)?.after).toMatchObject({
        status: 'resolved',
        accountStatus: { from: 'rectifying', to: 'active' },
      });
    });

    it('lists cases by status, measure, account, subtree and overdue, page by page', async () => {
      const ids = (page: CasePageDto) => page.items.map((c) => c.id);
      expect(ids(await listCases(office, { overdue: 'true' }))).toEqual([caseA.id]);
      expect(ids(await listCases(office, { status: 'resolved' })).sort()).toEqual([first.id, second.id].sort());
      expect(ids(await listCases(office, { accountId: accountC.id })).sort()).toEqual([first.id, second.id].sort());
      expect((await listCases(office, { measure: 'forced_closure' })).items).toHaveLength(2);
      expect((await listCases(w.admin, { under: w.units.hd })).items).toEqual([]);
      expect((await listCases(unit, { under: w.units['tx-gaj'] })).items).toHaveLength(4);
      const firstPage = await listCases(office, { limit: 3 });
      expect(firstPage.items).toHaveLength(3);
      const rest = await listCases(office, { limit: 3, cursor: firstPage.nextCursor! });
      expect(rest.nextCursor).toBeUndefined();
      expect(new Set([...ids(firstPage), ...ids(rest)]).size).toBe(4);
    });
  });

  describe('isolation', () => {
    it('another city’s auditor, another unit and another tenant get 404 for the case and its account', async () => {
      for (const outsider of [w.auditorZz.session, w.operatorHd.session, other.auditorCs.session, other.operatorTx.session]) {
        expectProblem(await t.http.get(`/v1/cases/${caseA.id}`).set(bearer(outsider.token)), 404);
        expectProblem(await t.http.get(`/v1/cases/${caseA.id}/history`).set(bearer(outsider.token)), 404);
        expect((await listCases(outsider, {})).items).toEqual([]);
      }
      for (const outsider of [w.operatorHd.session, other.operatorTx.session]) {
        expectProblem(await step(outsider, caseA.id, 'rectifications', report()), 404);
      }
      for (const outsider of [w.auditorZz.session, other.auditorCs.session]) {
        expectProblem(await step(outsider, caseA.id, 'return', { reasons: ['x'] }), 404);
        expectProblem(
          await openCase(outsider, {
            accountId: accountA.id,
            findingIds: caseA.findings.map((f) => f.id),
            measure: 'talk',
            decision: '约谈',
          }),
          404,
        );
      }
    });
  });

  describe('append-only case steps', () => {
    it('the app role may not change or delete steps nor rewrite a case; even the owner cannot', async () => {
      await withClient(t.db.appUrl, async (db) => {
        await expect(db.query(`UPDATE sanction_case_steps SET kind = kind`)).rejects.toThrow(/permission denied/);
        await expect(db.query(`DELETE FROM sanction_case_steps`)).rejects.toThrow(/permission denied/);
        await expect(db.query(`UPDATE sanction_cases SET decision = 'x', persons_of_record = '{}'`)).rejects.toThrow(/permission denied/);
      });
      await withClient(t.db.ownerUrl, async (db) => {
        await expect(db.query(`UPDATE sanction_case_steps SET kind = kind`)).rejects.toThrow(/append-only/);
        await expect(db.query(`DELETE FROM sanction_case_steps`)).rejects.toThrow(/append-only/);
        await expect(db.query(`TRUNCATE sanction_case_steps CASCADE`)).rejects.toThrow(/append-only/);
        expect((await db.query(`SELECT count(*)::int AS n FROM sanction_case_steps WHERE case_id = $1`, [caseA.id])).rows[0].n).toBe(3);
      });
    });
  });

  describe('settings', () => {
    it('deadlines per measure and a ladder that must climb', async () => {
      const defaults = expectStatus<SanctionsSettingsDto>(await t.http.get('/v1/settings/sanctions').set(bearer(office.token)), 200, 'get');
      expect(defaults).toEqual({
        deadlineDays: { order_deletion: 5, talk: 5, warning: 5, public_notice: 10, forced_closure: 3 },
        ladder: ['order_deletion', 'talk', 'warning', 'public_notice', 'forced_closure'],
      });
      const put = (body: object) => t.http.put('/v1/settings/sanctions').set(bearer(w.admin.token)).send(body);
      expect(pointersOf(expectProblem(await put({ ladder: ['warning', 'talk'] }), 422))).toEqual(['/ladder/1']);
      expect(pointersOf(expectProblem(await put({ deadlineDays: { warning: 0, fine: 3 } }), 422))).toEqual([
        '/deadlineDays/warning',
        '/deadlineDays/fine',
      ]);
      expectProblem(
        await t.http
          .put('/v1/settings/sanctions')
          .set(bearer(office.token))
          .send({ ladder: ['warning'] }),
        403,
      );
      const updated = expectStatus<SanctionsSettingsDto>(
        await put({ deadlineDays: { warning: 7 }, ladder: ['order_deletion', 'warning', 'forced_closure'] }),
        200,
        'put',
      );
      expect(updated).toEqual({
        deadlineDays: { order_deletion: 5, talk: 5, warning: 7, public_notice: 10, forced_closure: 3 },
        ladder: ['order_deletion', 'warning', 'forced_closure'],
      });
    });
  });
});
