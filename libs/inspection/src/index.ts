export * from './inspection.module';
export * from './inspection.service';
export * from './inspection-settings';
export * from './findings.dto';
