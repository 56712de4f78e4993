import { ConflictError } from '@govmatrix/common';

/** R9's measures, from the mildest to the most severe: the order escalation follows. */
export const MEASURES = ['order_deletion', 'talk', 'warning', 'public_notice', 'forced_closure'] as const;
export type Measure = (typeof MEASURES)[number];

export const MEASURE_NAMES_ZH: Record<Measure, string> = {
  order_deletion: '责令删除',
  talk: '约谈',
  warning: '警告',
  public_notice: '通报',
  forced_closure: '责令关闭',
};

export const severity = (measure: Measure): number => MEASURES.indexOf(measure);

/**
 * The next measure of the ladder after `current`: the first rung more severe than it. A case whose
 * measure is not on the ladder (the tenant changed it) still climbs; none at the top.
 */
export function nextMeasure(current: Measure, ladder: readonly Measure[]): Measure | null {
  return ladder.find((m) => severity(m) > severity(current)) ?? null;
}

/** A ladder climbs: each rung more severe than the one before. Returns the index of the first rung that does not. */
export function firstNonClimbingRung(ladder: readonly Measure[]): number | undefined {
  const index = ladder.findIndex((m, i) => i > 0 && severity(m) <= severity(ladder[i - 1]));
  return index < 0 ? undefined : index;
}

export const CASE_STATUSES = ['awaiting_rectification', 'rectification_submitted', 'resolved'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const STEP_KINDS = ['opened', 'rectification_submitted', 'accepted', 'returned', 'escalated'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/**
 * The case workflow. Every step is recorded; a step from any other status is refused (409):
 *
 *   opened ─▶ awaiting_rectification ─(unit reports)─▶ rectification_submitted ─(accept)─▶ resolved
 *                 ▲   │ (deadline passed: escalated, same status, next measure, new deadline)
 *                 └───┴──────────────(return with reasons)◀────────┘
 */
const STEPS: Record<Exclude<StepKind, 'opened'>, { from: readonly CaseStatus[]; to: CaseStatus; what: string }> = {
  rectification_submitted: { from: ['awaiting_rectification'], to: 'rectification_submitted', what: 'a rectification report' },
  accepted: { from: ['rectification_submitted'], to: 'resolved', what: 'accepting the rectification' },
  returned: { from: ['rectification_submitted'], to: 'awaiting_rectification', what: 'returning the rectification' },
  escalated: { from: ['awaiting_rectification'], to: 'awaiting_rectification', what: 'escalation' },
};

/** The status after the step, or a 409 that says what the case is waiting for. */
export function assertCaseStep(status: CaseStatus, step: Exclude<StepKind, 'opened'>): CaseStatus {
  const rule = STEPS[step];
  if (rule.from.includes(status)) return rule.to;
  const waiting: Record<CaseStatus, string> = {
    awaiting_rectification: 'it waits for the unit’s rectification report',
    rectification_submitted: 'its rectification report waits for review',
    resolved: 'it is resolved, a final state',
  };
  throw new ConflictError('illegal_case_step', `The case is ${status}: ${rule.what} is not possible now (${waiting[status]})`);
}
