import { Controller, Get, HttpCode } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '@govmatrix/auth';
import { ServiceUnavailableError } from '@govmatrix/common';
import { SchemaStatusRepository, TransactionHost } from '@govmatrix/database';
import { HealthDto, ReadinessDto } from './health.dto';

@ApiTags('ops')
@Controller()
export class HealthController {
  constructor(
    private readonly transactions: TransactionHost,
    private readonly schema: SchemaStatusRepository,
  ) {}

  /** Liveness: the process is up. Does not touch the database. */
  @Public()
  @Get('health')
  health(): HealthDto {
    return { status: 'ok' };
  }

  /** Readiness: the database answers and every migration of this build is applied. */
  @Public()
  @Get('ready')
  @HttpCode(200)
  async ready(): Promise<ReadinessDto> {
    let pending: string[];
    try {
      await this.transactions.ping();
      pending = await this.schema.pendingMigrations();
    } catch {
      // Whatever the failure (refused, cut, timed out, the pool exhausted), the instance cannot serve: 503 + Retry-After.
      throw new ServiceUnavailableError('database_unavailable', 'The database is not reachable');
    }
    if (pending.length > 0) throw new ServiceUnavailableError('migrations_pending', `Pending migrations: ${pending.join(', ')}`);
    return { status: 'ready', database: 'ok' };
  }
}
