import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { NamingRule } from './naming-check';

/** A tenant's ledger rules, with the national defaults. */
export interface LedgerSettings {
  /** R1: working days to file an opening. */
  openingFilingDays: number;
  /** R2: working days to file a closure. */
  closureFilingDays: number;
  naming: NamingRule;
}

export const DEFAULT_LEDGER_SETTINGS: LedgerSettings = {
  openingFilingDays: 10,
  closureFilingDays: 5,
  naming: { mode: 'unit_or_region', extraKeywords: [] },
};

/** Reads and writes the `ledger` part of the tenant's settings document. */
@Injectable()
export class LedgerSettingsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async get(tenantId: string): Promise<LedgerSettings> {
    const rows: { ledger: Partial<LedgerSettings> | null }[] = await this.tx.manager.query(
      `SELECT settings -> 'ledger' AS ledger FROM tenants WHERE id = $1`,
      [tenantId],
    );
    const stored = rows[0]?.ledger ?? {};
    return { ...DEFAULT_LEDGER_SETTINGS, ...stored, naming: { ...DEFAULT_LEDGER_SETTINGS.naming, ...(stored.naming ?? {}) } };
  }

  async put(tenantId: string, settings: LedgerSettings): Promise<void> {
    await this.tx.manager.query(
      `UPDATE tenants SET settings = jsonb_set(settings, '{ledger}', $2::jsonb), updated_at = now() WHERE id = $1`,
      [tenantId, JSON.stringify(settings)],
    );
  }
}
