import { bareRegionName, checkAccountName } from './naming-check';

const tianxinPolice = { unitName: '长沙市公安局天心分局', unitShortName: '天心公安', regionName: '天心区', regionShortName: null };
const rule = { mode: 'unit_or_region' as const, extraKeywords: [] };

describe('naming check (R5)', () => {
  it('accepts a name with the unit short name', () => {
    expect(checkAccountName('天心公安', tianxinPolice, rule).ok).toBe(true);
  });

  it('accepts a name with the bare region name', () => {
    expect(checkAccountName('平安天心', tianxinPolice, rule).ok).toBe(true);
  });

  it('refuses a name tied to neither, listing what it expected', () => {
    expect(checkAccountName('快乐每一天', tianxinPolice, rule)).toEqual({
      ok: false,
      expected: ['天心公安', '长沙市公安局天心分局', '天心'],
    });
  });

  it('accepts tenant keywords and can be switched off', () => {
    expect(checkAccountName('蓝盾卫士', tianxinPolice, { mode: 'unit_or_region', extraKeywords: ['蓝盾'] }).ok).toBe(true);
    expect(checkAccountName('快乐每一天', tianxinPolice, { mode: 'off', extraKeywords: [] }).ok).toBe(true);
  });

  it('strips administrative suffixes but keeps two-character names whole', () => {
    expect(bareRegionName('湘西土家族苗族自治州')).toBe('湘西');
    expect(bareRegionName('长沙市')).toBe('长沙');
    expect(bareRegionName('芙蓉区')).toBe('芙蓉');
    expect(bareRegionName('津市')).toBe('津市');
  });
});
