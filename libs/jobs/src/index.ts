export * from './jobs.module';
export * from './job-registry';
export * from './job-runner';
export * from './jobs.dto';
export * from './scheduler';
