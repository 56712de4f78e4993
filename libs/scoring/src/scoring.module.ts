import { Module } from '@nestjs/common';
import { TenancyModule } from '@govmatrix/tenancy';
import { RepostTasksController, RepostTasksService } from './repost-tasks.controller';
import { RepostTasksRepository } from './repost-tasks.repository';
import { ScoreModelsRepository } from './score-models.repository';
import { ScoreModelsService } from './score-models.service';
import { ScoringRunsRepository } from './scoring-runs.repository';
import { ScoringRunsService } from './scoring-runs.service';
import { ScoringSettingsController, ScoringSettingsService } from './scoring-settings.controller';
import { ScoringSettingsRepository } from './scoring-settings';
import { ScoringModelsController, ScoringRunsController } from './scoring.controller';
import { YearlyAssessmentJob } from './yearly-assessment.job';

/** Yearly and on-demand scoring (SPEC §4), score models, rankings, aggregates, repost tasks. */
@Module({
  imports: [TenancyModule],
  controllers: [ScoringModelsController, ScoringRunsController, RepostTasksController, ScoringSettingsController],
  providers: [
    ScoreModelsRepository,
    ScoreModelsService,
    ScoringRunsRepository,
    ScoringRunsService,
    ScoringSettingsRepository,
    ScoringSettingsService,
    RepostTasksRepository,
    RepostTasksService,
    YearlyAssessmentJob,
  ],
  exports: [ScoringRunsService, ScoreModelsService, YearlyAssessmentJob],
})
export class ScoringModule {}
