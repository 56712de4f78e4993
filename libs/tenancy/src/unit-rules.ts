import { FieldError } from '@govmatrix/common';

export const UNIT_LEVELS = ['province', 'city', 'county', 'bureau'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

/** Sector systems (行业系统) known to the product; tenants may use others matching SECTOR_PATTERN. */
export const KNOWN_SECTORS = [
  'government',
  'publicity',
  'cyberspace',
  'public_security',
  'court',
  'procuratorate',
  'justice',
  'tourism',
  'youth_league',
  'transport',
  'emergency',
  'weather',
  'health',
  'education',
  'culture',
  'environment',
  'taxation',
  'market_regulation',
  'fire_rescue',
  'other',
] as const;
export const SECTOR_PATTERN = /^[a-z][a-z_]{1,39}$/;

/**
 * How deep the tree may go (the tenant's root is level 1). Real trees stop near 8; without a bound a
 * long chain of nested bureaus made paths the indexes choke on (a 400-row chain: 80 s, then a 500).
 */
export const MAX_TREE_DEPTH = 32;
export const TOO_DEEP = `the tree may be at most ${MAX_TREE_DEPTH} levels deep`;
export const depthOf = (path: string): number => path.split('.').length;

const RANK: Record<UnitLevel, number> = { province: 1, city: 2, county: 3, bureau: 4 };

export const isRegion = (level: UnitLevel): boolean => level !== 'bureau';

/** The facts of a unit the tree rules look at. */
export interface UnitShape {
  level: UnitLevel;
  divisionCode?: string | null;
  supervisor?: boolean;
}

/**
 * The rules of the tree, for one unit under its parent (null for a root), as field errors
 * relative to the unit's own pointer prefix. Shared by single writes and bulk imports.
 */
export function checkPlacement(unit: UnitShape, parent: UnitShape | null, prefix = ''): FieldError[] {
  const errors: FieldError[] = [];
  if (isRegion(unit.level)) {
    if (!unit.divisionCode) errors.push({ pointer: `${prefix}/divisionCode`, reason: `a ${unit.level} needs its 6-digit division code` });
  } else if (unit.divisionCode) {
    errors.push({ pointer: `${prefix}/divisionCode`, reason: 'only regions (province, city, county) carry a division code' });
  }
  if (parent === null) {
    if (unit.level === 'bureau') errors.push({ pointer: `${prefix}/level`, reason: 'the root of a tenant is a region, not a bureau' });
    if (unit.supervisor) errors.push({ pointer: `${prefix}/supervisor`, reason: 'a supervising office sits under its region' });
    return errors;
  }
  const nestedBureau = unit.level === 'bureau' && parent.level === 'bureau';
  if (!nestedBureau && RANK[unit.level] <= RANK[parent.level]) {
    errors.push({ pointer: `${prefix}/level`, reason: `a ${unit.level} cannot sit under a ${parent.level}` });
  }
  if (unit.supervisor && (unit.level !== 'bureau' || !isRegion(parent.level))) {
    errors.push({ pointer: `${prefix}/supervisor`, reason: 'a supervising office is a bureau directly under its region' });
  }
  if (isRegion(unit.level) && unit.divisionCode && parent.divisionCode && isRegion(parent.level)) {
    const shared = parent.level === 'province' ? 2 : 4;
    if (unit.divisionCode.slice(0, shared) !== parent.divisionCode.slice(0, shared)) {
      errors.push({
        pointer: `${prefix}/divisionCode`,
        reason: `division code ${unit.divisionCode} does not lie within ${parent.divisionCode}`,
      });
    }
  }
  return errors;
}
