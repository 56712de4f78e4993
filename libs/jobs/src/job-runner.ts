import { hostname } from 'node:os';
import { Injectable, Logger } from '@nestjs/common';
import { OPERATOR_SCOPE, tenantScope, TransactionHost } from '@govmatrix/database';
import { JobRunRecord, JobsRepository } from './jobs.repository';

/** A job's work for one tenant; runs inside that tenant's transaction (its whole tree in scope). */
export interface TenantJob {
  name: string;
  run(tenant: { tenantId: string; rootPath: string }, runKey: string): Promise<Record<string, unknown>>;
}

export interface RunOptions {
  /** Re-run even when this key already succeeded (the job itself must be free of double effects). */
  force?: boolean;
  triggeredBy: string;
  /** Only this tenant (API-triggered runs); all tenants otherwise. */
  tenantId?: string;
}

export type TenantRunOutcome = { tenantId: string } & (
  { status: 'claimed_elsewhere' | 'already_done' } | { status: 'ran'; run: JobRunRecord }
);

const WORKER = `${hostname()}:${process.pid}`;

/**
 * Runs a job once per tenant and key, however many replicas run the schedule: each tenant's work
 * and its success record commit in one transaction under a transaction-level advisory lock, and a
 * key that already succeeded is skipped. A failure is recorded in a transaction of its own.
 */
@Injectable()
export class JobRunner {
  private readonly logger = new Logger('Jobs');

  constructor(
    private readonly tx: TransactionHost,
    private readonly jobs: JobsRepository,
  ) {}

  async run(job: TenantJob, runKey: string, options: RunOptions): Promise<TenantRunOutcome[]> {
    const tenants = await this.tx.run(OPERATOR_SCOPE, () => this.jobs.tenantScopes());
    const outcomes: TenantRunOutcome[] = [];
    for (const tenant of tenants.filter((t) => !options.tenantId || t.tenantId === options.tenantId)) {
      outcomes.push(await this.runForTenant(job, runKey, tenant, options));
    }
    return outcomes;
  }

  private async runForTenant(
    job: TenantJob,
    runKey: string,
    tenant: { tenantId: string; rootPath: string },
    options: RunOptions,
  ): Promise<TenantRunOutcome> {
    const scope = tenantScope(tenant.tenantId, tenant.rootPath);
    const startedAt = new Date();
    try {
      return await this.tx.run(scope, async (): Promise<TenantRunOutcome> => {
        if (!(await this.jobs.tryClaim(tenant.tenantId, job.name, runKey)))
          return { tenantId: tenant.tenantId, status: 'claimed_elsewhere' };
        if (await this.jobs.succeeded(tenant.tenantId, job.name, runKey)) {
          if (!options.force) return { tenantId: tenant.tenantId, status: 'already_done' };
          await this.jobs.forgetSuccess(tenant.tenantId, job.name, runKey);
        }
        const counts = await job.run(tenant, runKey);
        const run = await this.jobs.record(tenant.tenantId, {
          job: job.name,
          runKey,
          status: 'succeeded',
          startedAt,
          counts,
          triggeredBy: options.triggeredBy,
          worker: WORKER,
        });
        return { tenantId: tenant.tenantId, status: 'ran', run };
      });
    } catch (error) {
      this.logger.error(`job ${job.name} ${runKey} failed for tenant ${tenant.tenantId}: ${String(error)}`, (error as Error)?.stack);
      const run = await this.tx.run(scope, () =>
        this.jobs.record(tenant.tenantId, {
          job: job.name,
          runKey,
          status: 'failed',
          startedAt,
          counts: {},
          error: error instanceof Error ? error.message : String(error),
          triggeredBy: options.triggeredBy,
          worker: WORKER,
        }),
      );
      return { tenantId: tenant.tenantId, status: 'ran', run };
    }
  }
}
