import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsString, Length, Max, Min, ValidateNested } from 'class-validator';
import { Omittable } from '@govmatrix/common';

export class NamingRuleDto {
  /** `unit_or_region`: the name must contain the unit's or its region's name or short name (R5); `off`: no check. */
  @ApiProperty({ enum: ['unit_or_region', 'off'] })
  @IsIn(['unit_or_region', 'off'])
  mode: 'unit_or_region' | 'off';

  /** Further accepted fragments, e.g. a brand the tenant registered (平安长沙). */
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 40, { each: true })
  extraKeywords: string[];
}

export class LedgerSettingsDto {
  /** R1: working days to file an opening. */
  openingFilingDays: number;
  /** R2: working days to file a closure. */
  closureFilingDays: number;
  /** R5: the naming check run on opening and change. */
  naming: NamingRuleDto;
}

export class UpdateLedgerSettingsDto {
  /** R1: working days to file an opening (1–60). */
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(60)
  openingFilingDays?: number;

  /** R2: working days to file a closure (1–60). */
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(60)
  closureFilingDays?: number;

  /** Replaces the whole naming rule when given. */
  @Omittable()
  @ValidateNested()
  @Type(() => NamingRuleDto)
  naming?: NamingRuleDto;
}
