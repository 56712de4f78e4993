import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig, ProblemDetailsFilter } from '@govmatrix/common';
import { CoreModule } from '@govmatrix/core';
import { DemoDataRepository } from './demo/demo-data.repository';
import { DemoLoader } from './demo/demo-loader';
import { HealthController } from './health/health.controller';

export interface AppModuleOptions {
  config: AppConfig;
  /** Connection string of the non-owner app role. */
  appDatabaseUrl: string;
}

@Module({})
export class AppModule {
  static forRoot({ config, appDatabaseUrl }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            formatters: { level: (label) => ({ level: label }) },
            timestamp: () => `,"time":"${new Date().toISOString()}"`,
            // The request id is assigned before routing (main.ts) and carried by every log line.
            genReqId: (req) => String((req as { id?: unknown }).id ?? ''),
            redact: ['req.headers.authorization', 'req.headers.cookie'],
            customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
            autoLogging: { ignore: (req) => req.url === '/health' },
          },
        }),
        CoreModule.forRoot({ config, appDatabaseUrl, runScheduler: config.runScheduler }),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: ProblemDetailsFilter }, DemoLoader, DemoDataRepository],
    };
  }
}
