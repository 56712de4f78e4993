export * from './inspection.module';
export * from './inspection.service';
export * from './inspection-settings';
export * from './inspection-settings.dto';
export * from './findings.dto';
