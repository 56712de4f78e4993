import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { UuidParam } from '@govmatrix/common';
import {
  CloseFindingDto,
  CreateFindingDto,
  FindingDto,
  FindingPageDto,
  ListFindingsQueryDto,
  SpotCheckDto,
  SpotCheckQueryDto,
} from './findings.dto';
import { FindingsService } from './findings.service';

@ApiTags('inspection')
@Controller('v1')
export class FindingsController {
  constructor(private readonly service: FindingsService) {}

  /** Findings in your scope, newest first: the daily inspection's and auditors' own. */
  @RequirePermission(Permission.FindingsRead)
  @Get('findings')
  list(@Auth() auth: AuthContext, @Query() query: ListFindingsQueryDto): Promise<FindingPageDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.FindingsRead)
  @Get('findings/:id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<FindingDto> {
    return this.service.get(auth, id);
  }

  /** Enter a finding the inspection cannot see (content error, secrecy incident, faked influence). */
  @RequirePermission(Permission.FindingsWrite)
  @Post('findings')
  create(@Auth() auth: AuthContext, @Body() dto: CreateFindingDto): Promise<FindingDto> {
    return this.service.create(auth, dto);
  }

  @RequirePermission(Permission.FindingsWrite)
  @Post('findings/:id/close')
  @HttpCode(200)
  close(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: CloseFindingDto): Promise<FindingDto> {
    return this.service.close(auth, id, dto.note);
  }

  /** A reproducible spot-check sample of live accounts: the same seed, the same accounts. */
  @RequirePermission(Permission.FindingsWrite)
  @Get('spot-checks')
  spotCheck(@Auth() auth: AuthContext, @Query() query: SpotCheckQueryDto): Promise<SpotCheckDto> {
    return this.service.spotCheck(auth, query);
  }
}
