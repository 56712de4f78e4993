import { ConflictError } from '@govmatrix/common';

export const ACCOUNT_STATUSES = ['pending_filing', 'active', 'rectifying', 'closing', 'closed', 'force_closed'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export const ACCOUNT_STATUS_NAMES_ZH: Record<AccountStatus, string> = {
  pending_filing: '待备案',
  active: '正常',
  rectifying: '整改中',
  closing: '关停中',
  closed: '已关停',
  force_closed: '责令关闭',
};

/** Every allowed transition and what brings it about. Anything else is refused. */
const TRANSITIONS: Record<AccountStatus, Partial<Record<AccountStatus, string>>> = {
  pending_filing: {
    active: 'the opening filing is accepted',
    closing: 'the unit closes the account before filing it',
    force_closed: 'the supervising office orders closure',
  },
  active: {
    rectifying: 'the supervising office orders rectification',
    closing: 'the unit announces and deregisters the account',
    force_closed: 'the supervising office orders closure',
  },
  rectifying: {
    active: 'the rectification is accepted',
    closing: 'the unit announces and deregisters the account',
    force_closed: 'the supervising office orders closure',
  },
  closing: {
    closed: 'the closure filing is accepted',
    force_closed: 'the supervising office orders closure',
  },
  closed: {},
  force_closed: {},
};

export function canTransition(from: AccountStatus, to: AccountStatus): boolean {
  return TRANSITIONS[from][to] !== undefined;
}

/** Refuses an illegal transition with a 409 that says why and what would be allowed. */
export function assertTransition(from: AccountStatus, to: AccountStatus): void {
  if (canTransition(from, to)) return;
  const allowed = Object.keys(TRANSITIONS[from]);
  throw new ConflictError(
    'illegal_transition',
    allowed.length === 0
      ? `The account is ${from}, a final state: it cannot become ${to}`
      : `The account is ${from} and cannot become ${to}; from ${from} it can only become ${allowed.join(' or ')}`,
  );
}

/** Transitions only a filing's acceptance brings about: an order of the supervising office cannot (R1, R4, R6). */
const BY_FILING_ONLY: Partial<Record<AccountStatus, { to: AccountStatus; filing: string }>> = {
  pending_filing: { to: 'active', filing: 'opening' },
  closing: { to: 'closed', filing: 'closure' },
};

/** Like assertTransition, for a status the supervising office orders (POST …/transition). */
export function assertOrderedTransition(from: AccountStatus, to: AccountStatus): void {
  assertTransition(from, to);
  const byFiling = BY_FILING_ONLY[from];
  if (byFiling?.to === to) {
    throw new ConflictError(
      'illegal_transition',
      `The account is ${from} and cannot become ${to} by order: it becomes ${to} when its ${byFiling.filing} filing is accepted`,
    );
  }
}

/** Statuses in which an account counts against "one account per unit per platform" (R4). */
export const LIVE_STATUSES: readonly AccountStatus[] = ['pending_filing', 'active', 'rectifying'];
