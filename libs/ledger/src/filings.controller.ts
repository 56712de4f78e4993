import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { UuidParam } from '@govmatrix/common';
import {
  AcceptFilingDto,
  ChangeFilingDto,
  ClosureFilingDto,
  FilingDto,
  FilingPageDto,
  ListFilingsQueryDto,
  OpeningFilingDto,
  ReturnFilingDto,
} from './filings.dto';
import { FilingsService } from './filings.service';

@ApiTags('filings')
@Controller('v1')
export class FilingsController {
  constructor(private readonly service: FilingsService) {}

  /** File an opening (R1): the leadership decision and approver; needs the full responsibility chain (R6). */
  @RequirePermission(Permission.FilingsSubmit)
  @Post('accounts/:id/filings/opening')
  submitOpening(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: OpeningFilingDto): Promise<FilingDto> {
    return this.service.submitOpening(auth, id, dto);
  }

  @RequirePermission(Permission.FilingsSubmit)
  @Post('accounts/:id/filings/change')
  submitChange(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: ChangeFilingDto): Promise<FilingDto> {
    return this.service.submitChange(auth, id, dto);
  }

  /** File a closure (R2) with the announcement as evidence; the account must be closing. */
  @RequirePermission(Permission.FilingsSubmit)
  @Post('accounts/:id/filings/closure')
  submitClosure(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: ClosureFilingDto): Promise<FilingDto> {
    return this.service.submitClosure(auth, id, dto);
  }

  /** Filings in your scope, oldest first: `status=submitted` is the review queue. */
  @RequirePermission(Permission.AccountsRead)
  @Get('filings')
  list(@Auth() auth: AuthContext, @Query() query: ListFilingsQueryDto): Promise<FilingPageDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.AccountsRead)
  @Get('filings/:id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<FilingDto> {
    return this.service.get(auth, id);
  }

  @RequirePermission(Permission.FilingsReview)
  @Post('filings/:id/accept')
  @HttpCode(200)
  accept(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: AcceptFilingDto): Promise<FilingDto> {
    return this.service.accept(auth, id, dto);
  }

  /** Return the filing to the unit with reasons; the unit answers with a new filing of the same kind. */
  @RequirePermission(Permission.FilingsReview)
  @Post('filings/:id/return')
  @HttpCode(200)
  returnFiling(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: ReturnFilingDto): Promise<FilingDto> {
    return this.service.returnFiling(auth, id, dto.reasons);
  }
}
