import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { NotFoundError, UuidParam } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { MetricDayDto, MetricDayQueryDto, MetricDaysDto, MetricRangeQueryDto } from './metrics.dto';
import { ReportingRepository } from './reporting.repository';

/** Reading back what was reported: a range of days of an account, and the replaced values of a day. */
@ApiTags('reports')
@Controller('v1/accounts/:id/metrics')
export class MetricsController {
  constructor(
    private readonly tx: TransactionHost,
    private readonly repository: ReportingRepository,
  ) {}

  @RequirePermission(Permission.MetricsRead)
  @Get()
  range(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: MetricRangeQueryDto): Promise<MetricDaysDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.requireAccount(caller, id);
      return { items: (await this.repository.metricsOf(caller.tenantId, caller.scopePath, id, query.from, query.to)).map(toMetricDay) };
    });
  }

  /** The values a late correction replaced, oldest first. */
  @RequirePermission(Permission.MetricsRead)
  @Get('history')
  history(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: MetricDayQueryDto): Promise<MetricDaysDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.requireAccount(caller, id);
      return { items: (await this.repository.metricHistory(caller.tenantId, caller.scopePath, id, query.day)).map(toMetricDay) };
    });
  }

  /** An account outside the caller's subtree is answered as not found, like everywhere else. */
  private async requireAccount(caller: { tenantId: string; scopePath: string }, id: string): Promise<void> {
    const found = await this.repository.accountsInScope(caller.tenantId, caller.scopePath, [id]);
    if (!found.has(id.toLowerCase())) throw new NotFoundError('Account', id);
  }
}

function toMetricDay(row: Record<string, unknown>): MetricDayDto {
  const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
  return {
    day: String(row.day),
    posts: Number(row.posts),
    originals: Number(row.originals),
    reposts: Number(row.reposts),
    comments: Number(row.comments),
    likes: Number(row.likes),
    reads: num(row.reads),
    plays: num(row.plays),
    followers: num(row.followers),
    newFollowers: Number(row.new_followers),
    messagesReceived: Number(row.messages_received),
    messagesAnswered: Number(row.messages_answered),
    medianAnswerMinutes: num(row.median_answer_minutes),
    postsGovernment: Number(row.posts_government),
    postsLivelihood: Number(row.posts_livelihood),
    postsBClass: Number(row.posts_b_class),
    reportedAt: new Date(row.reported_at as string).toISOString(),
    replacedAt: row.replaced_at ? new Date(row.replaced_at as string).toISOString() : undefined,
  };
}
