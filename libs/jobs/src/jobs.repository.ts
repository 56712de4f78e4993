import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

export interface JobRunRecord {
  id: string;
  job: string;
  runKey: string;
  status: 'succeeded' | 'failed' | 'skipped';
  startedAt: Date;
  finishedAt: Date;
  counts: Record<string, unknown>;
  error: string | null;
  triggeredBy: string;
  worker: string;
}

const COLUMNS = `id, job, run_key AS "runKey", status, started_at AS "startedAt", finished_at AS "finishedAt", counts, error,
  triggered_by AS "triggeredBy", worker`;

@Injectable()
export class JobsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async tenantScopes(): Promise<{ tenantId: string; rootPath: string }[]> {
    return this.tx.manager.query(`SELECT tenant_id AS "tenantId", root_path::text AS "rootPath" FROM tenant_root_scopes()`);
  }

  /** One worker at a time per job, key and tenant; false when another holds it. */
  async tryClaim(tenantId: string, job: string, runKey: string): Promise<boolean> {
    const [row]: { claimed: boolean }[] = await this.tx.manager.query(
      `SELECT pg_try_advisory_xact_lock(hashtextextended('job:' || $1 || ':' || $2 || ':' || $3, 0)) AS claimed`,
      [tenantId, job, runKey],
    );
    return row.claimed;
  }

  async succeeded(tenantId: string, job: string, runKey: string): Promise<boolean> {
    const rows = await this.tx.manager.query(
      `SELECT 1 FROM job_runs WHERE tenant_id = $1 AND job = $2 AND run_key = $3 AND status = 'succeeded'`,
      [tenantId, job, runKey],
    );
    return rows.length > 0;
  }

  /** A forced re-run replaces the earlier success of the same key. */
  async forgetSuccess(tenantId: string, job: string, runKey: string): Promise<void> {
    await this.tx.manager.query(`DELETE FROM job_runs WHERE tenant_id = $1 AND job = $2 AND run_key = $3 AND status = 'succeeded'`, [
      tenantId,
      job,
      runKey,
    ]);
  }

  async record(
    tenantId: string,
    run: {
      job: string;
      runKey: string;
      status: JobRunRecord['status'];
      startedAt: Date;
      counts: object;
      error?: string;
      triggeredBy: string;
      worker: string;
    },
  ): Promise<JobRunRecord> {
    const [row]: JobRunRecord[] = await this.tx.manager.query(
      `INSERT INTO job_runs (tenant_id, job, run_key, status, started_at, counts, error, triggered_by, worker)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [
        tenantId,
        run.job,
        run.runKey,
        run.status,
        run.startedAt,
        JSON.stringify(run.counts),
        run.error ?? null,
        run.triggeredBy,
        run.worker,
      ],
    );
    return row;
  }

  async list(tenantId: string, job: string | undefined, limit: number): Promise<JobRunRecord[]> {
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM job_runs WHERE tenant_id = $1 AND ($2::text IS NULL OR job = $2) ORDER BY started_at DESC LIMIT $3`,
      [tenantId, job ?? null, limit],
    );
  }
}
