import { checkAccountName } from '@govmatrix/ledger';
import { DEMO_QUEUE, DemoUnit, planDemoAccounts } from './demo-accounts';
import { monthWindows } from './demo-loader';
import { buildDemoTree, DEMO_TENANT } from './demo-tree';

/** The demo tree as the generator reads it from the database, with made-up ids. */
const units: DemoUnit[] = [
  {
    id: 'root',
    code: DEMO_TENANT.root.code,
    name: DEMO_TENANT.root.name,
    shortName: DEMO_TENANT.root.shortName,
    level: 'province',
    sector: 'government',
    supervisor: false,
  },
  ...buildDemoTree().map((r) => ({
    id: `id-${r.code}`,
    code: r.code,
    name: r.name,
    shortName: r.shortName ?? null,
    level: r.level,
    sector: r.sector ?? 'government',
    supervisor: r.supervisor ?? false,
  })),
];

describe('the demo matrix', () => {
  const plan = planDemoAccounts(units, '2026-11-20');

  it('is the same for the same seed and day', () => {
    expect(planDemoAccounts(units, '2026-11-20')).toEqual(plan);
    expect(planDemoAccounts(units, '2026-11-20', 7)).not.toEqual(plan);
  });

  it('opens thousands of accounts, at most one per unit and platform (R4), none where the review queue opens one', () => {
    expect(plan.length).toBeGreaterThan(3000);
    const keys = plan.map((a) => `${a.unitId}:${a.platform}`);
    expect(new Set(keys).size).toBe(keys.length);
    const queued = new Set(DEMO_QUEUE.map((q) => `id-${q.unitCode}:${q.platform}`));
    expect(keys.filter((k) => queued.has(k))).toEqual([]);
    expect(new Set(plan.map((a) => a.platformUid)).size).toBe(plan.length);
  });

  it('leaves some units uncovered, and gives every region Weibo, WeChat and most an app', () => {
    const covered = new Set(plan.map((a) => a.unitId));
    const share = covered.size / units.length;
    expect(share).toBeGreaterThan(0.8);
    expect(share).toBeLessThan(0.97);
    const apps = plan.filter((a) => a.platform === 'app').length;
    expect(apps).toBeGreaterThan(100);
  });

  it('names accounts so that the naming check (R5) passes', () => {
    const byId = new Map(units.map((u) => [u.id, u]));
    const failures = plan.filter((a) => {
      const unit = byId.get(a.unitId)!;
      return !checkAccountName(
        a.name,
        { unitName: unit.name, unitShortName: unit.shortName, regionName: null, regionShortName: null },
        { mode: 'unit_or_region', extraKeywords: [] },
      ).ok;
    });
    expect(failures.map((a) => a.name)).toEqual([]);
  });

  it('has a few zombies, low-activity and closed accounts for the inspection to find', () => {
    expect(plan.filter((a) => a.silentDays > 0).length).toBeGreaterThan(20);
    expect(plan.filter((a) => a.status === 'closed').length).toBeGreaterThan(20);
    expect(plan.filter((a) => a.status === 'closed').every((a) => a.closedOn! > a.openedOn && a.closedOn! < '2026-11-20')).toBe(true);
    expect(plan.every((a) => a.openedOn < '2026-11-20')).toBe(true);
  });
});

describe('monthWindows', () => {
  it('cuts the year into months, the latest first, clipped at both ends', () => {
    const windows = monthWindows('2025-11-20', '2026-11-19');
    expect(windows[0]).toEqual({ from: '2026-11-01', to: '2026-11-19' });
    expect(windows[1]).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(windows[windows.length - 1]).toEqual({ from: '2025-11-20', to: '2025-11-30' });
    expect(windows).toHaveLength(13);
  });
});
