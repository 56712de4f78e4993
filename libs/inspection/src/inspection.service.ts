import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobRegistry, RegisteredJob } from '@govmatrix/jobs';
import { checkAccountName, LedgerSettingsRepository } from '@govmatrix/ledger';
import { InspectionSettingsRepository } from './inspection-settings';
import { InspectionRepository, RuleOutcome, RULES } from './inspection.repository';

export const DAILY_INSPECTION = 'daily_inspection';

/**
 * The daily inspection: every rule evaluated over the tenant as of the check date. Findings open
 * for new violators, stay open (evidence refreshed) for repeat ones, and close when the data no
 * longer shows the violation. Running the same date twice changes nothing the second time.
 */
@Injectable()
export class InspectionService implements RegisteredJob, OnModuleInit {
  readonly name = DAILY_INSPECTION;

  constructor(
    private readonly inspections: InspectionRepository,
    private readonly settings: InspectionSettingsRepository,
    private readonly ledgerSettings: LedgerSettingsRepository,
    private readonly registry: JobRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  runKeyFor(date: string): string {
    return date;
  }

  /** Runs in the job's tenant transaction (the tenant's whole tree in scope). */
  async run(tenant: { tenantId: string }, checkDate: string): Promise<Record<string, RuleOutcome>> {
    const { tenantId } = tenant;
    const settings = await this.settings.get(tenantId);
    const outcomes: Record<string, RuleOutcome> = {};
    const apply = async (kind: keyof typeof RULES, params: unknown[] = []) => {
      outcomes[kind] = await this.inspections.applyRule(tenantId, checkDate, kind, RULES[kind], params);
    };
    await apply('filing_overdue');
    await apply('inactive_14d', [settings.inactiveDays]);
    await apply('low_activity', [JSON.stringify(settings.monthlyPostAllowance)]);
    await apply('unanswered_messages', [settings.unansweredMessageDays]);
    await apply('no_interaction_function', [settings.noInteractionDays]);
    outcomes.naming = await this.inspectNames(tenantId, checkDate);
    return outcomes;
  }

  /** R5 for every live account, with the tenant's current naming rule. */
  private async inspectNames(tenantId: string, checkDate: string): Promise<RuleOutcome> {
    const rule = (await this.ledgerSettings.get(tenantId)).naming;
    const violators = (await this.inspections.namingCandidates(tenantId)).flatMap((c) => {
      const result = checkAccountName(c.name, c, rule);
      if (result.ok) return [];
      return [
        {
          accountId: c.accountId,
          unitId: c.unitId,
          detail: `The name "${c.name}" does not contain the unit's or region's name (expected one of: ${result.expected.join('、')})`,
          evidence: { name: c.name, expected: result.expected },
        },
      ];
    });
    return this.inspections.applyGivenViolators(tenantId, checkDate, 'naming', violators);
  }
}
