import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { DEFAULT_MODEL_KEY } from './score-model';

/** A tenant's scoring settings, with the defaults of the yearly assessment (15 January, six indices). */
export interface ScoringSettings {
  assessmentDate: string;
  modelKey: string;
}

export const DEFAULT_SCORING_SETTINGS: ScoringSettings = { assessmentDate: '01-15', modelKey: DEFAULT_MODEL_KEY };

/** Reads and writes the `scoring` part of the tenant's settings document. */
@Injectable()
export class ScoringSettingsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async get(tenantId: string): Promise<ScoringSettings> {
    const rows: { scoring: Partial<ScoringSettings> | null }[] = await this.tx.manager.query(
      `SELECT settings -> 'scoring' AS scoring FROM tenants WHERE id = $1`,
      [tenantId],
    );
    return { ...DEFAULT_SCORING_SETTINGS, ...(rows[0]?.scoring ?? {}) };
  }

  async put(tenantId: string, settings: ScoringSettings): Promise<void> {
    await this.tx.manager.query(
      `UPDATE tenants SET settings = jsonb_set(settings, '{scoring}', $2::jsonb), updated_at = now() WHERE id = $1`,
      [tenantId, JSON.stringify(settings)],
    );
  }
}
