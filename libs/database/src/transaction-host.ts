import { AsyncLocalStorage } from 'node:async_hooks';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DbScope } from './scope';

interface ActiveTransaction {
  manager: EntityManager;
  scope: DbScope;
}

/**
 * Runs work in one transaction whose row-level-security scope is set with set_config(..., true), so
 * the scope dies with the transaction and never leaks to the pooled connection's next user.
 * Repositories take the manager from here: outside `run` there is no manager, and no query.
 */
@Injectable()
export class TransactionHost {
  private readonly storage = new AsyncLocalStorage<ActiveTransaction>();
  private savepoints = 0;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(scope: DbScope, work: () => Promise<T>): Promise<T> {
    const active = this.storage.getStore();
    if (active) {
      // Nested: same transaction, the inner scope for the inner work, then the outer scope again.
      await applyScope(active.manager, scope);
      try {
        return await this.storage.run({ manager: active.manager, scope }, work);
      } finally {
        await applyScope(active.manager, active.scope);
      }
    }
    return this.dataSource.transaction(async (manager) => {
      await applyScope(manager, scope);
      return this.storage.run({ manager, scope }, work);
    });
  }

  /**
   * Runs work inside a savepoint of the current transaction: when it fails, only its own writes are
   * undone and the transaction goes on (one bad row of a batch does not abort the batch).
   */
  async savepoint<T>(work: () => Promise<T>): Promise<T> {
    const manager = this.manager;
    const name = `sp_${++this.savepoints}`;
    await manager.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await manager.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      await manager.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    }
  }

  /** The current transaction's manager; throws outside `run`, so nothing can query unscoped. */
  get manager(): EntityManager {
    const active = this.storage.getStore();
    if (!active) throw new Error('Database access outside TransactionHost.run(): no scope is set');
    return active.manager;
  }

  /** A connection outside any scope, for health checks only. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }
}

async function applyScope(manager: EntityManager, scope: DbScope): Promise<void> {
  await manager.query(
    `SELECT set_config('app.tenant_id', $1, true), set_config('app.scope_path', $2, true), set_config('app.operator', $3, true)`,
    [scope.tenantId ?? '', scope.scopePath ?? '', scope.operator ? 'on' : 'off'],
  );
}
