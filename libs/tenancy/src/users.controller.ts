import { Body, Controller, Get, HttpCode, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { UuidParam } from '@govmatrix/common';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto, UserDto, UserPageDto } from './users.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@Controller('v1/users')
export class UsersController {
  constructor(private readonly service: UsersService) {}

  @RequirePermission(Permission.UsersRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.UsersRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<UserDto> {
    return this.service.get(auth, id);
  }

  @RequirePermission(Permission.UsersWrite)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateUserDto): Promise<UserDto> {
    return this.service.create(auth, dto);
  }

  /** Change name, password, role or unit; a new password, role or unit ends the user's sessions. */
  @RequirePermission(Permission.UsersWrite)
  @Patch(':id')
  update(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: UpdateUserDto): Promise<UserDto> {
    return this.service.update(auth, id, dto);
  }

  @RequirePermission(Permission.UsersWrite)
  @Post(':id/deactivate')
  @HttpCode(200)
  deactivate(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<UserDto> {
    return this.service.deactivate(auth, id);
  }
}
