import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { Omittable } from '@govmatrix/common';
import { UnitLevel } from './unit-rules';

export class TenantRootDto {
  /** The region the tenant is, e.g. 湖南省. */
  @IsString()
  @Length(1, 200)
  name: string;

  @Omittable()
  @IsString()
  @Length(1, 50)
  shortName?: string;

  @ApiProperty({ enum: ['province', 'city', 'county'] })
  @IsIn(['province', 'city', 'county'])
  level: Exclude<UnitLevel, 'bureau'>;

  @Matches(/^[0-9]{6}$/)
  divisionCode: string;

  @Omittable()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/)
  code?: string;
}

export class TenantAdminDto {
  @Matches(/^[a-z0-9][a-z0-9._-]{2,63}$/)
  username: string;

  @IsString()
  @Length(1, 100)
  displayName: string;

  /** At least 12 characters. */
  @IsString()
  @Length(12, 256)
  password: string;
}

export class CreateTenantDto {
  /** URL-safe identifier used at login, e.g. `hunan`. */
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/)
  slug: string;

  @IsString()
  @Length(1, 200)
  name: string;

  /** The root unit of the tenant's tree. */
  @IsDefined()
  @ValidateNested()
  @Type(() => TenantRootDto)
  root: TenantRootDto;

  /** The first tenant admin, bound to the root unit. */
  @IsDefined()
  @ValidateNested()
  @Type(() => TenantAdminDto)
  admin: TenantAdminDto;
}

export class TenantDto {
  id: string;
  slug: string;
  name: string;
  active: boolean;
  createdAt: string;
}

export class CreatedTenantDto extends TenantDto {
  rootUnitId: string;
  adminUserId: string;
}

export class TenantListDto {
  items: TenantDto[];
}
