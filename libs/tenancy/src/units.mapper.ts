import { UnitDto } from './units.dto';
import { UnitRecord } from './units.repository';

export function toUnitDto(unit: UnitRecord): UnitDto {
  return {
    id: unit.id,
    parentId: unit.parentId,
    code: unit.code,
    name: unit.name,
    shortName: unit.shortName,
    level: unit.level,
    divisionCode: unit.divisionCode,
    sector: unit.sector,
    sectorParentId: unit.sectorParentId,
    supervisor: unit.supervisor,
    active: unit.active,
    depth: unit.path.split('.').length,
    createdAt: new Date(unit.createdAt).toISOString(),
    updatedAt: new Date(unit.updatedAt).toISOString(),
  };
}
