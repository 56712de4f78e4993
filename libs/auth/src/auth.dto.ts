import { ApiProperty } from '@nestjs/swagger';
import { IsArray, IsIn, IsString, Length, Matches } from 'class-validator';
import { Omittable } from '@govmatrix/common';
import { CLIENT_SCOPES, ClientScope, ROLES, Role } from './permissions';

export class LoginDto {
  /** Tenant slug; omit to log in as a SaaS operator. */
  @Omittable()
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/)
  tenant?: string;

  @IsString()
  @Length(1, 64)
  username: string;

  @IsString()
  @Length(1, 256)
  password: string;
}

export class RefreshDto {
  @IsString()
  @Length(10, 200)
  refreshToken: string;
}

export class ClientTokenDto {
  @IsString()
  @Length(4, 100)
  clientId: string;

  @IsString()
  @Length(10, 200)
  clientSecret: string;

  /** Narrow the token to some of the client's scopes; all of them when omitted. */
  @Omittable()
  @IsArray()
  @IsIn(CLIENT_SCOPES, { each: true })
  scopes?: ClientScope[];
}

export class TokenResponseDto {
  accessToken: string;
  /** Always `Bearer`. */
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  /** Present for user and operator logins; rotate it through /v1/auth/refresh. */
  refreshToken?: string;
  /** For machine clients: the scopes granted. */
  @ApiProperty({ enum: CLIENT_SCOPES, isArray: true, required: false })
  scopes?: ClientScope[];
}

export class MeDto {
  @ApiProperty({ enum: ['operator', 'user', 'client'] })
  kind: 'operator' | 'user' | 'client';
  subjectId: string;
  tenantId?: string;
  unitId?: string;
  @ApiProperty({ enum: ROLES, required: false })
  role?: Role;
  @ApiProperty({ enum: CLIENT_SCOPES, isArray: true })
  scopes: ClientScope[];
  /** The permissions this caller holds. */
  permissions: string[];
}
