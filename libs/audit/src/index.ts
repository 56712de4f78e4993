export * from './audit.module';
export * from './audit.service';
export * from './audit.dto';
export * from './audit.mapper';
export * from './canonical-json';
