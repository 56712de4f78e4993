export * from './matrix.module';
export * from './matrix.dto';
export * from './matrix.service';
export * from './matrix-period';
