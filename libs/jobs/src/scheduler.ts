import { Injectable, Logger } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { chinaToday, dayBefore } from '@govmatrix/calendar';
import { JobRegistry } from './job-registry';
import { JobRunner } from './job-runner';

/**
 * The schedule, in China time. Every replica may run it: the runner lets one worker do each
 * tenant's work once per key.
 */
@Injectable()
export class Scheduler {
  private readonly logger = new Logger('Scheduler');

  constructor(
    private readonly registry: JobRegistry,
    private readonly runner: JobRunner,
  ) {}

  /** 01:30 every day: the daily inspection of yesterday's data, as of today. */
  @Cron('0 30 1 * * *', { timeZone: 'Asia/Shanghai', name: 'daily_inspection' })
  async dailyInspection(): Promise<void> {
    await this.runScheduled('daily_inspection', chinaToday());
  }

  /** Every hour: cases past their rectification deadline escalate. */
  @Cron('0 5 * * * *', { timeZone: 'Asia/Shanghai', name: 'case_escalation' })
  async hourlyEscalation(): Promise<void> {
    await this.runScheduled('case_escalation', chinaToday());
  }

  /** 02:00 every day: the yearly assessment runs on each tenant's assessment date (the job checks). */
  @Cron('0 0 2 * * *', { timeZone: 'Asia/Shanghai', name: 'yearly_assessment' })
  async yearlyAssessment(): Promise<void> {
    await this.runScheduled('yearly_assessment', dayBefore(chinaToday()));
  }

  private async runScheduled(name: string, date: string): Promise<void> {
    if (!this.registry.names().includes(name)) return;
    const job = this.registry.get(name);
    try {
      const outcomes = await this.runner.run(job, job.runKeyFor(date), { triggeredBy: 'schedule' });
      this.logger.log(`scheduled ${name} ${date}: ${outcomes.map((o) => `${o.tenantId} ${o.status}`).join(', ') || 'no tenants'}`);
    } catch (error) {
      this.logger.error(`scheduled ${name} failed: ${String(error)}`, (error as Error)?.stack);
    }
  }
}
