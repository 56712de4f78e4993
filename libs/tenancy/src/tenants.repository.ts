import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

export interface TenantRecord {
  id: string;
  slug: string;
  name: string;
  active: boolean;
  createdAt: Date;
}

const COLUMNS = `id, slug, name, active, created_at AS "createdAt"`;

@Injectable()
export class TenantsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async insert(id: string, slug: string, name: string): Promise<void> {
    await this.tx.manager.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)`, [id, slug, name]);
  }

  async slugTaken(slug: string): Promise<boolean> {
    const rows = await this.tx.manager.query(`SELECT 1 FROM tenants WHERE slug = $1`, [slug]);
    return rows.length > 0;
  }

  async list(): Promise<TenantRecord[]> {
    return this.tx.manager.query(`SELECT ${COLUMNS} FROM tenants ORDER BY slug`);
  }

  async find(id: string): Promise<TenantRecord | undefined> {
    const rows: TenantRecord[] = await this.tx.manager.query(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [id]);
    return rows[0];
  }
}
