import { Injectable } from '@nestjs/common';
import { NotFoundError } from '@govmatrix/common';
import { TenantJob } from './job-runner';

/** A scheduled job as the API can trigger it: its work and how a date becomes its run key. */
export interface RegisteredJob extends TenantJob {
  /** The run key for a date (YYYY-MM-DD): the date itself for daily jobs, the year for yearly ones. */
  runKeyFor(date: string): string;
}

/** Jobs register themselves at module init; the scheduler and the API find them here by name. */
@Injectable()
export class JobRegistry {
  private readonly jobs = new Map<string, RegisteredJob>();

  register(job: RegisteredJob): void {
    this.jobs.set(job.name, job);
  }

  get(name: string): RegisteredJob {
    const job = this.jobs.get(name);
    if (!job) throw new NotFoundError('Job', name);
    return job;
  }

  names(): string[] {
    return [...this.jobs.keys()].sort();
  }
}
