import type { AccountStatus } from '@govmatrix/ledger';
import { bearer, expectProblem, loginOperator, pointersOf, Session } from '../support/fixtures';
import {
  AccountDto,
  accountInStatus,
  acceptFiling,
  CLOSURE,
  CLOSURE_FILING,
  closeAccount,
  createAccount,
  createBureauUnderTx,
  createLedgerWorld,
  expectStatus,
  FilingDto,
  getAccount,
  LedgerWorld,
  listFilings,
  OPENING_FILING,
  submitFiling,
  transitionAccount,
} from '../support/ledger-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/** Every account status, as the spec names them. */
const STATUSES: AccountStatus[] = ['pending_filing', 'active', 'rectifying', 'closing', 'closed', 'force_closed'];

/**
 * How each status change is asked for, and from which statuses it is allowed (the lifecycle of the
 * spec, written out here rather than read from the product):
 * - the supervising office sets rectifying, active (rectification accepted) and force_closed directly;
 * - the unit closes (→ closing);
 * - accepting an opening filing activates a pending account, accepting a closure filing closes a closing one.
 */
type Route = 'transition' | 'close' | 'accept_opening' | 'accept_closure';
const LEGAL: Record<Route, Partial<Record<AccountStatus, AccountStatus[]>>> = {
  transition: {
    rectifying: ['active'],
    active: ['rectifying'],
    force_closed: ['pending_filing', 'active', 'rectifying', 'closing'],
  },
  close: { closing: ['pending_filing', 'active', 'rectifying'] },
  accept_opening: { active: ['pending_filing'] },
  accept_closure: { closed: ['closing'] },
};

interface Case {
  route: Route;
  from: AccountStatus;
  to: AccountStatus;
  legal: boolean;
}

/**
 * Every status × every target a route can ask for. An opening filing can only be submitted while the
 * account is pending and a closure filing while it is closing, so acceptance is tried from the
 * statuses an account can reach with such a filing still waiting.
 */
const CASES: Case[] = [
  ...(['rectifying', 'active', 'force_closed'] as const).flatMap((to) =>
    STATUSES.map((from): Case => ({ route: 'transition', from, to, legal: !!LEGAL.transition[to]?.includes(from) })),
  ),
  ...STATUSES.map((from): Case => ({ route: 'close', from, to: 'closing', legal: !!LEGAL.close.closing?.includes(from) })),
  ...(['pending_filing', 'closing', 'closed', 'force_closed'] as const).map((from): Case => ({
    route: 'accept_opening',
    from,
    to: 'active',
    legal: from === 'pending_filing',
  })),
  ...(['closing', 'force_closed'] as const).map((from): Case => ({
    route: 'accept_closure',
    from,
    to: 'closed',
    legal: from === 'closing',
  })),
];

describe('ledger filings', () => {
  let t: TestApp;
  let w: LedgerWorld;
  let unit: Session;
  let office: Session;

  beforeAll(async () => {
    t = await startTestApp();
    w = await createLedgerWorld(t, await loginOperator(t));
    unit = w.operatorTx.session;
    office = w.auditorCs.session;
  });
  afterAll(async () => t?.close());

  const submit = (session: Session, accountId: string, kind: string, body: object) =>
    t.http.post(`/v1/accounts/${accountId}/filings/${kind}`).set(bearer(session.token)).send(body);
  const review = (session: Session, filingId: string, action: 'accept' | 'return', body: object = {}) =>
    t.http.post(`/v1/filings/${filingId}/${action}`).set(bearer(session.token)).send(body);

  describe('the opening filing (R1, R3, R6)', () => {
    it('needs the decision date (not after the opening) and the approver; accepted by the auditor the account is active', async () => {
      const account = await createAccount(t, unit, { unitId: w.units['tx-gaj'], platform: 'weibo' });
      const missing = await submit(unit, account.id, 'opening', { decisionReference: '纪要1号' });
      expect(pointersOf(expectProblem(missing, 400))).toEqual(expect.arrayContaining(['/decisionDate', '/approver']));
      const late = await submit(unit, account.id, 'opening', { ...OPENING_FILING, decisionDate: '2026-09-29' });
      const lateProblem = expectProblem(late, 422);
      expect(lateProblem.errors).toEqual([{ pointer: '/decisionDate', reason: 'must not be after the opening date 2026-09-28' }]);
      expect(await listFilings(t, office, { accountId: account.id })).toEqual([]);

      // The day of the opening itself is fine.
      const filing = await submitFiling(t, unit, account.id, 'opening', { ...OPENING_FILING, decisionDate: '2026-09-28' });
      expect(filing).toMatchObject({
        accountId: account.id,
        accountName: '天心公安',
        unitId: w.units['tx-gaj'],
        kind: 'opening',
        status: 'submitted',
        details: { decisionDate: '2026-09-28', approver: '李局长', decisionReference: OPENING_FILING.decisionReference },
        resubmissionOf: null,
        reviewedAt: null,
        returnReasons: null,
      });
      expect((await getAccount(t, unit, account.id)).openingFiling).toEqual({ dueOn: '2026-10-16', provisional: false, overdue: false });

      const accepted = await acceptFiling(t, office, filing.id);
      expect(accepted).toMatchObject({ id: filing.id, status: 'accepted', returnReasons: null });
      expect(Date.parse(accepted.reviewedAt!)).toBeGreaterThanOrEqual(Date.parse(accepted.submittedAt));
      const active = await getAccount(t, unit, account.id);
      expect(active.status).toBe('active');
      expect(active.openingFiling.overdue).toBe(false);
      // Reviewed once only.
      expect(expectProblem(await review(office, filing.id, 'accept'), 409).code).toBe('already_reviewed');
      expect(expectProblem(await review(office, filing.id, 'return', { reasons: ['迟了'] }), 409).code).toBe('already_reviewed');
      // An active account files no second opening.
      expect(expectProblem(await submit(unit, account.id, 'opening', OPENING_FILING), 409).code).toBe('not_filable');
    });

    it('R6: refuses to file until the first responsible, main responsible and chief editor are named (409 listing the missing roles)', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const account = await createAccount(t, w.admin, { unitId, platform: 'weibo', people: null });
      const none = expectProblem(await submit(w.admin, account.id, 'opening', OPENING_FILING), 409);
      expect(none.code).toBe('responsibility_chain_incomplete');
      expect(none.detail).toContain('missing first_responsible, main_responsible, chief_editor');
      expect(pointersOf(none)).toEqual(['/people/first_responsible', '/people/main_responsible', '/people/chief_editor']);

      for (const role of ['first_responsible', 'main_responsible']) {
        const res = await t.http
          .put(`/v1/accounts/${account.id}/people/${role}`)
          .set(bearer(w.admin.token))
          .send({ name: `${role}者` });
        expectStatus(res, 200, `set ${role}`);
      }
      const noEditor = expectProblem(await submit(w.admin, account.id, 'opening', OPENING_FILING), 409);
      expect(noEditor.code).toBe('responsibility_chain_incomplete');
      expect(noEditor.detail).toMatch(/missing chief_editor$/);
      expect(noEditor.errors).toEqual([{ pointer: '/people/chief_editor', reason: 'no current holder' }]);
      expect(await listFilings(t, office, { accountId: account.id })).toEqual([]);

      await t.http.put(`/v1/accounts/${account.id}/people/chief_editor`).set(bearer(w.admin.token)).send({ name: '总编辑者' });
      expect((await submitFiling(t, w.admin, account.id, 'opening')).status).toBe('submitted');
    });

    it('R3: an official-capacity account needs the unit’s consent date (422), then files', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const account = await createAccount(t, w.admin, {
        unitId,
        platform: 'douyin',
        kind: 'official_personal',
        holder: { name: '刘警官', position: '社区民警' },
        name: '天心刘警官',
      });
      const problem = expectProblem(await submit(w.admin, account.id, 'opening', OPENING_FILING), 422);
      expect(pointersOf(problem)).toEqual(['/unitConsentDate']);
      const filing = await submitFiling(t, w.admin, account.id, 'opening', { ...OPENING_FILING, unitConsentDate: '2026-09-20' });
      expect(filing.details).toMatchObject({ unitConsentDate: '2026-09-20' });
      await acceptFiling(t, office, filing.id);
      expect((await getAccount(t, w.admin, account.id)).status).toBe('active');
    });

    it('a returned filing leaves the account pending and overdue again; the resubmission links the returned filing', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const account = await createAccount(t, w.admin, { unitId, platform: 'weibo' });
      // Opened 2026-09-28, due 2026-10-16: overdue today while nothing is filed.
      expect((await getAccount(t, w.admin, account.id)).openingFiling).toEqual({ dueOn: '2026-10-16', provisional: false, overdue: true });
      const first = await submitFiling(t, w.admin, account.id, 'opening');
      expect((await getAccount(t, w.admin, account.id)).openingFiling.overdue).toBe(false);

      const duplicate = expectProblem(await submit(w.admin, account.id, 'opening', OPENING_FILING), 409);
      expect(duplicate.code).toBe('filing_pending');

      expectProblem(await review(office, first.id, 'return', { reasons: [] }), 400);
      const reasons = ['会议纪要缺少主要负责人签批', '总编辑联系方式有误'];
      const returned = expectStatus<FilingDto>(await review(office, first.id, 'return', { reasons }), 200, 'return');
      expect(returned).toMatchObject({ id: first.id, status: 'returned', returnReasons: reasons });
      expect(returned.reviewedAt).not.toBeNull();
      const afterReturn = await getAccount(t, w.admin, account.id);
      expect(afterReturn.status).toBe('pending_filing');
      expect(afterReturn.openingFiling.overdue).toBe(true);
      expect(expectProblem(await review(office, first.id, 'accept'), 409).code).toBe('already_reviewed');

      const second = await submitFiling(t, w.admin, account.id, 'opening', { ...OPENING_FILING, decisionReference: '纪要（补正）' });
      expect(second.resubmissionOf).toBe(first.id);
      expect((await getAccount(t, w.admin, account.id)).openingFiling.overdue).toBe(false);
      const got = expectStatus<FilingDto>(await t.http.get(`/v1/filings/${second.id}`).set(bearer(office.token)), 200, 'get filing');
      expect(got).toEqual(second);

      // Returned again: the third filing answers the latest return.
      await review(office, second.id, 'return', { reasons: ['仍缺签批'] });
      const third = await submitFiling(t, w.admin, account.id, 'opening');
      expect(third.resubmissionOf).toBe(second.id);
      await acceptFiling(t, office, third.id);
      const history = await listFilings(t, office, { accountId: account.id });
      expect(history.map((f) => [f.id, f.status, f.resubmissionOf])).toEqual([
        [first.id, 'returned', null],
        [second.id, 'returned', first.id],
        [third.id, 'accepted', second.id],
      ]);
      expect((await getAccount(t, w.admin, account.id)).status).toBe('active');
    });
  });

  describe('closure (R2) and change filings', () => {
    it('closed Friday 2026-10-09 → closure due 2026-10-15 across the make-up Saturday; filed with the announcement, accepted → closed', async () => {
      const account = await accountInStatus(t, { unit, office }, 'active', { unitId: w.units['tx-gaj'], platform: 'douyin' });
      const early = await t.http
        .post(`/v1/accounts/${account.id}/close`)
        .set(bearer(unit.token))
        .send({ ...CLOSURE, announcedOn: '2026-10-10' });
      expect(pointersOf(expectProblem(early, 422))).toEqual(['/announcedOn']);
      expectProblem(await t.http.post(`/v1/accounts/${account.id}/close`).set(bearer(unit.token)).send({ closedOn: '2026-10-09' }), 400);
      expect(expectProblem(await submit(unit, account.id, 'closure', CLOSURE_FILING), 409).code).toBe('not_filable');

      const closing = await closeAccount(t, unit, account.id);
      expect(closing.status).toBe('closing');
      expect(closing.closureFiling).toEqual({ dueOn: '2026-10-15', provisional: false, overdue: true });
      expect(closing.closedOn).toBeNull();

      const noEvidence = { announcedOn: '2026-10-09', deregisteredOn: '2026-10-09' };
      const problem = expectProblem(await submit(unit, account.id, 'closure', noEvidence), 422);
      expect(pointersOf(problem)).toEqual(['/announcementUrl']);
      const textOnly = await submitFiling(t, unit, account.id, 'closure', {
        ...noEvidence,
        announcementText: '本账号将于2026年10月9日停止运营',
      });
      expect(textOnly).toMatchObject({ kind: 'closure', status: 'submitted' });
      expect((await getAccount(t, unit, account.id)).closureFiling!.overdue).toBe(false);
      expect(expectProblem(await submit(unit, account.id, 'closure', CLOSURE_FILING), 409).code).toBe('filing_pending');

      await acceptFiling(t, office, textOnly.id);
      const closed = await getAccount(t, unit, account.id);
      expect(closed).toMatchObject({ status: 'closed', closedOn: '2026-10-09' });
      expect(closed.closureFiling).toEqual({ dueOn: '2026-10-15', provisional: false, overdue: false });
      // The history stays: the account and its filings are still there.
      expect((await listFilings(t, office, { accountId: account.id })).map((f) => f.kind)).toEqual(['opening', 'closure']);
    });

    it('the closure deadline follows the tenant’s closureFilingDays', async () => {
      const unitId = await createBureauUnderTx(t, w);
      const account = await createAccount(t, w.admin, { unitId });
      await t.http.put('/v1/settings/ledger').set(bearer(w.admin.token)).send({ closureFilingDays: 3 });
      try {
        // 10 (make-up Saturday), 12, 13.
        expect((await closeAccount(t, w.admin, account.id)).closureFiling!.dueOn).toBe('2026-10-13');
      } finally {
        await t.http.put('/v1/settings/ledger').set(bearer(w.admin.token)).send({ closureFilingDays: 5 });
      }
    });

    it('a change filing is made while the account is active and accepted without changing its status', async () => {
      const pending = await createAccount(t, w.admin, { unitId: await createBureauUnderTx(t, w) });
      const notYet = await submit(w.admin, pending.id, 'change', { summary: '更名', effectiveOn: '2026-11-01' });
      expect(expectProblem(notYet, 409).code).toBe('not_filable');

      const account = await accountInStatus(t, { unit, office }, 'active', { unitId: w.units['tx-gaj'], platform: 'kuaishou' });
      expectProblem(await submit(unit, account.id, 'change', { effectiveOn: '2026-11-01' }), 400);
      const change = await submitFiling(t, unit, account.id, 'change', { summary: '运维人员变更为孙小编', effectiveOn: '2026-11-02' });
      expect(change).toMatchObject({ kind: 'change', status: 'submitted', details: { summary: '运维人员变更为孙小编' } });
      expect(expectProblem(await submit(unit, account.id, 'change', { summary: '再改', effectiveOn: '2026-11-03' }), 409).code).toBe(
        'filing_pending',
      );
      expect((await acceptFiling(t, office, change.id)).status).toBe('accepted');
      expect((await getAccount(t, unit, account.id)).status).toBe('active');
    });

    it('only a filing that answers a return is a resubmission: a later, fresh filing links nothing', async () => {
      const account = await accountInStatus(t, { unit, office }, 'active', { unitId: w.units['tx-gaj'], platform: 'toutiao' });
      const first = await submitFiling(t, unit, account.id, 'change', { summary: '更名', effectiveOn: '2026-11-02' });
      expectStatus(await review(office, first.id, 'return', { reasons: ['缺少说明'] }), 200, 'return');
      const answer = await submitFiling(t, unit, account.id, 'change', { summary: '更名（附说明）', effectiveOn: '2026-11-02' });
      expect(answer.resubmissionOf).toBe(first.id);
      await acceptFiling(t, office, answer.id);
      const fresh = await submitFiling(t, unit, account.id, 'change', { summary: '更换总编辑', effectiveOn: '2026-11-20' });
      expect(fresh.resubmissionOf).toBeNull();
    });
  });

  describe('who reviews what', () => {
    let csFiling: FilingDto;
    let zzFiling: FilingDto;

    beforeAll(async () => {
      const cs = await createAccount(t, unit, { unitId: w.units['tx-gaj'], platform: 'bilibili', name: '天心公安B站' });
      const zz = await createAccount(t, w.operatorHd.session, { unitId: w.units['hd-gaj'], platform: 'bilibili', name: '荷塘公安B站' });
      csFiling = await submitFiling(t, unit, cs.id, 'opening');
      zzFiling = await submitFiling(t, w.operatorHd.session, zz.id, 'opening');
    });

    it('the review queue shows each auditor only its region’s submitted filings', async () => {
      const csQueue = await listFilings(t, office, { status: 'submitted' });
      expect(csQueue.map((f) => f.id)).toContain(csFiling.id);
      expect(csQueue.map((f) => f.id)).not.toContain(zzFiling.id);
      expect(csQueue.every((f) => f.status === 'submitted')).toBe(true);
      const zzQueue = await listFilings(t, w.auditorZz.session, { status: 'submitted' });
      expect(zzQueue.map((f) => f.id)).toEqual([zzFiling.id]);
      // Oldest first.
      const times = csQueue.map((f) => Date.parse(f.submittedAt));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      // The unit operator of 荷塘 sees its own only.
      expect((await listFilings(t, w.operatorHd.session)).map((f) => f.id)).toEqual([zzFiling.id]);
    });

    it('a unit operator cannot review (403); an auditor of another city does not see the filing (404)', async () => {
      expectProblem(await review(unit, csFiling.id, 'accept'), 403);
      expectProblem(await review(unit, csFiling.id, 'return', { reasons: ['自己退回'] }), 403);
      expectProblem(await review(w.admin, csFiling.id, 'accept'), 403);
      const zzAuditor = w.auditorZz.session;
      expectProblem(await t.http.get(`/v1/filings/${csFiling.id}`).set(bearer(zzAuditor.token)), 404);
      expectProblem(await review(zzAuditor, csFiling.id, 'accept'), 404);
      expectProblem(await review(zzAuditor, csFiling.id, 'return', { reasons: ['越权'] }), 404);
      const still = expectStatus<FilingDto>(await t.http.get(`/v1/filings/${csFiling.id}`).set(bearer(office.token)), 200, 'get');
      expect(still.status).toBe('submitted');
      expect((await acceptFiling(t, w.auditorZz.session, zzFiling.id)).status).toBe('accepted');
    });
  });

  describe('the account lifecycle', () => {
    /** An account in `from` with, for acceptance cases, the filing to accept (submitted while it could be). */
    async function arrange(c: Case): Promise<{ account: AccountDto; filingId?: string }> {
      const unitId = await createBureauUnderTx(t, w, `${c.route}-${c.from}`);
      const actors = { unit: w.admin, office };
      if (c.route === 'transition' || c.route === 'close') return { account: await accountInStatus(t, actors, c.from, { unitId }) };
      if (c.route === 'accept_opening') {
        const account = await createAccount(t, w.admin, { unitId });
        const filing = await submitFiling(t, w.admin, account.id, 'opening');
        if (c.from === 'closing' || c.from === 'closed') await closeAccount(t, w.admin, account.id);
        if (c.from === 'closed') await acceptFiling(t, office, (await submitFiling(t, w.admin, account.id, 'closure')).id);
        if (c.from === 'force_closed') await transitionAccount(t, office, account.id, 'force_closed');
        return { account: await getAccount(t, w.admin, account.id), filingId: filing.id };
      }
      const account = await accountInStatus(t, actors, 'closing', { unitId });
      const filing = await submitFiling(t, w.admin, account.id, 'closure');
      if (c.from === 'force_closed') await transitionAccount(t, office, account.id, 'force_closed');
      return { account: await getAccount(t, w.admin, account.id), filingId: filing.id };
    }

    function ask(c: Case, accountId: string, filingId?: string) {
      switch (c.route) {
        case 'transition':
          return t.http.post(`/v1/accounts/${accountId}/transition`).set(bearer(office.token)).send({ to: c.to, reason: '检查发现问题' });
        case 'close':
          return t.http.post(`/v1/accounts/${accountId}/close`).set(bearer(w.admin.token)).send(CLOSURE);
        default:
          return review(office, filingId!, 'accept');
      }
    }

    it('covers every status and target', () => {
      expect(CASES).toHaveLength(30);
      expect(CASES.filter((c) => c.legal)).toHaveLength(11);
    });

    // Each case has a unit of its own, so the cases run side by side.
    it.concurrent.each(CASES.map((c) => [`${c.route}: ${c.from} → ${c.to} is ${c.legal ? 'allowed' : 'refused'}`, c] as const))(
      '%s',
      async (_, c) => {
        const { account, filingId } = await arrange(c);
        expect(account.status).toBe(c.from);
        const res = await ask(c, account.id, filingId);
        const after = await getAccount(t, w.admin, account.id);
        if (c.legal) {
          expectStatus(res, 200, 'legal transition');
          expect(after.status).toBe(c.to);
          return;
        }
        const problem = expectProblem(res, 409);
        expect(problem.code).toBe('illegal_transition');
        expect(problem.detail).toContain(`The account is ${c.from}`);
        expect(problem.detail).toContain(`cannot become ${c.to}`);
        expect(after.status).toBe(c.from);
        expect(after.updatedAt).toBe(account.updatedAt);
        if (filingId) {
          const filing = expectStatus<FilingDto>(await t.http.get(`/v1/filings/${filingId}`).set(bearer(office.token)), 200, 'filing');
          expect(filing.status).toBe('submitted');
        }
      },
    );

    it('no route sets pending_filing or closed directly (400)', async () => {
      const account = await accountInStatus(t, { unit: w.admin, office }, 'active', { unitId: await createBureauUnderTx(t, w) });
      for (const to of ['pending_filing', 'closed', 'closing']) {
        const res = await t.http.post(`/v1/accounts/${account.id}/transition`).set(bearer(office.token)).send({ to, reason: 'x' });
        expect(pointersOf(expectProblem(res, 400))).toEqual(['/to']);
      }
      // The unit cannot order its own status.
      const own = await t.http
        .post(`/v1/accounts/${account.id}/transition`)
        .set(bearer(w.admin.token))
        .send({ to: 'rectifying', reason: 'x' });
      expectProblem(own, 403);
      expect((await getAccount(t, w.admin, account.id)).status).toBe('active');
    });
  });
});
