import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { Omittable, PageQueryDto } from '@govmatrix/common';
import { SECTOR_PATTERN, UNIT_LEVELS, UnitLevel } from './unit-rules';

const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class CreateUnitDto {
  /** Parent unit; must be inside the caller's subtree. */
  @IsUUID()
  parentId: string;

  /** Stable code of the unit within the tenant (used by imports to refer to parents). */
  @Omittable()
  @Matches(CODE_PATTERN)
  code?: string;

  /** Registered name, e.g. 长沙市天心区公安分局. */
  @IsString()
  @Length(1, 200)
  name: string;

  /** Registered short name, used by the account naming check, e.g. 天心公安. */
  @Omittable()
  @IsString()
  @Length(1, 50)
  shortName?: string;

  @ApiProperty({ enum: UNIT_LEVELS })
  @IsIn(UNIT_LEVELS)
  level: UnitLevel;

  /** 6-digit administrative division code (GB/T 2260), regions only. */
  @Omittable()
  @Matches(/^[0-9]{6}$/)
  divisionCode?: string;

  /** Sector system (行业系统), e.g. public_security, court; `government` for a people's government. */
  @Omittable()
  @Matches(SECTOR_PATTERN)
  sector?: string;

  /** The unit above this one in its sector system (a county court's intermediate court). */
  @Omittable()
  @IsUUID()
  sectorParentId?: string;

  /** The region's supervising office (网信办): its auditors act on the region's whole subtree. */
  @Omittable()
  @IsBoolean()
  supervisor?: boolean;
}

export class UpdateUnitDto {
  @Omittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  @Omittable()
  @IsString()
  @Length(1, 50)
  shortName?: string;

  @Omittable()
  @Matches(CODE_PATTERN)
  code?: string;

  @Omittable()
  @Matches(/^[0-9]{6}$/)
  divisionCode?: string;

  @Omittable()
  @Matches(SECTOR_PATTERN)
  sector?: string;

  /** Set to null to clear. */
  @IsOptional()
  @IsUUID()
  sectorParentId?: string | null;

  @Omittable()
  @IsBoolean()
  supervisor?: boolean;
}

export class MoveUnitDto {
  /** The new parent; the unit's whole subtree moves with it. */
  @IsUUID()
  parentId: string;

  /** The region's new division code, when it changes with the parent (a county moving to another city). */
  @Omittable()
  @Matches(/^[0-9]{6}$/)
  divisionCode?: string;
}

export class DeactivateUnitDto {
  /** Also deactivate every unit below; without it a unit with active descendants is refused. */
  @Omittable()
  @IsBoolean()
  cascade?: boolean;
}

export class ListUnitsQueryDto extends PageQueryDto {
  /** Root of the subtree to list (default: the caller's own scope). */
  @Omittable()
  @IsUUID()
  under?: string;

  @Omittable()
  @ApiProperty({ enum: UNIT_LEVELS, required: false })
  @IsIn(UNIT_LEVELS)
  level?: UnitLevel;

  @Omittable()
  @Matches(SECTOR_PATTERN)
  sector?: string;

  @Omittable()
  @Transform(toBoolean)
  @IsBoolean()
  active?: boolean;

  /** Name search (substring, Chinese included). */
  @Omittable()
  @IsString()
  @Length(1, 100)
  q?: string;
}

export class ImportUnitRowDto {
  @Matches(CODE_PATTERN)
  code: string;

  /** Code of the parent: a row of this import or an existing unit. Absent: under the import's parent. */
  @Omittable()
  @Matches(CODE_PATTERN)
  parentCode?: string;

  @IsString()
  @Length(1, 200)
  name: string;

  @Omittable()
  @IsString()
  @Length(1, 50)
  shortName?: string;

  @ApiProperty({ enum: UNIT_LEVELS })
  @IsIn(UNIT_LEVELS)
  level: UnitLevel;

  @Omittable()
  @Matches(/^[0-9]{6}$/)
  divisionCode?: string;

  @Omittable()
  @Matches(SECTOR_PATTERN)
  sector?: string;

  /** Code of the sector parent: a row of this import or an existing unit. */
  @Omittable()
  @Matches(CODE_PATTERN)
  sectorParentCode?: string;

  @Omittable()
  @IsBoolean()
  supervisor?: boolean;
}

export const MAX_IMPORT_ROWS = 50_000;

export class ImportUnitsDto {
  /** Where rows without a parentCode go (default: the caller's scope root). */
  @Omittable()
  @IsUUID()
  parentId?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_ROWS)
  @ValidateNested({ each: true })
  @Type(() => ImportUnitRowDto)
  units: ImportUnitRowDto[];
}

export class ImportUnitsQueryDto {
  /** For CSV imports: where rows without a parent_code go. */
  @Omittable()
  @IsUUID()
  parentId?: string;
}

export class ImportResultDto {
  /** Number of units created. */
  created: number;
}

export class UnitDto {
  id: string;
  parentId: string | null;
  code: string | null;
  name: string;
  shortName: string | null;
  @ApiProperty({ enum: UNIT_LEVELS })
  level: UnitLevel;
  divisionCode: string | null;
  sector: string;
  sectorParentId: string | null;
  supervisor: boolean;
  active: boolean;
  /** 1 for the tenant's root. */
  depth: number;
  createdAt: string;
  updatedAt: string;
}

export class UnitPageDto {
  items: UnitDto[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}
