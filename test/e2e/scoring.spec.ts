import { bearer, createTenant, loginOperator, Session, TenantFixture } from '../support/fixtures';
import { expectStatus } from '../support/ledger-fixtures';
import {
  createModel,
  createScoringWorld,
  expectExplanationAddsUp,
  explain,
  ranking,
  reportMetrics,
  runScoring,
  ScoreExplanationDto,
  ScoringRunDto,
  ScoringWorld,
  UnitAggregateDto,
} from '../support/scoring-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

const YEAR_2025 = { from: '2025-01-01', to: '2025-12-31' };

/** A small model to compute by hand: half posts (min–max), half engagement (ln, then min–max); a zombie is capped at 10. */
const HAND_MODEL = {
  key: 'hand',
  name: '手算模型',
  definition: {
    normalization: 'minmax',
    transform: 'linear',
    scale: 100,
    indices: [
      { key: 'activity', weight: 0.5, indicators: [{ indicator: 'posts', weight: 1 }] },
      { key: 'reach', weight: 0.5, indicators: [{ indicator: 'engagement', weight: 1, normalization: 'log_minmax' }] },
    ],
    vetoes: [{ when: 'finding:inactive_14d', cap: 10 }],
  },
};

describe('scoring', () => {
  let t: TestApp;
  let world: ScoringWorld;
  let admin: Session;
  let other: TenantFixture;

  beforeAll(async () => {
    t = await startTestApp();
    const operator = await loginOperator(t);
    world = await createScoringWorld(t, operator);
    admin = world.admin;
    other = await createTenant(t, operator);
    const { gaj, jyj, hd, tx } = world.accounts;
    await reportMetrics(t, admin, [
      // 2025 — gaj: 12 posts, 10 originals, 6 reposts + 6 comments + 12 likes, 1300 reads (1000 on its best day).
      { accountId: gaj, day: '2025-03-01', posts: 10, originals: 8, reposts: 5, comments: 5, likes: 10, reads: 1000, followers: 500 },
      { accountId: gaj, day: '2025-06-10', posts: 2, originals: 2, reposts: 1, comments: 1, likes: 2, reads: 300, followers: 520 },
      { accountId: jyj, day: '2025-03-01', posts: 4, reposts: 1, comments: 1, likes: 2, reads: 200, followers: 100 },
      { accountId: jyj, day: '2025-06-12', posts: 1, reads: 50, followers: 110 },
      // hd posts nothing in June: the inspection of 2025-06-15 finds a zombie.
      { accountId: hd, day: '2025-03-01', posts: 6, reposts: 1, comments: 1, likes: 1, followers: 300 },
      { accountId: tx, day: '2025-05-01', posts: 7, reposts: 3, comments: 2, likes: 4, followers: 800 },
      { accountId: tx, day: '2025-06-05', posts: 1 },
      // 2024, for year-on-year growth.
      { accountId: gaj, day: '2024-03-01', posts: 5, originals: 5, reposts: 2, comments: 2, likes: 2 },
      { accountId: tx, day: '2024-05-01', posts: 7 },
    ]);
    const inspection = await t.http.post('/v1/jobs/daily_inspection/runs').set(bearer(admin.token)).send({ date: '2025-06-15' });
    expectStatus(inspection, 200, 'daily inspection');
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('a hand-computed model', () => {
    let run: ScoringRunDto;
    const byAccount = new Map<string, ScoreExplanationDto>();
    // Period totals: posts and reposts + comments + likes.
    const totals = { gaj: [12, 24], jyj: [5, 4], hd: [6, 3], tx: [8, 9], cs: [0, 0] } as const;
    const expected = (posts: number, engagement: number) => 50 * (posts / 12) + 50 * (Math.log(1 + engagement) / Math.log(25));

    beforeAll(async () => {
      const model = await createModel(t, admin, HAND_MODEL);
      expect(model).toMatchObject({ key: 'hand', version: 1 });
      run = await runScoring(t, admin, { ...YEAR_2025, modelId: model.id });
      for (const [name, id] of Object.entries(world.accounts)) byAccount.set(name, await explain(t, admin, run.id, id));
    });

    it('scores every account of the ledger as the formula says, and the explanation adds up', () => {
      expect(run).toMatchObject({ kind: 'on_demand', version: 1, accounts: 5, vetoed: 1, modelKey: 'hand', modelVersion: 1 });
      for (const [name, [posts, engagement]] of Object.entries(totals)) {
        const e = byAccount.get(name)!;
        expect(e.terms.map((term) => [term.index, term.indicator, term.raw, term.weight])).toEqual([
          ['activity', 'posts', posts, 50],
          ['reach', 'engagement', engagement, 50],
        ]);
        expect(e.terms[0].normalised).toBeCloseTo(posts / 12, 12);
        expect(e.terms[1].normalised).toBeCloseTo(Math.log(1 + engagement) / Math.log(25), 12);
        expect(e.uncappedScore).toBeCloseTo(expected(posts, engagement), 9);
        expectExplanationAddsUp(e);
      }
      expect(byAccount.get('gaj')!.score).toBe(100);
      expect(byAccount.get('cs')!.score).toBe(0);
    });

    it('caps a zombie account (inactive_14d open in the period) as the model says', () => {
      const hd = byAccount.get('hd')!;
      expect(hd.uncappedScore).toBeCloseTo(expected(6, 3), 9);
      expect(hd.vetoes).toEqual([{ when: 'finding:inactive_14d', cap: 10 }]);
      expect(hd.score).toBe(10);
      expect(hd.vetoAdjustment).toBeCloseTo(10 - expected(6, 3), 9);
      expect(byAccount.get('jyj')!.vetoes).toEqual([]);
    });

    it('ranks within a level and within a sector, with keyset pages', async () => {
      const bureaus = await ranking(t, admin, run.id, { by: 'level', level: 'bureau' });
      expect(bureaus.map((s) => [s.accountName, s.rankLevel])).toEqual([
        ['天心公安', 1],
        ['天心教育', 2],
        ['荷塘公安', 3],
      ]);
      expect(bureaus.map((s) => s.percentileLevel)).toEqual([1, 0.5, 0]);
      const police = await ranking(t, admin, run.id, { by: 'sector', sector: 'public_security' });
      expect(police.map((s) => [s.accountName, s.rankSector, s.rankLevel])).toEqual([
        ['天心公安', 1, 1],
        ['荷塘公安', 2, 3],
      ]);
      expect((await ranking(t, admin, run.id, { by: 'level', level: 'county' })).map((s) => s.accountName)).toEqual(['天心发布']);
      // Overall: 天心公安 100, 天心发布 69.1, 天心教育 45.8, 荷塘公安 10 (capped), 长沙发布 0.
      expect(['gaj', 'tx', 'jyj', 'hd', 'cs'].map((n) => byAccount.get(n)!.rankOverall)).toEqual([1, 2, 3, 4, 5]);
    });

    it('aggregates units and subtrees', async () => {
      const res = await t.http.get(`/v1/scoring/runs/${run.id}/units/${world.units.tx}`).set(bearer(admin.token));
      const county = expectStatus<UnitAggregateDto>(res, 200, 'unit aggregate');
      const scores = ['gaj', 'jyj', 'tx'].map((n) => byAccount.get(n)!.score);
      expect(county).toMatchObject({ accounts: 1, subtreeAccounts: 3, subtreeMinScore: Math.min(...scores), subtreeMaxScore: 100 });
      expect(county.meanScore).toBeCloseTo(byAccount.get('tx')!.score, 5);
      expect(county.subtreeMeanScore).toBeCloseTo(scores.reduce((a, b) => a + b) / 3, 5);
      const cities = await t.http.get(`/v1/scoring/runs/${run.id}/units`).query({ level: 'city' }).set(bearer(admin.token));
      // 长沙 (gaj, jyj, tx, cs) ranks above 株洲 (the capped hd alone).
      expect(
        expectStatus<{ items: UnitAggregateDto[] }>(cities, 200, 'city aggregates').items.map((u) => [u.unitName, u.rankLevel]),
      ).toEqual([
        ['长沙市', 1],
        ['株洲市', 2],
      ]);
    });

    it('shows a unit operator its own subtree only, with the run’s ranks', async () => {
      const own = await ranking(t, world.operatorTx.session, run.id, { by: 'level', level: 'bureau' });
      expect(own.map((s) => [s.accountName, s.rankLevel])).toEqual([['天心公安', 1]]);
      const sibling = await t.http
        .get(`/v1/scoring/runs/${run.id}/scores/${world.accounts.jyj}`)
        .set(bearer(world.operatorTx.session.token));
      expect(sibling.status).toBe(404);
    });

    it('keeps models immutable: a change is a new version', async () => {
      const v2 = await createModel(t, admin, { ...HAND_MODEL, name: '手算模型 v2' });
      expect(v2.version).toBe(2);
      const again = expectStatus<ScoringRunDto>(await t.http.get(`/v1/scoring/runs/${run.id}`).set(bearer(admin.token)), 200, 'get run');
      expect(again.modelVersion).toBe(1);
    });
  });

  describe('the six-index model', () => {
    it('explains every score exactly, and the same run twice gives identical scores (a new version)', async () => {
      const first = await runScoring(t, admin, YEAR_2025);
      const second = await runScoring(t, admin, YEAR_2025);
      expect(first).toMatchObject({ modelKey: 'six_index', modelVersion: 1, version: 1, accounts: 5, vetoed: 1 });
      expect(second).toMatchObject({ modelId: first.modelId, version: 2 });
      for (const id of Object.values(world.accounts)) {
        const [a, b] = [await explain(t, admin, first.id, id), await explain(t, admin, second.id, id)];
        expectExplanationAddsUp(a);
        expect(a.terms).toHaveLength(19);
        expect({ ...b, runId: a.runId }).toEqual(a);
      }
      const zombie = await explain(t, admin, first.id, world.accounts.hd);
      expect(zombie).toMatchObject({ score: 0, vetoes: [{ when: 'finding:inactive_14d', cap: 0 }] });
      expect(zombie.uncappedScore).toBeGreaterThan(0);
      const gaj = await explain(t, admin, first.id, world.accounts.gaj);
      const term = (indicator: string) => gaj.terms.find((x) => x.indicator === indicator)!;
      expect(term('original_share').raw).toBeCloseTo(10 / 12, 12);
      expect(term('followers').raw).toBe(520);
      // Year-on-year: (12 + 1) / (5 + 1), alone in its sector with a year before: ratio 1. jyj has no 2024: not applicable.
      expect(term('posts_yoy_ratio').raw).toBe(1);
      const jyj = await explain(t, admin, first.id, world.accounts.jyj);
      expect(jyj.terms.find((x) => x.indicator === 'posts_yoy_ratio')).toMatchObject({ raw: null, normalised: null, weight: 0, points: 0 });
    });
  });

  describe('published formulas', () => {
    it('computes BCI = (0.2·ln(posts+1) + 0.8·(0.4·ln(reposts+1) + 0.4·ln(comments+1) + 0.2·ln(likes+1))) × 160', async () => {
      const model = await createModel(t, admin, { key: 'bci', name: 'BCI', preset: 'bci' });
      const run = await runScoring(t, admin, { ...YEAR_2025, modelId: model.id });
      const bci = (posts: number, reposts: number, comments: number, likes: number) =>
        (0.2 * Math.log(posts + 1) + 0.8 * (0.4 * Math.log(reposts + 1) + 0.4 * Math.log(comments + 1) + 0.2 * Math.log(likes + 1))) * 160;
      const gaj = await explain(t, admin, run.id, world.accounts.gaj);
      expect(gaj.score).toBeCloseTo(bci(12, 6, 6, 12), 9);
      expectExplanationAddsUp(gaj);
      expect((await explain(t, admin, run.id, world.accounts.jyj)).score).toBeCloseTo(bci(5, 1, 1, 2), 9);
      expect((await explain(t, admin, run.id, world.accounts.cs)).score).toBe(0);
    });

    it('computes WCI V14.2 = (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 12 (H from the daily figures, P from the best day)', async () => {
      const model = await createModel(t, admin, { key: 'wci', name: 'WCI', preset: 'wci_v14_2' });
      const run = await runScoring(t, admin, { ...YEAR_2025, modelId: model.id });
      const term = (reads: number, likes: number) => 0.85 * Math.log(reads + 1) + 0.15 * Math.log(10 * likes + 1);
      // gaj: R = 1300 reads, Z = 12 likes over d = 365 days, n = 12 posts; best day 1000 reads, 10 likes.
      const o = term(1300 / 365, 12 / 365);
      const a = term(1300 / 12, 12 / 12);
      const p = term(1000, 10);
      const gaj = await explain(t, admin, run.id, world.accounts.gaj);
      expect(gaj.score).toBeCloseTo((0.6 * o + 0.2 * a + 0.1 * o + 0.1 * p) ** 2 * 12, 9);
      expect(gaj.terms.reduce((sum, x) => sum + x.points, 0)).toBe(gaj.uncappedScore);
    });
  });

  describe('a custom model of the catalogue', () => {
    it('counts the days with posts, unnormalised', async () => {
      const model = await createModel(t, admin, {
        key: 'post-days',
        name: '发布天数',
        definition: {
          normalization: 'none',
          transform: 'linear',
          scale: 1,
          indices: [{ key: 'activity', weight: 1, indicators: [{ indicator: 'post_days', weight: 1 }] }],
          vetoes: [],
        },
      });
      const run = await runScoring(t, admin, { ...YEAR_2025, modelId: model.id });
      const days = await ranking(t, admin, run.id, { by: 'level', level: 'bureau' });
      // 天心公安 and 天心教育 tie (rank 1 both, then by account id); 荷塘公安 is third.
      expect(days.map((s) => [s.accountName, s.score, s.rankLevel]).sort()).toEqual([
        ['天心公安', 2, 1],
        ['天心教育', 2, 1],
        ['荷塘公安', 1, 3],
      ]);
    });
  });

  describe('the yearly assessment job', () => {
    it('publishes the previous year once, from the tenant’s assessment date on', async () => {
      const trigger = async (date: string) =>
        expectStatus<{ status: string; run?: { counts: Record<string, unknown> } }>(
          await t.http.post('/v1/jobs/yearly_assessment/runs').set(bearer(admin.token)).send({ date, force: true }),
          200,
          `yearly assessment ${date}`,
        );
      expect((await trigger('2026-01-14')).run!.counts).toMatchObject({ due: false, assessedYear: 2025, assessmentOn: '2026-01-15' });
      const published = (await trigger('2026-01-15')).run!.counts;
      expect(published).toMatchObject({ due: true, published: true, assessedYear: 2025, accounts: 5, modelKey: 'six_index' });
      expect((await trigger('2026-01-20')).run!.counts).toMatchObject({ published: false, runId: published.runId });
      const yearly = await t.http.get('/v1/scoring/runs').query({ kind: 'yearly' }).set(bearer(admin.token));
      const [run] = expectStatus<{ items: ScoringRunDto[] }>(yearly, 200, 'yearly runs').items;
      expect(run).toMatchObject({ id: published.runId, kind: 'yearly', year: 2025, from: '2025-01-01', to: '2025-12-31' });
      // Published when its rows were written, after it started (not at its transaction's start).
      expect(Date.parse(run.publishedAt)).toBeGreaterThan(Date.parse(run.startedAt));
    });
  });

  describe('isolation and bad input', () => {
    it('answers 404 for another tenant’s run, scores, units and models', async () => {
      const run = await runScoring(t, admin, YEAR_2025);
      for (const path of [
        `/v1/scoring/runs/${run.id}`,
        `/v1/scoring/runs/${run.id}/scores/${world.accounts.gaj}`,
        `/v1/scoring/runs/${run.id}/rankings?by=level&level=bureau`,
        `/v1/scoring/runs/${run.id}/units/${world.units.tx}`,
        `/v1/scoring/models/${run.modelId}`,
      ]) {
        expect((await t.http.get(path).set(bearer(other.admin.token))).status).toBe(404);
      }
      const foreignModel = await t.http
        .post('/v1/scoring/runs')
        .set(bearer(other.admin.token))
        .send({ ...YEAR_2025, modelId: run.modelId });
      expect(foreignModel.status).toBe(404);
    });

    it('refuses inconsistent models and periods with the offending field', async () => {
      const weights = await t.http
        .post('/v1/scoring/models')
        .set(bearer(admin.token))
        .send({ ...HAND_MODEL, definition: { ...HAND_MODEL.definition, indices: [{ ...HAND_MODEL.definition.indices[0], weight: 0.7 }] } });
      expect(weights.status).toBe(422);
      expect(weights.body.errors).toEqual([{ pointer: '/definition/indices', reason: 'the index weights must add up to 1' }]);
      const period = await t.http.post('/v1/scoring/runs').set(bearer(admin.token)).send({ from: '2025-12-31', to: '2025-01-01' });
      expect(period.status).toBe(422);
      expect(period.body.errors).toEqual([{ pointer: '/to', reason: 'must not be before from' }]);
      const unknown = await t.http
        .post('/v1/scoring/models')
        .set(bearer(admin.token))
        .send({ ...HAND_MODEL, definition: { ...HAND_MODEL.definition, vetoes: [{ when: 'drop table', cap: 0 }] } });
      expect(unknown.status).toBe(400);
    });
  });
});
