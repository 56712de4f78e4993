import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { Measure, MEASURES } from './case-rules';

/** A tenant's sanction rules (`settings.sanctions`), with the defaults. */
export interface SanctionsSettings {
  deadlineDays: Record<Measure, number>;
  ladder: Measure[];
}

export const DEFAULT_SANCTIONS_SETTINGS: SanctionsSettings = {
  deadlineDays: { order_deletion: 5, talk: 5, warning: 5, public_notice: 10, forced_closure: 3 },
  ladder: [...MEASURES],
};

@Injectable()
export class SanctionsSettingsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async get(tenantId: string): Promise<SanctionsSettings> {
    const rows: { sanctions: Partial<SanctionsSettings> | null }[] = await this.tx.manager.query(
      `SELECT settings -> 'sanctions' AS sanctions FROM tenants WHERE id = $1`,
      [tenantId],
    );
    const stored = rows[0]?.sanctions ?? {};
    return {
      deadlineDays: { ...DEFAULT_SANCTIONS_SETTINGS.deadlineDays, ...(stored.deadlineDays ?? {}) },
      ladder: stored.ladder ?? [...DEFAULT_SANCTIONS_SETTINGS.ladder],
    };
  }

  async put(tenantId: string, settings: SanctionsSettings): Promise<void> {
    await this.tx.manager.query(
      `UPDATE tenants SET settings = jsonb_set(settings, '{sanctions}', $2::jsonb), updated_at = now() WHERE id = $1`,
      [tenantId, JSON.stringify(settings)],
    );
  }
}
