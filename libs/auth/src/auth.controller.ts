import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext } from './auth-context';
import { ClientTokenDto, LoginDto, MeDto, RefreshDto, TokenResponseDto } from './auth.dto';
import { AuthService } from './auth.service';
import { Public, RequirePermission } from './decorators';
import { Permission } from './permissions';

@ApiTags('auth')
@Controller('v1/auth')
export class AuthController {
  constructor(private readonly service: AuthService) {}

  /** Log in as a tenant user (with `tenant`) or as a SaaS operator (without). */
  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto): Promise<TokenResponseDto> {
    return this.service.login(dto);
  }

  /** Exchange a refresh token for new tokens; the old refresh token stops working. */
  @Public()
  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto): Promise<TokenResponseDto> {
    return this.service.refresh(dto.refreshToken);
  }

  /** Machine clients (subordinate portals): client credentials for an access token. */
  @Public()
  @Post('token')
  @HttpCode(200)
  clientToken(@Body() dto: ClientTokenDto): Promise<TokenResponseDto> {
    return this.service.clientToken(dto);
  }

  /** End this session: its access and refresh tokens stop working at once. */
  @RequirePermission(Permission.SelfRead)
  @Post('logout')
  @HttpCode(204)
  logout(@Auth() auth: AuthContext): Promise<void> {
    return this.service.logout(auth);
  }

  /** Who the token belongs to and what it may do. */
  @RequirePermission(Permission.SelfRead)
  @Get('me')
  me(@Auth() auth: AuthContext): MeDto {
    return this.service.me(auth);
  }
}
