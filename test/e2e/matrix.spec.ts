import { randomUUID } from 'node:crypto';
import { bearer, expectProblem, loginOperator, Session } from '../support/fixtures';
import { createMatrixWorld, MatrixWorld, OCTOBER } from '../support/matrix-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

interface Stats {
  units: number;
  covered: number;
  coverage: number;
  twoMicroOneEnd: number;
  platforms: { platform: string; covered: number; coverage: number }[];
}
interface UnitInteraction {
  unitId: string;
  unitName: string;
  accounts: number;
  upper: { reposts: number; comments: number; total: number };
  lower: { reposts: number; comments: number; total: number };
}

describe('matrix views (coverage, upper–lower interaction, trends)', () => {
  let t: TestApp;
  let w: MatrixWorld;

  const get = async (session: Session, path: string, query: Record<string, unknown> = {}) =>
    t.http.get(path).query(query).set(bearer(session.token));
  const ok = async <T>(session: Session, path: string, query: Record<string, unknown> = {}): Promise<T> => {
    const res = await get(session, path, query);
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
    return res.body as T;
  };
  const byUnit = (items: UnitInteraction[]) => Object.fromEntries(items.map((i) => [i.unitId, i]));

  beforeAll(async () => {
    t = await startTestApp();
    w = await createMatrixWorld(t, await loginOperator(t));
  });
  afterAll(() => t.close());

  describe('coverage', () => {
    it('counts units with a live account, per platform, 两微一端, by level and by sector system', async () => {
      const c = await ok<{
        unitId: string;
        overall: Stats;
        byLevel: (Stats & { level: string })[];
        bySector: (Stats & { sector: string })[];
        bySystem: (Stats & { rootUnitId: string; rootUnitName: string; sector: string })[];
      }>(w.auditor, '/v1/matrix/coverage');
      expect(c.unitId).toBe(w.units.root);
      // 13 units; live accounts at the root, 湖南高院, 长沙, 长沙中院, 天心, 天心法院, 株洲 (天心公安's is still pending).
      expect(c.overall).toMatchObject({ units: 13, covered: 7, coverage: 0.5385, twoMicroOneEnd: 2, twoMicroOneEndCoverage: 0.1538 });
      const platform = (stats: Stats, p: string) => stats.platforms.find((x) => x.platform === p);
      expect(platform(c.overall, 'weibo')).toEqual({ platform: 'weibo', covered: 6, coverage: 0.4615 });
      expect(platform(c.overall, 'douyin')).toEqual({ platform: 'douyin', covered: 0, coverage: 0 });
      expect(c.overall.platforms).toHaveLength(12);

      const level = Object.fromEntries(c.byLevel.map((l) => [l.level, [l.covered, l.units]]));
      expect(level).toEqual({ province: [1, 1], city: [2, 2], county: [1, 2], bureau: [3, 8] });
      expect(c.bySector.find((s) => s.sector === 'court')).toMatchObject({ units: 3, covered: 3, coverage: 1 });
      // Only the court chain links units by sector parent here: one system, rooted at the high court.
      expect(c.bySystem).toEqual([
        expect.objectContaining({
          rootUnitId: w.units['hn-court'],
          rootUnitName: '湖南省高级人民法院',
          sector: 'court',
          units: 3,
          covered: 3,
        }),
      ]);
    });

    it("sees a city's subtree from its auditor, where the system's top is the intermediate court", async () => {
      const c = await ok<{ overall: Stats; bySystem: { rootUnitId: string; units: number }[] }>(w.auditorCs, '/v1/matrix/coverage');
      expect(c.overall).toMatchObject({ units: 6, covered: 4, twoMicroOneEnd: 1 });
      expect(c.bySystem).toEqual([expect.objectContaining({ rootUnitId: w.units['cs-court'], units: 2 })]);
      // The same subtree asked for by the province's auditor gives the same figures.
      const fromAbove = await ok<{ overall: Stats }>(w.auditor, '/v1/matrix/coverage', { under: w.units.cs });
      expect(fromAbove.overall).toEqual(c.overall);
    });

    it('lists a unit and its children, each with the coverage of its own subtree, for the tree', async () => {
      const page = await ok<{
        items: {
          id: string;
          depth: number;
          children: number;
          units: number;
          covered: number;
          coverage: number;
          accounts: number;
          platforms: string[];
        }[];
      }>(w.auditor, '/v1/matrix/coverage/units', { depth: 1 });
      const item = (code: keyof MatrixWorld['units']) => page.items.find((i) => i.id === w.units[code]);
      expect(page.items).toHaveLength(5); // the root; its office, the high court and two cities
      expect(item('root')).toMatchObject({
        depth: 0,
        children: 4,
        units: 13,
        covered: 7,
        accounts: 3,
        platforms: ['app', 'wechat', 'weibo'],
      });
      expect(item('cs')).toMatchObject({ depth: 1, children: 3, units: 6, covered: 4, coverage: 0.6667 });
      expect(item('zz')).toMatchObject({ depth: 1, units: 4, covered: 1, coverage: 0.25 });
      expect(item('tx')).toBeUndefined();

      const deeper = await ok<{ items: { id: string; depth: number }[] }>(w.auditor, '/v1/matrix/coverage/units', {
        under: w.units.tx,
        depth: 5,
      });
      expect(deeper.items.map((i) => i.id).sort()).toEqual([w.units.tx, w.units['tx-court'], w.units['tx-gaj']].sort());
    });

    it('pages the listing in tree order', async () => {
      const first = await ok<{ items: { id: string }[]; nextCursor?: string }>(w.auditor, '/v1/matrix/coverage/units', {
        depth: 9,
        limit: 5,
      });
      expect(first.items).toHaveLength(5);
      const second = await ok<{ items: { id: string }[]; nextCursor?: string }>(w.auditor, '/v1/matrix/coverage/units', {
        depth: 9,
        limit: 50,
        cursor: first.nextCursor,
      });
      expect(second.nextCursor).toBeUndefined();
      expect(new Set([...first.items, ...second.items].map((i) => i.id)).size).toBe(13);
    });
  });

  describe('upper interaction and lower linkage', () => {
    it('counts reposts and comments on superiors (tree and sector system) and from subordinates, in the period only', async () => {
      const r = await ok<{ units: number; unitsWithUpper: number; upper: object; lower: object; items: UnitInteraction[] }>(
        w.auditor,
        '/v1/matrix/interaction',
        { ...OCTOBER, limit: 50 },
      );
      expect(r).toMatchObject({
        units: 13,
        unitsWithUpper: 4,
        upper: { reposts: 13, comments: 2, total: 15 },
        lower: { reposts: 13, comments: 2, total: 15 },
      });
      const u = byUnit(r.items);
      expect(u[w.units['tx-court']]).toMatchObject({ accounts: 1, upper: { reposts: 3, comments: 2, total: 5 }, lower: { total: 0 } });
      expect(u[w.units['cs-court']]).toMatchObject({ upper: { reposts: 4 }, lower: { reposts: 3 } });
      expect(u[w.units['hn-court']]).toMatchObject({ upper: { total: 0 }, lower: { reposts: 4 } });
      expect(u[w.units.cs]).toMatchObject({ accounts: 3, upper: { reposts: 5 }, lower: { reposts: 1, comments: 0 } });
      expect(u[w.units.tx]).toMatchObject({ upper: { reposts: 1 }, lower: { comments: 2 } });
      // The root reposting 长沙 is neither: it goes down. 株洲 commenting on 长沙 is between peers.
      expect(u[w.units.root]).toMatchObject({ upper: { total: 0 }, lower: { reposts: 5 } });
      expect(u[w.units.zz]).toMatchObject({ upper: { total: 0 }, lower: { total: 0 } });
      expect(r.items[0].unitId).toBe(w.units['cs-court']); // 4 up + 3 down: the busiest
    });

    it('ranks by upper interaction, filters by level, and counts September separately', async () => {
      const upper = await ok<{ items: UnitInteraction[] }>(w.auditor, '/v1/matrix/interaction', { ...OCTOBER, sort: 'upper', limit: 2 });
      expect(upper.items.map((i) => i.unitName)).toEqual(['长沙市', '长沙市天心区人民法院']);
      const counties = await ok<{ units: number; items: UnitInteraction[] }>(w.auditor, '/v1/matrix/interaction', {
        ...OCTOBER,
        level: 'county',
      });
      expect(counties.units).toBe(2);
      expect(counties.items.map((i) => i.unitId)).toEqual([w.units.tx, w.units.hd]);
      const september = await ok<{ upper: { total: number } }>(w.auditor, '/v1/matrix/interaction', {
        from: '2026-09-01',
        to: '2026-09-30',
      });
      expect(september.upper.total).toBe(9);
    });

    it("counts a city's interactions with the province's accounts, above its auditor's scope", async () => {
      const r = await ok<{ units: number; items: UnitInteraction[] }>(w.auditorCs, '/v1/matrix/interaction', OCTOBER);
      expect(r.units).toBe(6);
      const u = byUnit(r.items);
      expect(u[w.units.cs].upper.reposts).toBe(5); // on 湖南发布
      expect(u[w.units['cs-court']].upper.reposts).toBe(4); // on 湖南高院
      expect(u[w.units['cs-court']].lower.reposts).toBe(3);
      // The intermediate court's own lead sees its upper interaction; its subordinates lie outside that scope.
      const lead = await ok<{ items: UnitInteraction[] }>(w.leadCourt, '/v1/matrix/interaction', OCTOBER);
      expect(lead.items).toEqual([expect.objectContaining({ unitId: w.units['cs-court'], upper: { reposts: 4, comments: 0, total: 4 } })]);
    });

    it('gives the unit-to-unit matrix of the busiest units, acting units as rows', async () => {
      const m = await ok<{ units: { id: string; volume: number }[]; values: number[][] }>(
        w.auditor,
        '/v1/matrix/interaction/matrix',
        OCTOBER,
      );
      const index = (code: keyof MatrixWorld['units']) => m.units.findIndex((u) => u.id === w.units[code]);
      expect(m.units[0]).toEqual(expect.objectContaining({ id: w.units.cs, volume: 15 }));
      expect(m.values[index('cs')][index('root')]).toBe(5);
      expect(m.values[index('root')][index('cs')]).toBe(2);
      expect(m.values[index('zz')][index('cs')]).toBe(7);
      expect(m.values[index('tx-court')][index('cs-court')]).toBe(3);
      m.units.forEach((_, i) => expect(m.values[i][i]).toBe(0));
      expect(m.values.every((row) => row.length === m.units.length)).toBe(true);

      const top2 = await ok<{ units: unknown[]; values: number[][] }>(w.auditor, '/v1/matrix/interaction/matrix', {
        ...OCTOBER,
        top: 2,
        kind: 'comment',
      });
      expect(top2.units).toHaveLength(2); // 株洲 → 长沙's 7 comments
      expect(top2.values.flat().reduce((a, b) => a + b, 0)).toBe(7);

      const cs = await ok<{ units: { id: string }[] }>(w.auditorCs, '/v1/matrix/interaction/matrix', OCTOBER);
      expect(cs.units.map((u) => u.id).sort()).toEqual([w.units.cs, w.units['cs-court'], w.units.tx, w.units['tx-court']].sort());
    });
  });

  it('gives monthly trends: posts, active accounts, interactions and the upper ones', async () => {
    const r = await ok<{ items: Record<string, unknown>[] }>(w.auditor, '/v1/matrix/trends', { from: '2026-09-01', to: '2026-10-31' });
    expect(r.items).toEqual([
      {
        month: '2026-09',
        posts: 3,
        originals: 3,
        engagement: 3 * 31,
        interactions: 9,
        upperInteractions: 9,
        activeAccounts: 1,
        reportingAccounts: 1,
      },
      {
        month: '2026-10',
        posts: 6,
        originals: 6,
        engagement: 6 * 31,
        interactions: 24,
        upperInteractions: 15,
        activeAccounts: 2,
        reportingAccounts: 2,
      },
    ]);
    const defaults = await ok<{ from: string; to: string; items: unknown[] }>(w.auditor, '/v1/matrix/trends');
    expect(defaults.items).toHaveLength(12);
    expect(defaults.from.endsWith('-01')).toBe(true);
  });

  describe('access and input', () => {
    it('serves matrix leads, auditors and tenant admins; refuses unit operators', async () => {
      for (const session of [w.leadCourt, w.auditorCs, w.admin]) expect((await get(session, '/v1/matrix/coverage')).status).toBe(200);
      expectProblem(await get(w.operatorTx, '/v1/matrix/coverage'), 403);
    });

    it('answers a unit outside the scope, a reversed or too long period as problems', async () => {
      expect(expectProblem(await get(w.auditorCs, '/v1/matrix/coverage', { under: w.units.zz }), 422).errors).toEqual([
        expect.objectContaining({ pointer: '/under' }),
      ]);
      expectProblem(await get(w.auditor, '/v1/matrix/trends', { under: randomUUID() }), 422);
      expectProblem(await get(w.auditor, '/v1/matrix/interaction', { from: '2026-10-02', to: '2026-10-01' }), 400);
      expectProblem(await get(w.auditor, '/v1/matrix/trends', { from: '2020-01-01', to: '2026-01-01' }), 400);
      expectProblem(await get(w.auditor, '/v1/matrix/interaction/matrix', { top: 1 }), 400);
      expectProblem(await get(w.auditor, '/v1/matrix/interaction', { from: '2026-02-30' }), 400);
    });
  });
});
