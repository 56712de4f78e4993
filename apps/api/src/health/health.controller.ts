import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '@govmatrix/auth';
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
    try {
      await this.transactions.ping();
      const pending = await this.schema.pendingMigrations();
      if (pending.length > 0) throw new ServiceUnavailableException(`Pending migrations: ${pending.join(', ')}`);
      return { status: 'ready', database: 'ok' };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) throw error;
      throw new ServiceUnavailableException('The database is not reachable');
    }
  }
}
