import { ApiProperty } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsString, IsUUID, Length } from 'class-validator';
import { CLIENT_SCOPES, ClientScope } from '@govmatrix/auth';
import { PageQueryDto } from '@govmatrix/common';

export class CreateClientDto {
  /** What the client is, e.g. 天心区政务公开平台. */
  @IsString()
  @Length(1, 100)
  name: string;

  /** The unit whose subtree the client reports for. */
  @IsUUID()
  unitId: string;

  @ApiProperty({ enum: CLIENT_SCOPES, isArray: true })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(CLIENT_SCOPES, { each: true })
  scopes: ClientScope[];
}

export class ListClientsQueryDto extends PageQueryDto {}

export class ClientDto {
  id: string;
  /** Public identifier used with the secret at /v1/auth/token. */
  clientId: string;
  name: string;
  unitId: string;
  @ApiProperty({ enum: CLIENT_SCOPES, isArray: true })
  scopes: ClientScope[];
  active: boolean;
  createdAt: string;
}

export class ClientWithSecretDto extends ClientDto {
  /** Shown once, here; only its hash is stored. */
  clientSecret: string;
}

export class ClientPageDto {
  items: ClientDto[];
  nextCursor?: string;
}
