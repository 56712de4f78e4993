import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MIGRATIONS } from './migrations';
import { TransactionHost } from './transaction-host';
import { SchemaStatusRepository } from './schema-status.repository';

export interface DatabaseModuleOptions {
  /** Connection as the non-owner app role. */
  appUrl: string;
  poolSize: number;
}

@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.appUrl,
          synchronize: false,
          migrationsRun: false,
          migrations: MIGRATIONS,
          migrationsTableName: 'schema_migrations',
          autoLoadEntities: true,
          logging: false,
          // Fail fast at boot instead of TypeORM's silent retry loop.
          retryAttempts: 1,
          extra: {
            max: options.poolSize,
            connectionTimeoutMillis: 5000,
            idleTimeoutMillis: 30_000,
            // A runaway query must not hold a pooled connection forever.
            statement_timeout: 30_000,
            idle_in_transaction_session_timeout: 60_000,
            application_name: 'govmatrix',
          },
        }),
      ],
      providers: [TransactionHost, SchemaStatusRepository],
      exports: [TransactionHost, SchemaStatusRepository],
    };
  }
}
