export * from './supervision.module';
export * from './report-year';
export * from './supervision-report.dto';
export * from './supervision-report.service';
export * from './supervision-report.tables';
