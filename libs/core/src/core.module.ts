import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AuditModule } from '@govmatrix/audit';
import { AuthModule } from '@govmatrix/auth';
import { CalendarModule } from '@govmatrix/calendar';
import { APP_CONFIG, AppConfig } from '@govmatrix/common';
import { DatabaseModule } from '@govmatrix/database';
import { InspectionModule } from '@govmatrix/inspection';
import { JobsModule, Scheduler } from '@govmatrix/jobs';
import { LedgerModule } from '@govmatrix/ledger';
import { MatrixModule } from '@govmatrix/matrix';
import { ReportingModule } from '@govmatrix/reporting';
import { SanctionsModule } from '@govmatrix/sanctions';
import { ScoringModule } from '@govmatrix/scoring';
import { SupervisionModule } from '@govmatrix/supervision';
import { TenancyModule } from '@govmatrix/tenancy';

export interface CoreModuleOptions {
  config: AppConfig;
  /** Connection string of the non-owner app role. */
  appDatabaseUrl: string;
  /** Host the job schedule in this process. */
  runScheduler: boolean;
}

/** Every domain module on one database connection: what the API and the worker both run. */
@Module({})
export class CoreModule {
  static forRoot({ config, appDatabaseUrl, runScheduler }: CoreModuleOptions): DynamicModule {
    return {
      module: CoreModule,
      global: true,
      imports: [
        DatabaseModule.forRoot({ appUrl: appDatabaseUrl, poolSize: config.dbPoolSize }),
        AuthModule,
        TenancyModule,
        AuditModule,
        CalendarModule,
        LedgerModule,
        ReportingModule,
        JobsModule,
        InspectionModule,
        MatrixModule,
        SanctionsModule,
        ScoringModule,
        SupervisionModule,
        ...(runScheduler ? [ScheduleModule.forRoot()] : []),
      ],
      providers: [{ provide: APP_CONFIG, useValue: config }, ...(runScheduler ? [Scheduler] : [])],
      exports: [APP_CONFIG, TenancyModule, LedgerModule, ReportingModule, InspectionModule, SanctionsModule, ScoringModule],
    };
  }
}
