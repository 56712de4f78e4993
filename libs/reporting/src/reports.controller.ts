import { Body, Controller, Headers, HttpCode, Post, Query, RawBodyRequest, Req, Res } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { FilingReportsService, FilingsReportDto, FilingsReportResultDto } from './filing-reports';
import { IdempotencyService, IdempotentAnswer } from './idempotency';
import { InteractionsReportDto, MetricsReportDto, PostsReportDto, ReportQueryDto, ReportResultDto } from './reports.dto';
import { BatchRequest, ReportsService } from './reports.service';

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  required: false,
  description: 'A key per batch (8–200 characters), reused on every retry: the first answer is replayed, kept 7 days.',
};

/** Batches from subordinate portals. Bad rows are answered one by one; `atomic=true` makes a batch all or nothing. */
@ApiTags('reports')
@Controller('v1/reports')
export class ReportsController {
  constructor(
    private readonly service: ReportsService,
    private readonly filings: FilingReportsService,
  ) {}

  /** Opening, change and closure filings in bulk (at most 500), under the same rules as one by one. */
  @RequirePermission(Permission.FilingsSubmit)
  @Post('filings')
  @HttpCode(200)
  @ApiBody({ type: FilingsReportDto })
  @ApiHeader(IDEMPOTENCY_HEADER)
  fileBatch(
    @Auth() auth: AuthContext,
    @Body() body: unknown,
    @Query() query: ReportQueryDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<FilingsReportResultDto> {
    return answer(res, this.filings.report(auth, batchRequest(req, body, query, key)));
  }

  /** Daily metrics per account and day; a second report of a day replaces it (the old values are kept). */
  @RequirePermission(Permission.ReportsWrite)
  @Post('metrics')
  @HttpCode(200)
  @ApiBody({ type: MetricsReportDto })
  @ApiHeader(IDEMPOTENCY_HEADER)
  metrics(
    @Auth() auth: AuthContext,
    @Body() body: unknown,
    @Query() query: ReportQueryDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReportResultDto> {
    return answer(res, this.service.reportMetrics(auth, batchRequest(req, body, query, key)));
  }

  /** Account A reposted or commented on account B's post on a day: the basis of upper interaction and lower linkage. */
  @RequirePermission(Permission.ReportsWrite)
  @Post('interactions')
  @HttpCode(200)
  @ApiBody({ type: InteractionsReportDto })
  @ApiHeader(IDEMPOTENCY_HEADER)
  interactions(
    @Auth() auth: AuthContext,
    @Body() body: unknown,
    @Query() query: ReportQueryDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReportResultDto> {
    return answer(res, this.service.reportInteractions(auth, batchRequest(req, body, query, key)));
  }

  /** Posts, for content classification and inspection. */
  @RequirePermission(Permission.ReportsWrite)
  @Post('posts')
  @HttpCode(200)
  @ApiBody({ type: PostsReportDto })
  @ApiHeader(IDEMPOTENCY_HEADER)
  posts(
    @Auth() auth: AuthContext,
    @Body() body: unknown,
    @Query() query: ReportQueryDto,
    @Headers('idempotency-key') key: string | undefined,
    @Req() req: RawBodyRequest<Request>,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ReportResultDto> {
    return answer(res, this.service.reportPosts(auth, batchRequest(req, body, query, key)));
  }
}

function batchRequest(
  req: RawBodyRequest<Request>,
  body: unknown,
  query: ReportQueryDto,
  idempotencyKey: string | undefined,
): BatchRequest {
  const atomic = query.atomic ?? false;
  return {
    body,
    atomic,
    idempotencyKey,
    // The body as received (a retry resends the same bytes), hashed only when a key was sent.
    requestHash: () =>
      req.rawBody
        ? IdempotencyService.rawRequestHash(req.method, req.path, `atomic=${atomic}`, req.rawBody)
        : IdempotencyService.requestHash(req.method, req.path, { body, atomic }),
  };
}

async function answer<T>(res: Response, pending: Promise<IdempotentAnswer<T>>): Promise<T> {
  const result = await pending;
  res.status(result.status);
  if (result.replayed) res.setHeader('Idempotency-Replayed', 'true');
  return result.body;
}
