/** How a tenant checks account names (R5). */
export interface NamingRule {
  /** `unit_or_region`: the name must contain the unit's or its region's name or short name. */
  mode: 'unit_or_region' | 'off';
  /** Further accepted fragments, e.g. a brand the tenant registered (平安长沙). */
  extraKeywords: string[];
}

export interface NamingContext {
  unitName: string;
  unitShortName: string | null;
  regionName: string | null;
  regionShortName: string | null;
}

/** Administrative suffixes dropped to get a region's bare name: 长沙市 → 长沙, 湘西土家族苗族自治州 → 湘西. */
const REGION_SUFFIX = /(土家族苗族自治州|自治州|自治县|自治区|特别行政区|新区|地区|省|市|区|县|州|盟|旗)$/;

export const bareRegionName = (name: string): string => {
  const bare = name.replace(REGION_SUFFIX, '');
  return bare.length >= 2 ? bare : name;
};

/**
 * The naming check of R5: does the account's name tie it to its unit or region? Returns the
 * accepted fragments when it fails, so the finding can say what was expected.
 */
export function checkAccountName(name: string, context: NamingContext, rule: NamingRule): { ok: boolean; expected: string[] } {
  if (rule.mode === 'off') return { ok: true, expected: [] };
  const expected = [
    context.unitShortName,
    context.unitName,
    context.regionShortName,
    context.regionName && bareRegionName(context.regionName),
    ...rule.extraKeywords,
  ].filter((f): f is string => !!f && f.length > 0);
  const unique = [...new Set(expected)];
  return { ok: unique.some((fragment) => name.includes(fragment)), expected: unique };
}
