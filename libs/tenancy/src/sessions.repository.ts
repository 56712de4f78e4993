import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

@Injectable()
export class SessionsRepository {
  constructor(private readonly tx: TransactionHost) {}

  /** Ends every session of a user or client of the current tenant (deactivation, new credentials). */
  async revokeAll(kind: 'user' | 'client', subjectId: string): Promise<void> {
    await this.tx.manager.query(`SELECT auth_revoke_subject_sessions($1, $2)`, [kind, subjectId]);
  }
}
