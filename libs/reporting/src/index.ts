export * from './reporting.module';
export * from './reports.dto';
export * from './reports.service';
export * from './reporting.repository';
export * from './idempotency';
export * from './row-validation';
export * from './filing-reports';
