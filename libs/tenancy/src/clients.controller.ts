import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { UuidParam } from '@govmatrix/common';
import { ClientDto, ClientPageDto, ClientWithSecretDto, CreateClientDto, ListClientsQueryDto } from './clients.dto';
import { ClientsService } from './clients.service';

@ApiTags('clients')
@Controller('v1/clients')
export class ClientsController {
  constructor(private readonly service: ClientsService) {}

  @RequirePermission(Permission.ClientsRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListClientsQueryDto): Promise<ClientPageDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.ClientsRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<ClientDto> {
    return this.service.get(auth, id);
  }

  /** Register a machine client; the secret is in this answer only. */
  @RequirePermission(Permission.ClientsWrite)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateClientDto): Promise<ClientWithSecretDto> {
    return this.service.create(auth, dto);
  }

  @RequirePermission(Permission.ClientsWrite)
  @Post(':id/rotate-secret')
  @HttpCode(200)
  rotateSecret(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<ClientWithSecretDto> {
    return this.service.rotateSecret(auth, id);
  }

  @RequirePermission(Permission.ClientsWrite)
  @Post(':id/deactivate')
  @HttpCode(200)
  deactivate(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<ClientDto> {
    return this.service.deactivate(auth, id);
  }
}
