import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface SessionContextRow {
  tenant_id: string | null;
  subject_kind: 'operator' | 'user' | 'client';
  subject_id: string;
  role: string | null;
  unit_id: string | null;
  scope_path: string | null;
  scopes: string[] | null;
}

/**
 * Authentication runs before any scope exists, so it goes through the narrow SECURITY DEFINER
 * functions of the foundation migration, on the pool directly rather than a scoped transaction.
 */
@Injectable()
export class AuthRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async findUser(tenantSlug: string, username: string): Promise<{ tenant_id: string; user_id: string; password_hash: string } | undefined> {
    const rows = await this.dataSource.query('SELECT * FROM auth_find_user($1, $2)', [tenantSlug, username]);
    return rows[0];
  }

  async findOperator(username: string): Promise<{ operator_id: string; password_hash: string } | undefined> {
    const rows = await this.dataSource.query('SELECT * FROM auth_find_operator($1)', [username]);
    return rows[0];
  }

  async findClient(clientId: string): Promise<{ tenant_id: string; client_pk: string; secret_hash: Buffer } | undefined> {
    const rows = await this.dataSource.query('SELECT * FROM auth_find_client($1)', [clientId]);
    return rows[0];
  }

  async openSession(
    tenantId: string | null,
    kind: string,
    subjectId: string,
    refreshHash: Buffer | null,
    expiresAt: Date,
  ): Promise<string> {
    const [row] = await this.dataSource.query('SELECT auth_open_session($1, $2, $3, $4, $5) AS id', [
      tenantId,
      kind,
      subjectId,
      refreshHash,
      expiresAt,
    ]);
    return row.id;
  }

  async sessionContext(sessionId: string): Promise<SessionContextRow | undefined> {
    const rows = await this.dataSource.query('SELECT * FROM auth_session_context($1)', [sessionId]);
    return rows[0];
  }

  async rotateRefresh(
    oldHash: Buffer,
    newHash: Buffer,
    expiresAt: Date,
  ): Promise<{ session_id: string; tenant_id: string | null; subject_kind: string; subject_id: string } | undefined> {
    const rows = await this.dataSource.query('SELECT * FROM auth_rotate_refresh($1, $2, $3)', [oldHash, newHash, expiresAt]);
    return rows[0];
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.dataSource.query('SELECT auth_revoke_session($1)', [sessionId]);
  }
}
