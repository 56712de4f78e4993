import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { chinaToday } from '@govmatrix/calendar';
import { JobRegistry } from './job-registry';
import { JobRunner } from './job-runner';
import { JobRunRecord, JobsRepository } from './jobs.repository';
import { JobRunDto, JobRunListDto, ListJobRunsQueryDto, TriggerJobDto, TriggerResultDto } from './jobs.dto';

const toJobRunDto = (r: JobRunRecord): JobRunDto => ({
  id: r.id,
  job: r.job,
  runKey: r.runKey,
  status: r.status,
  startedAt: new Date(r.startedAt).toISOString(),
  finishedAt: new Date(r.finishedAt).toISOString(),
  counts: r.counts,
  error: r.error,
  triggeredBy: r.triggeredBy,
  worker: r.worker,
});

@ApiTags('jobs')
@Controller('v1/jobs')
export class JobsController {
  constructor(
    private readonly registry: JobRegistry,
    private readonly runner: JobRunner,
    private readonly jobs: JobsRepository,
    private readonly tx: TransactionHost,
  ) {}

  /** Recent runs of your tenant's jobs (inspection, escalation, assessment). */
  @RequirePermission(Permission.JobsRead)
  @Get('runs')
  async runs(@Auth() auth: AuthContext, @Query() query: ListJobRunsQueryDto): Promise<JobRunListDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => ({
      items: (await this.jobs.list(caller.tenantId, query.job, 100)).map(toJobRunDto),
    }));
  }

  /** Run a job now for your tenant, for a date (re-runnable with `force`: no double effects). */
  @RequirePermission(Permission.JobsRun)
  @Post(':job/runs')
  @HttpCode(200)
  async trigger(@Auth() auth: AuthContext, @Param('job') name: string, @Body() dto: TriggerJobDto): Promise<TriggerResultDto> {
    const caller = requireTenantCaller(auth);
    const job = this.registry.get(name);
    const runKey = job.runKeyFor(dto.date ?? chinaToday());
    const [outcome] = await this.runner.run(job, runKey, {
      force: dto.force,
      tenantId: caller.tenantId,
      triggeredBy: `${caller.kind}:${caller.subjectId}`,
    });
    return { job: name, runKey, status: outcome.status, run: outcome.status === 'ran' ? toJobRunDto(outcome.run) : undefined };
  }
}
