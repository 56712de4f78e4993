import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { UuidParam } from '@govmatrix/common';
import { CreatedTenantDto, CreateTenantDto, TenantDto, TenantListDto } from './tenants.dto';
import { TenantsService } from './tenants.service';

@ApiTags('tenants')
@Controller('v1/tenants')
export class TenantsController {
  constructor(private readonly service: TenantsService) {}

  /** Create a tenant with its root unit and first tenant admin (operator only). */
  @RequirePermission(Permission.TenantsCreate)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateTenantDto): Promise<CreatedTenantDto> {
    return this.service.create(auth, dto);
  }

  @RequirePermission(Permission.TenantsRead)
  @Get()
  list(@Auth() auth: AuthContext): Promise<TenantListDto> {
    return this.service.list(auth);
  }

  @RequirePermission(Permission.TenantsRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<TenantDto> {
    return this.service.get(auth, id);
  }
}
