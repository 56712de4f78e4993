import { Injectable } from '@nestjs/common';
import { TenantRole } from '@govmatrix/auth';
import { SqlParts, TransactionHost } from '@govmatrix/database';

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  role: TenantRole;
  unitId: string;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = `u.id, u.username, u.display_name AS "displayName", u.role, u.unit_id AS "unitId", u.active,
  u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

/** Users whose unit lies in the given subtree. */
const IN_SUBTREE = `u.tenant_id = $1 AND u.unit_id = ANY (ARRAY(SELECT un.id FROM units un WHERE un.tenant_id = $1 AND un.path <@ $2::ltree))`;

@Injectable()
export class UsersRepository {
  constructor(private readonly tx: TransactionHost) {}

  async insert(
    tenantId: string,
    user: { username: string; displayName: string; passwordHash: string; role: TenantRole; unitId: string },
  ): Promise<UserRecord> {
    const [row]: UserRecord[] = await this.tx.manager.query(
      `INSERT INTO users AS u (tenant_id, username, display_name, password_hash, role, unit_id)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [tenantId, user.username, user.displayName, user.passwordHash, user.role, user.unitId],
    );
    return row;
  }

  async findInScope(tenantId: string, scopePath: string, id: string): Promise<UserRecord | undefined> {
    const rows: UserRecord[] = await this.tx.manager.query(`SELECT ${COLUMNS} FROM users u WHERE ${IN_SUBTREE} AND u.id = $3`, [
      tenantId,
      scopePath,
      id,
    ]);
    return rows[0];
  }

  async list(
    tenantId: string,
    scopePath: string,
    filter: { role?: TenantRole; unitId?: string },
    limit: number,
    afterUsername?: string,
  ): Promise<UserRecord[]> {
    const sql = new SqlParts([tenantId, scopePath], [IN_SUBTREE])
      .and('u.role = ?', filter.role)
      .and('u.unit_id = ?', filter.unitId)
      .and('u.username > ?', afterUsername);
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM users u WHERE ${sql.where} ORDER BY u.username LIMIT ${sql.param(limit)}`,
      sql.params,
    );
  }

  async update(
    tenantId: string,
    scopePath: string,
    id: string,
    changes: { displayName?: string; passwordHash?: string; role?: TenantRole; unitId?: string; active?: boolean },
  ): Promise<UserRecord | undefined> {
    const sql = new SqlParts([tenantId, scopePath, id]);
    const sets = sql.set(changes, {
      displayName: 'display_name',
      passwordHash: 'password_hash',
      role: 'role',
      unitId: 'unit_id',
      active: 'active',
    });
    const [rows] = await this.tx.manager.query(
      `UPDATE users u SET ${sets ? `${sets}, ` : ''}updated_at = now() WHERE ${IN_SUBTREE} AND u.id = $3 RETURNING ${COLUMNS}`,
      sql.params,
    );
    return (rows as UserRecord[])[0];
  }
}
