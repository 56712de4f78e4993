import { PLATFORMS } from '@govmatrix/ledger';
import { UnitLevel } from '@govmatrix/tenancy';
import { CoverageDto, CoverageStatsDto, InteractionCountsDto, MatrixUnitDto, UnitCoverageDto, UnitInteractionDto } from './matrix.dto';
import { CoverageCounts, CoverageGroupRow, MatrixUnitRow, UnitCoverageRow, UnitInteractionRow } from './matrix.repository';

/** A share rounded to 4 decimals; 0 for an empty group. */
export const share = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 10_000) / 10_000 : 0);

const EMPTY: CoverageCounts = {
  units: 0,
  covered: 0,
  twoMicroOneEnd: 0,
  platforms: Object.fromEntries(PLATFORMS.map((p) => [p, 0])) as CoverageCounts['platforms'],
};

export function toCoverageStatsDto(counts: CoverageCounts): CoverageStatsDto {
  return {
    units: counts.units,
    covered: counts.covered,
    coverage: share(counts.covered, counts.units),
    twoMicroOneEnd: counts.twoMicroOneEnd,
    twoMicroOneEndCoverage: share(counts.twoMicroOneEnd, counts.units),
    platforms: PLATFORMS.map((platform) => ({
      platform,
      covered: counts.platforms[platform],
      coverage: share(counts.platforms[platform], counts.units),
    })),
  };
}

export function toCoverageDto(unit: { id: string; name: string }, rows: CoverageGroupRow[]): CoverageDto {
  const of = (dimension: CoverageGroupRow['dimension']) => rows.filter((r) => r.dimension === dimension);
  return {
    unitId: unit.id,
    unitName: unit.name,
    overall: toCoverageStatsDto(of('all')[0] ?? EMPTY),
    byLevel: of('level').map((r) => ({ level: r.key as UnitLevel, ...toCoverageStatsDto(r) })),
    bySector: of('sector').map((r) => ({ sector: r.key!, ...toCoverageStatsDto(r) })),
    bySystem: of('system').map((r) => ({
      rootUnitId: r.key!,
      rootUnitName: r.rootName ?? '',
      sector: r.rootSector ?? '',
      ...toCoverageStatsDto(r),
    })),
  };
}

export const toUnitCoverageDto = ({ path: _path, ...row }: UnitCoverageRow): UnitCoverageDto => ({
  ...row,
  coverage: share(row.covered, row.units),
});

export const counts = (reposts: number, comments: number): InteractionCountsDto => ({ reposts, comments, total: reposts + comments });

export const toUnitInteractionDto = (r: UnitInteractionRow): UnitInteractionDto => ({
  unitId: r.unitId,
  unitName: r.unitName,
  level: r.level,
  sector: r.sector,
  accounts: r.accounts,
  upper: counts(r.upperReposts, r.upperComments),
  lower: counts(r.lowerReposts, r.lowerComments),
});

/** Rows and columns in the same order; a missing pair is 0. */
export function toMatrix(rows: MatrixUnitRow[]): { units: MatrixUnitDto[]; values: number[][] } {
  return {
    units: rows.map(({ id, name, level, volume }) => ({ id, name, level, volume })),
    values: rows.map((source) => rows.map((target) => source.cells[target.id] ?? 0)),
  };
}
