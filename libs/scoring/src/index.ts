export * from './scoring.module';
export * from './score-model';
export * from './scoring.dto';
export * from './repost-tasks.dto';
export * from './scoring-runs.service';
export * from './score-models.service';
export * from './yearly-assessment.job';
export * from './scoring-sql';
