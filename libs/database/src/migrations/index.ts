import { Foundation1732300000000 } from './1732300000000-foundation';
import { Ledger1732400000000 } from './1732400000000-ledger';
import { Reporting1732500000000 } from './1732500000000-reporting';
import { Inspection1732600000000 } from './1732600000000-inspection';
import { Sanctions1732700000000 } from './1732700000000-sanctions';
import { Matrix1732760000000 } from './1732760000000-matrix';
import { Scoring1732800000000 } from './1732800000000-scoring';
import { LedgerViews1732850000000 } from './1732850000000-ledger-views';
import { MetricsHistoryTrigger1732900000000 } from './1732900000000-metrics-history-trigger';
import { RefreshReuseDetection1732960000000 } from './1732960000000-refresh-reuse-detection';
import { AppRoleStatementTimeout1732980000000 } from './1732980000000-app-role-statement-timeout';
import { MetricsMonthlyRollup1732990000000 } from './1732990000000-metrics-monthly-rollup';

/** Every migration, in order. New migrations are appended here. */
export const MIGRATIONS = [
  Foundation1732300000000,
  Ledger1732400000000,
  Reporting1732500000000,
  Inspection1732600000000,
  Sanctions1732700000000,
  Matrix1732760000000,
  Scoring1732800000000,
  LedgerViews1732850000000,
  MetricsHistoryTrigger1732900000000,
  RefreshReuseDetection1732960000000,
  AppRoleStatementTimeout1732980000000,
  MetricsMonthlyRollup1732990000000,
];
