import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, RegisteredJob } from '@govmatrix/jobs';
import { Actor, ScoreModelsService } from './score-models.service';
import { ScoringRunsRepository } from './scoring-runs.repository';
import { ScoringRunsService } from './scoring-runs.service';
import { ScoringSettingsRepository } from './scoring-settings';

export const YEARLY_ASSESSMENT = 'yearly_assessment';

/** The scheduled assessment acts as the system, not as a user. */
export const SYSTEM_ACTOR: Actor = { kind: 'system', subjectId: null };

/**
 * The yearly assessment (R10): from the tenant's assessment date (default 15 January) the previous
 * year is scored over the whole tenant with the tenant's model and published as a yearly run.
 *
 * The scheduler calls it every day with yesterday's date. The run key is that date, not the assessed
 * year: the key is chosen before the tenant is known (one key for all tenants), while the assessment
 * date is each tenant's own, and a key that succeeded is never run again — a year key would be used
 * up by the first day of January, before any tenant is due. So every day is its own key and the job
 * checks: before the tenant's date it does nothing; on or after it, it publishes the previous year
 * unless a yearly run of that year with that model exists. A missed day (worker down on 15 January)
 * is caught up the next day; re-running a date, forced or not, publishes nothing twice. A deliberate
 * re-assessment is an on-demand run (POST /v1/scoring/runs), a new version.
 */
@Injectable()
export class YearlyAssessmentJob implements RegisteredJob, OnModuleInit {
  readonly name = YEARLY_ASSESSMENT;

  constructor(
    private readonly registry: JobRegistry,
    private readonly settings: ScoringSettingsRepository,
    private readonly models: ScoreModelsService,
    private readonly runs: ScoringRunsRepository,
    private readonly scoring: ScoringRunsService,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  runKeyFor(date: string): string {
    return date;
  }

  /** Runs in the job's tenant transaction (the tenant's whole tree in scope). */
  async run(tenant: { tenantId: string; rootPath: string }, date: string): Promise<Record<string, unknown>> {
    const { tenantId, rootPath } = tenant;
    const { assessmentDate } = await this.settings.get(tenantId);
    const year = Number(date.slice(0, 4));
    const assessedYear = year - 1;
    const assessmentOn = `${year}-${assessmentDate}`;
    if (date < assessmentOn) return { due: false, assessedYear, assessmentOn };
    const model = await this.models.resolve(SYSTEM_ACTOR, tenantId);
    const existing = await this.runs.yearlyRun(tenantId, rootPath, assessedYear, model.id);
    if (existing) return { due: true, assessedYear, assessmentOn, published: false, runId: existing.id, version: existing.version };
    const root = await this.runs.unitAt(tenantId, rootPath);
    if (!root) throw new Error(`tenant ${tenantId} has no root unit at ${rootPath}`);
    const run = await this.scoring.publish(SYSTEM_ACTOR, tenantId, {
      modelId: model.id,
      scope: root,
      from: `${assessedYear}-01-01`,
      to: `${assessedYear}-12-31`,
      kind: 'yearly',
      year: assessedYear,
      triggeredBy: `job:${YEARLY_ASSESSMENT}:${date}`,
    });
    return {
      due: true,
      assessedYear,
      assessmentOn,
      published: true,
      runId: run.id,
      version: run.version,
      modelKey: run.modelKey,
      modelVersion: run.modelVersion,
      accounts: run.accounts,
      vetoed: run.vetoed,
    };
  }
}
