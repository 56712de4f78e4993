import { chinaToday } from '@govmatrix/calendar';
import type { RepostCompletionDto, RepostTaskDto } from '@govmatrix/scoring';
import { bearer, loginOperator } from '../support/fixtures';
import { expectStatus } from '../support/ledger-fixtures';
import { createScoringWorld, explain, reportInteractions, runScoring, ScoringWorld } from '../support/scoring-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const daysBefore = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

describe('repost tasks (转发任务)', () => {
  let t: TestApp;
  let world: ScoringWorld;
  let task: RepostTaskDto;
  const today = chinaToday();

  beforeAll(async () => {
    t = await startTestApp();
    world = await createScoringWorld(t, await loginOperator(t));
    // 长沙's office asks every account under 天心区 to repost 长沙发布's post by today.
    const res = await t.http
      .post('/v1/repost-tasks')
      .set(bearer(world.auditorCs.session.token))
      .send({ unitId: world.units.tx, accountId: world.accounts.cs, postId: 'cs-post-1', title: '防汛通知', deadline: today });
    task = expectStatus<RepostTaskDto>(res, 201, 'create task');
    const { gaj, jyj, tx, cs } = world.accounts;
    await reportInteractions(t, world.admin, [
      { day: today, sourceAccountId: gaj, targetAccountId: cs, kind: 'repost', count: 1, targetPostId: 'cs-post-1' },
      // Another post of the same account, and a comment: neither completes the task.
      { day: today, sourceAccountId: jyj, targetAccountId: cs, kind: 'repost', count: 1, targetPostId: 'cs-post-2' },
      { day: today, sourceAccountId: tx, targetAccountId: cs, kind: 'comment', count: 1, targetPostId: 'cs-post-1' },
    ]);
  });

  afterAll(async () => {
    await t?.close();
  });

  const completion = async (token: string, query: Record<string, string> = {}) =>
    expectStatus<{ items: RepostCompletionDto[] }>(
      await t.http.get(`/v1/repost-tasks/${task.id}/completion`).query(query).set(bearer(token)),
      200,
      'completion',
    ).items;

  it('measures completion per account of the subtree from the reported reposts of that post', async () => {
    expect(task).toMatchObject({ unitName: '长沙市天心区', accountName: '长沙发布', status: 'open', issuedOn: today, deadline: today });
    const got = expectStatus<RepostTaskDto>(
      await t.http.get(`/v1/repost-tasks/${task.id}`).set(bearer(world.auditorCs.session.token)),
      200,
      'task',
    );
    expect(got).toMatchObject({ assigned: 3, completed: 1, completionRate: 1 / 3 });
    const all = await completion(world.auditorCs.session.token);
    expect(all.map((c) => [c.accountName, c.completed, c.completedOn]).sort()).toEqual([
      ['天心公安', true, today],
      ['天心发布', false, null],
      ['天心教育', false, null],
    ]);
    expect((await completion(world.auditorCs.session.token, { completed: 'false' })).map((c) => c.accountName).sort()).toEqual([
      '天心发布',
      '天心教育',
    ]);
  });

  it('shows a task to the subtree it concerns, counted over what each caller sees, and to no one else', async () => {
    const mine = expectStatus<{ items: RepostTaskDto[] }>(
      await t.http.get('/v1/repost-tasks').set(bearer(world.operatorTx.session.token)),
      200,
      'list',
    );
    expect(mine.items).toMatchObject([{ id: task.id, assigned: 1, completed: 1 }]);
    expect((await completion(world.operatorTx.session.token)).map((c) => c.accountName)).toEqual(['天心公安']);
    expect((await t.http.get(`/v1/repost-tasks/${task.id}`).set(bearer(world.operatorHd.session.token))).status).toBe(404);
    expect((await t.http.get(`/v1/repost-tasks/${task.id}`).set(bearer(world.auditorZz.session.token))).status).toBe(404);
    const none = await t.http.get('/v1/repost-tasks').set(bearer(world.operatorHd.session.token));
    expect(expectStatus<{ items: unknown[] }>(none, 200, 'list').items).toEqual([]);
  });

  it('feeds completion, upper interaction and lower linkage into the cluster index', async () => {
    const run = await runScoring(t, world.admin, { from: daysBefore(today, 30), to: today });
    const cluster = async (account: string) =>
      Object.fromEntries(
        (await explain(t, world.admin, run.id, account)).terms.filter((x) => x.index === 'cluster').map((x) => [x.indicator, x.raw]),
      );
    const { gaj, jyj, tx, cs, hd } = world.accounts;
    expect(await cluster(gaj)).toEqual({ coverage: null, upper_interaction: 1, lower_linkage: null, repost_task_completion: 1 });
    expect(await cluster(jyj)).toEqual({ coverage: null, upper_interaction: 1, lower_linkage: null, repost_task_completion: 0 });
    // 天心区 covers both its bureaus; it commented once on its city's post.
    expect(await cluster(tx)).toEqual({ coverage: 1, upper_interaction: 1, lower_linkage: 0, repost_task_completion: 0 });
    // 长沙: one of its two subordinates (天心区, its office) has an account; three interactions came up from below.
    expect(await cluster(cs)).toEqual({ coverage: 0.5, upper_interaction: 0, lower_linkage: 3, repost_task_completion: null });
    expect((await cluster(hd)).repost_task_completion).toBeNull();
  });

  it('lets the issuing scope cancel a task, which then no longer counts', async () => {
    expect(
      (await t.http.post(`/v1/repost-tasks/${task.id}/cancel`).set(bearer(world.operatorTx.session.token)).send({ reason: 'x' })).status,
    ).toBe(403);
    expect(
      (await t.http.post(`/v1/repost-tasks/${task.id}/cancel`).set(bearer(world.auditorZz.session.token)).send({ reason: 'x' })).status,
    ).toBe(404);
    const res = await t.http
      .post(`/v1/repost-tasks/${task.id}/cancel`)
      .set(bearer(world.auditorCs.session.token))
      .send({ reason: '通知撤回' });
    expect(expectStatus<RepostTaskDto>(res, 200, 'cancel')).toMatchObject({ status: 'cancelled', cancelReason: '通知撤回' });
    const run = await runScoring(t, world.admin, { from: daysBefore(today, 30), to: today });
    const gaj = await explain(t, world.admin, run.id, world.accounts.gaj);
    expect(gaj.terms.find((x) => x.indicator === 'repost_task_completion')!.raw).toBeNull();
  });

  it('refuses a past deadline, a unit outside the scope and an unknown account', async () => {
    const post = (body: object) =>
      t.http
        .post('/v1/repost-tasks')
        .set(bearer(world.auditorCs.session.token))
        .send({ unitId: world.units.tx, accountId: world.accounts.cs, postId: 'p', deadline: today, ...body });
    const cases: [object, string][] = [
      [{ deadline: daysBefore(today, 1) }, '/deadline'],
      [{ unitId: world.units.hd }, '/unitId'],
      [{ accountId: '00000000-0000-4000-8000-000000000000' }, '/accountId'],
    ];
    for (const [body, pointer] of cases) {
      const res = await post(body);
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { pointer: string }) => e.pointer)).toEqual([pointer]);
    }
  });
});
