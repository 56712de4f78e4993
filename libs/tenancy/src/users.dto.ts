import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, Length, Matches } from 'class-validator';
import { TENANT_ROLES, TenantRole } from '@govmatrix/auth';
import { Omittable, PageQueryDto } from '@govmatrix/common';

export class CreateUserDto {
  /** Lower-case login name, unique in the tenant. */
  @Matches(/^[a-z0-9][a-z0-9._-]{2,63}$/)
  username: string;

  @IsString()
  @Length(1, 100)
  displayName: string;

  /** At least 12 characters. */
  @IsString()
  @Length(12, 256)
  password: string;

  @ApiProperty({ enum: TENANT_ROLES })
  @IsIn(TENANT_ROLES)
  role: TenantRole;

  /** The unit the user belongs to; its subtree is the user's scope (an auditor: a supervising office). */
  @IsUUID()
  unitId: string;
}

export class UpdateUserDto {
  @Omittable()
  @IsString()
  @Length(1, 100)
  displayName?: string;

  @Omittable()
  @IsString()
  @Length(12, 256)
  password?: string;

  @Omittable()
  @ApiProperty({ enum: TENANT_ROLES, required: false })
  @IsIn(TENANT_ROLES)
  role?: TenantRole;

  @Omittable()
  @IsUUID()
  unitId?: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @Omittable()
  @ApiProperty({ enum: TENANT_ROLES, required: false })
  @IsIn(TENANT_ROLES)
  role?: TenantRole;

  @Omittable()
  @IsUUID()
  unitId?: string;
}

export class UserDto {
  id: string;
  username: string;
  displayName: string;
  @ApiProperty({ enum: TENANT_ROLES })
  role: TenantRole;
  unitId: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
}

export class UserPageDto {
  items: UserDto[];
  nextCursor?: string;
}
