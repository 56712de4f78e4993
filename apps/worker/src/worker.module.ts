import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@govmatrix/common';
import { CoreModule } from '@govmatrix/core';

/** The worker: the domain modules and the job schedule, no HTTP. */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig, appDatabaseUrl: string): DynamicModule {
    return { module: WorkerModule, imports: [CoreModule.forRoot({ config, appDatabaseUrl, runScheduler: true })] };
  }
}
