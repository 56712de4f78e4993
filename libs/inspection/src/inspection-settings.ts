import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';

/** A tenant's inspection rules, with the national defaults of SPEC §3. */
export interface InspectionSettings {
  /** R7: no post in this many days before the check date = zombie account (single veto). */
  inactiveDays: number;
  /** R7: least posts per calendar month, by platform, before `low_activity` is raised. */
  monthlyPostAllowance: Record<string, number>;
  /** R8: messages unanswered for longer than this many days raise `unanswered_messages`. */
  unansweredMessageDays: number;
  /** Days without a single comment or message while posting: the interaction function looks broken. */
  noInteractionDays: number;
  /** Default share of a subtree's accounts in a spot-check plan. */
  spotCheckShare: number;
}

export const DEFAULT_INSPECTION_SETTINGS: InspectionSettings = {
  inactiveDays: 14,
  monthlyPostAllowance: {
    weibo: 20,
    wechat: 4,
    douyin: 8,
    kuaishou: 8,
    toutiao: 8,
    bilibili: 4,
    xiaohongshu: 4,
    video_channel: 4,
    mini_program: 0,
    app: 8,
    website_column: 4,
    other: 4,
  },
  unansweredMessageDays: 3,
  noInteractionDays: 30,
  spotCheckShare: 0.1,
};

@Injectable()
export class InspectionSettingsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async get(tenantId: string): Promise<InspectionSettings> {
    const rows: { inspection: Partial<InspectionSettings> | null }[] = await this.tx.manager.query(
      `SELECT settings -> 'inspection' AS inspection FROM tenants WHERE id = $1`,
      [tenantId],
    );
    const stored = rows[0]?.inspection ?? {};
    return {
      ...DEFAULT_INSPECTION_SETTINGS,
      ...stored,
      monthlyPostAllowance: { ...DEFAULT_INSPECTION_SETTINGS.monthlyPostAllowance, ...(stored.monthlyPostAllowance ?? {}) },
    };
  }

  async put(tenantId: string, settings: InspectionSettings): Promise<void> {
    await this.tx.manager.query(
      `UPDATE tenants SET settings = jsonb_set(settings, '{inspection}', $2::jsonb), updated_at = now() WHERE id = $1`,
      [tenantId, JSON.stringify(settings)],
    );
  }
}
