import { checkPlacement, ImportUnitRowDto, UnitShape } from '@govmatrix/tenancy';
import { buildDemoTree, bureauCode, DEMO_CLIENT, DEMO_TENANT, DEMO_USERS, HUNAN_CITIES, shortNameOf } from './demo-tree';

describe('the demo tree', () => {
  const rows = buildDemoTree();
  const root: UnitShape & { code: string } = { ...DEMO_TENANT.root, supervisor: false };
  const byCode = new Map<string, ImportUnitRowDto>(rows.map((r) => [r.code, r]));

  it('has the 14 cities and 122 counties of Hunan, each region with one cyberspace office', () => {
    expect(rows.filter((r) => r.level === 'city')).toHaveLength(14);
    expect(rows.filter((r) => r.level === 'county')).toHaveLength(122);
    const regions = [root.code, ...rows.filter((r) => r.level !== 'bureau').map((r) => r.code)];
    const supervisors = rows.filter((r) => r.supervisor);
    expect(supervisors.map((s) => s.parentCode).sort()).toEqual(regions.sort());
    supervisors.forEach((s) => expect(s.sector).toBe('cyberspace'));
  });

  it('keeps unit codes and division codes unique, the root included', () => {
    const codes = [root.code, ...rows.map((r) => r.code)];
    expect(new Set(codes).size).toBe(codes.length);
    const divisions = [root.divisionCode, ...rows.flatMap((r) => (r.divisionCode ? [r.divisionCode] : []))];
    expect(new Set(divisions).size).toBe(divisions.length);
  });

  it('places every row where the tree rules allow, parents first', () => {
    const seen = new Set<string>([root.code]);
    rows.forEach((row, index) => {
      expect(seen.has(row.parentCode!)).toBe(true);
      const parent = row.parentCode === root.code ? root : byCode.get(row.parentCode!)!;
      expect(checkPlacement(row, parent, `/units/${index}`)).toEqual([]);
      seen.add(row.code);
    });
  });

  it('links each sector system by sector parent within its sector', () => {
    const linked = rows.filter((r) => r.sectorParentCode);
    expect(linked.length).toBeGreaterThan(0);
    for (const row of linked) {
      const sectorParent = byCode.get(row.sectorParentCode!);
      expect(sectorParent).toBeDefined();
      expect(sectorParent!.sector).toBe(row.sector);
    }
  });

  it("gives every county court its city's intermediate court, and every intermediate court the high court", () => {
    const highCourt = byCode.get(bureauCode(root.code, 'court'))!;
    expect(highCourt.name).toBe('湖南省高级人民法院');
    for (const city of HUNAN_CITIES) {
      const intermediate = byCode.get(bureauCode(city.code, 'court'))!;
      expect(intermediate.name).toBe(`${city.name}中级人民法院`);
      expect(intermediate.sectorParentCode).toBe(highCourt.code);
      for (const [countyCode] of city.counties) {
        const court = byCode.get(bureauCode(countyCode, 'court'))!;
        expect(court.sector).toBe('court');
        expect(court.parentCode).toBe(countyCode);
        expect(court.sectorParentCode).toBe(intermediate.code);
      }
    }
    const courts = rows.filter((r) => r.sector === 'court');
    expect(courts).toHaveLength(1 + 14 + 122);
  });

  it('runs the police system 省公安厅 → 市公安局 → 区县公安', () => {
    expect(byCode.get('430000-police')!.name).toBe('湖南省公安厅');
    expect(byCode.get('430100-police')).toMatchObject({ name: '长沙市公安局', sectorParentCode: '430000-police' });
    expect(byCode.get('430103-police')).toMatchObject({
      name: '长沙市公安局天心分局',
      shortName: '天心公安',
      sectorParentCode: '430100-police',
    });
    expect(byCode.get('430121-police')).toMatchObject({ name: '长沙县公安局', shortName: '长沙县公安' });
  });

  it('gives each county the typical set of bureaus with short names', () => {
    const tianxin = rows.filter((r) => r.parentCode === '430103');
    expect(tianxin.map((r) => r.sector).sort()).toEqual(
      [
        'court',
        'cyberspace',
        'education',
        'emergency',
        'health',
        'justice',
        'procuratorate',
        'public_security',
        'publicity',
        'tourism',
        'transport',
        'weather',
        'youth_league',
      ].sort(),
    );
    tianxin.forEach((r) => expect(r.shortName).toMatch(/^天心/));
    rows.forEach((r) => expect(r.shortName!.length).toBeLessThanOrEqual(50));
  });

  it('derives short names of regions', () => {
    expect(shortNameOf('天心区')).toBe('天心');
    expect(shortNameOf('城步苗族自治县')).toBe('城步');
    expect(shortNameOf('湘西土家族苗族自治州')).toBe('湘西');
    expect(shortNameOf('南县')).toBe('南县');
    expect(shortNameOf('津市市')).toBe('津市');
  });

  it('binds the demo users and client to units of the tree', () => {
    for (const { unitCode, role } of DEMO_USERS) {
      const unit = byCode.get(unitCode);
      expect(unit).toBeDefined();
      if (role === 'auditor') expect(unit!.supervisor).toBe(true);
    }
    expect(byCode.get(DEMO_CLIENT.unitCode)!.name).toBe('长沙市天心区');
  });
});
