import { Module } from '@nestjs/common';
import { ClientsController } from './clients.controller';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';
import { SessionsRepository } from './sessions.repository';
import { TenantsController } from './tenants.controller';
import { TenantsRepository } from './tenants.repository';
import { TenantsService } from './tenants.service';
import { UnitsController } from './units.controller';
import { UnitsRepository } from './units.repository';
import { UnitsService } from './units.service';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Tenants, their unit trees, users and machine clients. */
@Module({
  controllers: [TenantsController, UnitsController, UsersController, ClientsController],
  providers: [
    TenantsService,
    TenantsRepository,
    UnitsService,
    UnitsRepository,
    UsersService,
    UsersRepository,
    ClientsService,
    ClientsRepository,
    SessionsRepository,
  ],
  exports: [UnitsRepository, UnitsService, TenantsService, UsersService, ClientsService],
})
export class TenancyModule {}
