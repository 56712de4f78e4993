import { Injectable } from '@nestjs/common';
import { AuditService } from '@govmatrix/audit';
import { AuthContext } from '@govmatrix/auth';
import { AccountsRepository, AccountStatus, assertTransition } from '@govmatrix/ledger';
import { CaseStatus, Measure } from './case-rules';
import { noticeFor } from './case-notices';
import { CasesRepository, NewStep } from './cases.repository';
import { NoticesRepository } from './notices.repository';

/** Scheduled work acts as nobody: its audit entries carry actor kind `system` and no actor id. */
export const SYSTEM_ACTOR = { kind: 'system', subjectId: null } as unknown as AuthContext;

/** Audit action names of the steps. */
const ACTIONS: Record<NewStep['kind'], string> = {
  opened: 'open',
  rectification_submitted: 'submit_rectification',
  accepted: 'accept',
  returned: 'return',
  escalated: 'escalate',
};

export interface CaseState {
  id: string;
  accountId: string;
  accountName: string;
  status: CaseStatus;
  measure: Measure;
  dueOn: string;
}

export interface StepEntry {
  /** The case before the step (absent for the opening). */
  before?: CaseState;
  account: { id: string; name: string };
  step: NewStep;
  /** The account status the step changed, if it did. */
  accountStatus?: { from: string; to: string };
  /** Extra facts for the audit entry (the decision, the findings). */
  auditDetails?: Record<string, unknown>;
}

/**
 * Records case steps the same way for people and for the escalation job: the steps (append-only),
 * the case's current state, a notice per step, an audit entry per step — all in the caller's
 * transaction. Set-wise for the steps, the state and the notices.
 */
@Injectable()
export class CaseSteps {
  constructor(
    private readonly cases: CasesRepository,
    private readonly notices: NoticesRepository,
    private readonly accounts: AccountsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Moves the account (locked by the caller) as the case orders, with its own audit entry in the account's history. */
  async moveAccount(
    actor: AuthContext,
    tenantId: string,
    account: { id: string; status: AccountStatus },
    to: AccountStatus,
    caseId: string,
  ): Promise<{ from: AccountStatus; to: AccountStatus }> {
    assertTransition(account.status, to);
    await this.accounts.update(tenantId, account.id, { status: to });
    await this.audit.record(actor, tenantId, {
      entityType: 'account',
      entityId: account.id,
      action: `sanction_${to}`,
      before: { status: account.status },
      after: { status: to, caseId },
    });
    return { from: account.status, to };
  }

  async record(actor: AuthContext, tenantId: string, entries: StepEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const steps = entries.map((e) => e.step);
    await this.cases.insertSteps(tenantId, steps);
    // The opening inserted the case in the state its first step leaves it in.
    await this.cases.applySteps(
      tenantId,
      steps.filter((s) => s.kind !== 'opened'),
    );
    await this.notices.insert(
      tenantId,
      entries.map((e) => noticeFor(e.step, { accountId: e.account.id, accountName: e.account.name })),
    );
    for (const { before, step, accountStatus, auditDetails } of entries) {
      await this.audit.record(actor, tenantId, {
        entityType: 'sanction_case',
        entityId: step.caseId,
        action: ACTIONS[step.kind],
        before: before ? { status: before.status, measure: before.measure, dueOn: before.dueOn } : undefined,
        after: {
          seq: step.seq,
          status: step.statusAfter,
          measure: step.measure,
          dueOn: step.dueOn,
          dueProvisional: step.dueProvisional,
          asOf: step.asOf?.toISOString() ?? null,
          ...step.details,
          ...(auditDetails ?? {}),
          ...(accountStatus ? { accountStatus } : {}),
        },
      });
    }
  }
}
