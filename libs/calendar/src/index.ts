export * from './calendar.module';
export * from './calendar.service';
export * from './calendar.dto';
export * from './working-days';
export * from './iso-date.constraint';
export * from './china-date';
