import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from './migrations';

/** Whether the database answers and carries every migration this build knows. */
@Injectable()
export class SchemaStatusRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async pendingMigrations(): Promise<string[]> {
    const rows = (await this.dataSource.query('SELECT name FROM schema_migrations')) as { name: string }[];
    const applied = new Set(rows.map((r) => r.name));
    return MIGRATIONS.map((m) => m.name).filter((name) => !applied.has(name));
  }
}
