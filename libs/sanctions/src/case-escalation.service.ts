import { Injectable, OnModuleInit } from '@nestjs/common';
import { CalendarService, Deadline, isIsoDate } from '@govmatrix/calendar';
import { JobRegistry, RegisteredJob } from '@govmatrix/jobs';
import { AccountsRepository, canTransition } from '@govmatrix/ledger';
import { Measure, nextMeasure } from './case-rules';
import { CaseSteps, StepEntry, SYSTEM_ACTOR } from './case-steps.service';
import { snapshotPersons } from './cases.mapper';
import { CasesRepository } from './cases.repository';
import { SanctionsSettingsRepository } from './sanctions-settings';

export const CASE_ESCALATION = 'case_escalation';

const HOUR_KEY = /^(\d{4}-\d{2}-\d{2})T(\d{2})$/;
const CHINA_OFFSET_MS = 8 * 3_600_000;

/** The hour in China as a run key: 2026-11-23T14. */
export const chinaHourKey = (now = Date.now()): string => new Date(now + CHINA_OFFSET_MS).toISOString().slice(0, 13);

/** The moment a run key stands for: the start of that hour in China, and its date. */
export function parseHourKey(key: string): { date: string; moment: Date } {
  const match = HOUR_KEY.exec(key);
  if (!match || !isIsoDate(match[1]) || Number(match[2]) > 23) throw new Error(`Not an hour run key (YYYY-MM-DDTHH): ${key}`);
  return { date: match[1], moment: new Date(`${match[1]}T${match[2]}:00:00+08:00`) };
}

export interface EscalationOutcome {
  [count: string]: unknown;
  asOf: string;
  /** Cases waiting for rectification past their deadline as of the run's moment. */
  overdue: number;
  escalated: number;
  /** Accounts moved to force_closed by an escalation. */
  forcedClosures: number;
  /** Overdue cases already at the top of the ladder (nothing more severe to order). */
  atTopOfLadder: number;
}

/**
 * The hourly escalation (R9): every case still waiting for rectification after its deadline moves
 * to the next measure of the tenant's ladder, with a new deadline counted from the run's date, as
 * one more step. Reaching forced closure closes the account. The run key is an hour in China; the
 * deadline check is "as of" that hour, so an escalated case (new deadline after that date) is not
 * escalated again by a re-run of the same key, only once its new deadline has passed.
 */
@Injectable()
export class CaseEscalationService implements RegisteredJob, OnModuleInit {
  readonly name = CASE_ESCALATION;

  constructor(
    private readonly cases: CasesRepository,
    private readonly steps: CaseSteps,
    private readonly accounts: AccountsRepository,
    private readonly settings: SanctionsSettingsRepository,
    private readonly calendar: CalendarService,
    private readonly registry: JobRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  /** An hour key as is; today's date → the current hour in China; another date → its first hour. */
  runKeyFor(date: string): string {
    if (HOUR_KEY.test(date)) return date;
    const now = chinaHourKey();
    return now.startsWith(`${date}T`) ? now : `${date}T00`;
  }

  /** Runs in the job's tenant transaction (the tenant's whole tree in scope). */
  async run(tenant: { tenantId: string; rootPath: string }, runKey: string): Promise<EscalationOutcome> {
    const { tenantId, rootPath } = tenant;
    const asOf = parseHourKey(runKey);
    if (asOf.moment.getTime() > Date.now()) throw new Error(`Escalation cannot run as of ${runKey}: that hour has not come yet in China`);
    const settings = await this.settings.get(tenantId);
    const overdue = await this.cases.overdueForUpdate(tenantId, rootPath, asOf.date);
    const climbing = overdue.flatMap((c) => {
      const next = nextMeasure(c.measure, settings.ladder);
      return next ? [{ c, next }] : [];
    });
    const deadlines = new Map<Measure, Deadline>();
    for (const measure of new Set(climbing.map((x) => x.next))) {
      deadlines.set(measure, await this.calendar.deadline(asOf.date, settings.deadlineDays[measure]));
    }
    const people = await this.accounts.peopleAt(tenantId, [...new Set(climbing.map((x) => x.c.accountId))]);
    const now = new Date();
    const entries: StepEntry[] = [];
    let forcedClosures = 0;
    for (const { c, next } of climbing) {
      let accountStatus: StepEntry['accountStatus'];
      if (next === 'forced_closure') {
        const account = await this.accounts.findInScope(tenantId, rootPath, c.accountId, true);
        if (account && canTransition(account.status, 'force_closed')) {
          accountStatus = await this.steps.moveAccount(SYSTEM_ACTOR, tenantId, account, 'force_closed', c.id);
          forcedClosures += 1;
        }
      }
      const due = deadlines.get(next)!;
      entries.push({
        before: {
          id: c.id,
          accountId: c.accountId,
          accountName: c.accountName,
          status: 'awaiting_rectification',
          measure: c.measure,
          dueOn: c.dueOn,
        },
        account: { id: c.accountId, name: c.accountName },
        step: {
          caseId: c.id,
          seq: c.stepCount + 1,
          unitId: c.unitId,
          kind: 'escalated',
          statusAfter: 'awaiting_rectification',
          measure: next,
          dueOn: due.dueOn,
          dueProvisional: due.provisional,
          actorKind: 'system',
          actorId: null,
          details: {
            previousMeasure: c.measure,
            personsOfRecord: snapshotPersons(
              people.filter((p) => p.accountId === c.accountId),
              now,
            ),
          },
          asOf: asOf.moment,
        },
        accountStatus,
      });
    }
    await this.steps.record(SYSTEM_ACTOR, tenantId, entries);
    return {
      asOf: asOf.moment.toISOString(),
      overdue: overdue.length,
      escalated: entries.length,
      forcedClosures,
      atTopOfLadder: overdue.length - entries.length,
    };
  }
}
