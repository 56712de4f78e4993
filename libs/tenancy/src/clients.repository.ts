import { Injectable } from '@nestjs/common';
import { ClientScope } from '@govmatrix/auth';
import { TransactionHost } from '@govmatrix/database';

export interface ClientRecord {
  id: string;
  clientId: string;
  name: string;
  unitId: string;
  scopes: ClientScope[];
  active: boolean;
  createdAt: Date;
}

const COLUMNS = `c.id, c.client_id AS "clientId", c.name, c.unit_id AS "unitId", c.scopes, c.active, c.created_at AS "createdAt"`;
const IN_SUBTREE = `c.tenant_id = $1 AND c.unit_id = ANY (ARRAY(SELECT un.id FROM units un WHERE un.tenant_id = $1 AND un.path <@ $2::ltree))`;

@Injectable()
export class ClientsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async insert(
    tenantId: string,
    client: { clientId: string; name: string; unitId: string; scopes: ClientScope[]; secretHash: Buffer },
  ): Promise<ClientRecord> {
    const [row]: ClientRecord[] = await this.tx.manager.query(
      `INSERT INTO api_clients AS c (tenant_id, client_id, name, unit_id, scopes, secret_hash)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [tenantId, client.clientId, client.name, client.unitId, client.scopes, client.secretHash],
    );
    return row;
  }

  async findInScope(tenantId: string, scopePath: string, id: string): Promise<ClientRecord | undefined> {
    const rows: ClientRecord[] = await this.tx.manager.query(`SELECT ${COLUMNS} FROM api_clients c WHERE ${IN_SUBTREE} AND c.id = $3`, [
      tenantId,
      scopePath,
      id,
    ]);
    return rows[0];
  }

  async list(tenantId: string, scopePath: string, limit: number, afterId?: string): Promise<ClientRecord[]> {
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM api_clients c WHERE ${IN_SUBTREE} AND ($3::uuid IS NULL OR c.id > $3::uuid) ORDER BY c.id LIMIT $4`,
      [tenantId, scopePath, afterId ?? null, limit],
    );
  }

  async setSecret(tenantId: string, scopePath: string, id: string, secretHash: Buffer): Promise<void> {
    await this.tx.manager.query(`UPDATE api_clients c SET secret_hash = $4, updated_at = now() WHERE ${IN_SUBTREE} AND c.id = $3`, [
      tenantId,
      scopePath,
      id,
      secretHash,
    ]);
  }

  async deactivate(tenantId: string, scopePath: string, id: string): Promise<ClientRecord | undefined> {
    const [rows] = await this.tx.manager.query(
      `UPDATE api_clients c SET active = false, updated_at = now() WHERE ${IN_SUBTREE} AND c.id = $3 RETURNING ${COLUMNS}`,
      [tenantId, scopePath, id],
    );
    return (rows as ClientRecord[])[0];
  }
}
