import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { ScoreModelDefinition } from './score-model';

export interface ScoreModelRecord {
  id: string;
  key: string;
  version: number;
  name: string;
  description: string | null;
  preset: string | null;
  definition: ScoreModelDefinition;
  createdAt: Date;
}

const COLUMNS = `id, key, version, name, description, preset, definition, created_at AS "createdAt"`;

/** Model versions: rows are only ever added (the table refuses UPDATE and DELETE). */
@Injectable()
export class ScoreModelsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async list(tenantId: string, key?: string): Promise<ScoreModelRecord[]> {
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM score_models WHERE tenant_id = $1 AND ($2::text IS NULL OR key = $2) ORDER BY key, version DESC`,
      [tenantId, key ?? null],
    );
  }

  async get(tenantId: string, id: string): Promise<ScoreModelRecord | undefined> {
    const rows: ScoreModelRecord[] = await this.tx.manager.query(`SELECT ${COLUMNS} FROM score_models WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      id,
    ]);
    return rows[0];
  }

  async latest(tenantId: string, key: string): Promise<ScoreModelRecord | undefined> {
    const rows: ScoreModelRecord[] = await this.tx.manager.query(
      `SELECT ${COLUMNS} FROM score_models WHERE tenant_id = $1 AND key = $2 ORDER BY version DESC LIMIT 1`,
      [tenantId, key],
    );
    return rows[0];
  }

  /** The next version of `key`: versions of one key are numbered one at a time (transaction-level lock). */
  async insertVersion(
    tenantId: string,
    model: {
      key: string;
      name: string;
      description: string | null;
      preset: string | null;
      definition: ScoreModelDefinition;
      createdByKind: string;
      createdBy: string | null;
    },
  ): Promise<ScoreModelRecord> {
    await this.tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('score-model:' || $1 || ':' || $2, 0))`, [
      tenantId,
      model.key,
    ]);
    const [row]: ScoreModelRecord[] = await this.tx.manager.query(
      `INSERT INTO score_models (tenant_id, key, version, name, description, preset, definition, created_by_kind, created_by)
       SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5, $6, $7, $8 FROM score_models WHERE tenant_id = $1 AND key = $2
       RETURNING ${COLUMNS}`,
      [
        tenantId,
        model.key,
        model.name,
        model.description,
        model.preset,
        JSON.stringify(model.definition),
        model.createdByKind,
        model.createdBy,
      ],
    );
    return row;
  }
}
