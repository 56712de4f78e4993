import { Body, Controller, Get, Headers, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AuditEntryPageDto } from '@govmatrix/audit';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { PageQueryDto, UuidParam } from '@govmatrix/common';
import { IdempotencyService } from '@govmatrix/reporting';
import {
  AcceptRectificationDto,
  CaseDetailDto,
  CasePageDto,
  ListCasesQueryDto,
  OpenCaseDto,
  RectificationReportDto,
  ReturnRectificationDto,
} from './cases.dto';
import { CasesService } from './cases.service';

@ApiTags('sanctions')
@Controller('v1/cases')
export class CasesController {
  constructor(private readonly service: CasesService) {}

  /**
   * Open a case (处置) on open findings of one account with a measure and a rectification deadline in
   * working days. Names the responsible persons of record (R6); an active account becomes
   * `rectifying`, and a forced closure makes it `force_closed` at once.
   */
  @RequirePermission(Permission.CasesWrite)
  @Post()
  open(@Auth() auth: AuthContext, @Body() dto: OpenCaseDto): Promise<CaseDetailDto> {
    return this.service.open(auth, dto);
  }

  /** Cases of accounts in your scope, newest first (`overdue=true`: waiting for rectification past the deadline). */
  @RequirePermission(Permission.CasesRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListCasesQueryDto): Promise<CasePageDto> {
    return this.service.list(auth, query);
  }

  /** The case with its findings, persons of record, deadline and every step. */
  @RequirePermission(Permission.CasesRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<CaseDetailDto> {
    return this.service.get(auth, id);
  }

  /** The case's audit trail (append-only, hash-chained). */
  @RequirePermission(Permission.AuditRead)
  @Get(':id/history')
  history(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: PageQueryDto): Promise<AuditEntryPageDto> {
    return this.service.history(auth, id, query);
  }

  /** The unit's rectification report; a retry with the same Idempotency-Key gets the first answer. */
  @RequirePermission(Permission.RectificationSubmit)
  @Post(':id/rectifications')
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Reused on every retry of the same report (8–200 characters).' })
  async submitRectification(
    @Auth() auth: AuthContext,
    @UuidParam() id: string,
    @Body() dto: RectificationReportDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CaseDetailDto> {
    const requestHash = IdempotencyService.requestHash(req.method, req.path, dto);
    const answer = await this.service.submitRectification(auth, id, { dto, idempotencyKey: key, requestHash });
    res.status(answer.status);
    if (answer.replayed) res.setHeader('Idempotency-Replayed', 'true');
    return answer.body;
  }

  /** Accept the rectification: the case is resolved (the account active again when no other case is open). */
  @RequirePermission(Permission.CasesWrite)
  @Post(':id/accept')
  @HttpCode(200)
  accept(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: AcceptRectificationDto): Promise<CaseDetailDto> {
    return this.service.accept(auth, id, dto);
  }

  /** Return the rectification with reasons: the case waits for rectification again. */
  @RequirePermission(Permission.CasesWrite)
  @Post(':id/return')
  @HttpCode(200)
  returnRectification(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: ReturnRectificationDto): Promise<CaseDetailDto> {
    return this.service.returnRectification(auth, id, dto);
  }
}
