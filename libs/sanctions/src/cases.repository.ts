import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';
import { CHINA_TODAY } from '@govmatrix/ledger';
import { CaseStatus, Measure, StepKind } from './case-rules';

/** A responsible person as the case stores them: the chain at one moment, contacts in full. */
export interface StoredPerson {
  id: string;
  role: string;
  name: string;
  position: string | null;
  phone: string | null;
  email: string | null;
  validFrom: string;
}

export interface StoredPersons {
  at: string;
  people: StoredPerson[];
}

export interface CaseRecord {
  id: string;
  accountId: string;
  accountName: string;
  unitId: string;
  unitName: string;
  status: CaseStatus;
  measure: Measure;
  initialMeasure: Measure;
  decision: string;
  decidedOn: string;
  dueOn: string;
  dueProvisional: boolean;
  overdue: boolean;
  stepCount: number;
  personsOfRecord: StoredPersons;
  openedBy: string;
  openedAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
}

/** What a step stores besides its state: the report, the reasons, the note, the persons named. */
export interface StepDetails {
  note?: string;
  reasons?: string[];
  rectification?: { text: string; evidenceUrls: string[]; rectifiedOn: string };
  previousMeasure?: Measure;
  personsOfRecord?: StoredPersons;
  findingIds?: string[];
}

export interface NewStep {
  caseId: string;
  seq: number;
  unitId: string;
  kind: StepKind;
  statusAfter: CaseStatus;
  measure: Measure;
  dueOn: string;
  dueProvisional: boolean;
  actorKind: 'user' | 'client' | 'system';
  actorId: string | null;
  details: StepDetails;
  asOf: Date | null;
}

export interface StepRecord extends Omit<NewStep, 'asOf' | 'unitId'> {
  asOf: Date | null;
  occurredAt: Date;
}

export interface OverdueCase {
  id: string;
  accountId: string;
  accountName: string;
  unitId: string;
  measure: Measure;
  stepCount: number;
  dueOn: string;
}

export interface FindingForCase {
  id: string;
  accountId: string;
  status: 'open' | 'closed';
  kind: string;
  inUnresolvedCase: boolean;
}

const COLUMNS = `c.id, c.account_id AS "accountId", a.name AS "accountName", c.unit_id AS "unitId", u.name AS "unitName", c.status,
  c.measure, c.initial_measure AS "initialMeasure", c.decision, to_char(c.decided_on, 'YYYY-MM-DD') AS "decidedOn",
  to_char(c.due_on, 'YYYY-MM-DD') AS "dueOn", c.due_provisional AS "dueProvisional",
  (c.status = 'awaiting_rectification' AND c.due_on < ${CHINA_TODAY}) AS overdue, c.step_count AS "stepCount",
  c.persons_of_record AS "personsOfRecord", c.opened_by AS "openedBy", c.opened_at AS "openedAt", c.updated_at AS "updatedAt",
  c.resolved_at AS "resolvedAt"`;

const FROM = `sanction_cases c JOIN accounts a ON a.tenant_id = c.tenant_id AND a.id = c.account_id
  JOIN units u ON u.tenant_id = c.tenant_id AND u.id = c.unit_id`;
/** $1 tenant, $2 subtree path. */
const IN_SUBTREE = `c.tenant_id = $1 AND u.path <@ $2::ltree`;

const STEP_COLUMNS = `s.case_id AS "caseId", s.seq, s.kind, s.status_after AS "statusAfter", s.measure, to_char(s.due_on, 'YYYY-MM-DD') AS "dueOn",
  s.due_provisional AS "dueProvisional", s.actor_kind AS "actorKind", s.actor_id AS "actorId", s.details, s.as_of AS "asOf",
  s.occurred_at AS "occurredAt"`;

@Injectable()
export class CasesRepository {
  constructor(private readonly tx: TransactionHost) {}

  async findInScope(tenantId: string, scopePath: string, id: string, forUpdate = false): Promise<CaseRecord | undefined> {
    const rows: CaseRecord[] = await this.tx.manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE ${IN_SUBTREE} AND c.id = $3 ${forUpdate ? 'FOR UPDATE OF c' : ''}`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  async list(
    tenantId: string,
    subtreePath: string,
    filter: { status?: CaseStatus; measure?: Measure; accountId?: string; overdue?: boolean },
    limit: number,
    after?: { openedAt: string; id: string },
  ): Promise<CaseRecord[]> {
    const sql = new SqlParts([tenantId, subtreePath], [IN_SUBTREE])
      .and('c.status = ?', filter.status)
      .and('c.measure = ?', filter.measure)
      .and('c.account_id = ?', filter.accountId)
      .and(`(c.status = 'awaiting_rectification' AND c.due_on < ${CHINA_TODAY}) = ?`, filter.overdue);
    if (after) sql.and(`(c.opened_at, c.id) < (?::timestamptz, ${sql.param(after.id)}::uuid)`, after.openedAt);
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE ${sql.where} ORDER BY c.opened_at DESC, c.id DESC LIMIT ${sql.param(limit)}`,
      sql.params,
    );
  }

  /** The findings named by an opening, with whether an unresolved case already answers them. */
  async findingsForCase(tenantId: string, scopePath: string, ids: string[]): Promise<FindingForCase[]> {
    return this.tx.manager.query(
      `SELECT f.id, f.account_id AS "accountId", f.status, f.kind,
         EXISTS (SELECT 1 FROM sanction_case_findings cf JOIN sanction_cases c ON c.tenant_id = cf.tenant_id AND c.id = cf.case_id
                 WHERE cf.tenant_id = f.tenant_id AND cf.finding_id = f.id AND c.status <> 'resolved') AS "inUnresolvedCase"
       FROM findings f JOIN units u ON u.tenant_id = f.tenant_id AND u.id = f.unit_id
       WHERE f.tenant_id = $1 AND u.path <@ $2::ltree AND f.id = ANY($3::uuid[])`,
      [tenantId, scopePath, ids],
    );
  }

  async caseFindings(
    tenantId: string,
    scopePath: string,
    caseId: string,
  ): Promise<{ id: string; kind: string; detail: string; status: 'open' | 'closed' }[]> {
    return this.tx.manager.query(
      `SELECT f.id, f.kind, f.detail, f.status
       FROM sanction_case_findings cf JOIN findings f ON f.tenant_id = cf.tenant_id AND f.id = cf.finding_id
       JOIN units u ON u.tenant_id = cf.tenant_id AND u.id = cf.unit_id
       WHERE cf.tenant_id = $1 AND u.path <@ $2::ltree AND cf.case_id = $3 ORDER BY f.opened_at, f.id`,
      [tenantId, scopePath, caseId],
    );
  }

  async steps(tenantId: string, scopePath: string, caseId: string): Promise<StepRecord[]> {
    return this.tx.manager.query(
      `SELECT ${STEP_COLUMNS} FROM sanction_case_steps s JOIN units u ON u.tenant_id = s.tenant_id AND u.id = s.unit_id
       WHERE s.tenant_id = $1 AND u.path <@ $2::ltree AND s.case_id = $3 ORDER BY s.seq`,
      [tenantId, scopePath, caseId],
    );
  }

  /** Unresolved cases of the account other than `exceptId`. */
  async unresolvedOfAccount(tenantId: string, accountId: string, exceptId: string): Promise<number> {
    const [row]: { n: number }[] = await this.tx.manager.query(
      `SELECT count(*)::int AS n FROM sanction_cases WHERE tenant_id = $1 AND account_id = $2 AND id <> $3 AND status <> 'resolved'`,
      [tenantId, accountId, exceptId],
    );
    return row.n;
  }

  async insertCase(
    tenantId: string,
    c: {
      accountId: string;
      unitId: string;
      measure: Measure;
      decision: string;
      decidedOn: string;
      dueOn: string;
      dueProvisional: boolean;
      personsOfRecord: StoredPersons;
      openedBy: string;
      findingIds: string[];
    },
  ): Promise<string> {
    const [row]: { id: string }[] = await this.tx.manager.query(
      `INSERT INTO sanction_cases (tenant_id, account_id, unit_id, initial_measure, measure, decision, decided_on, due_on, due_provisional,
         persons_of_record, opened_by)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
      [
        tenantId,
        c.accountId,
        c.unitId,
        c.measure,
        c.decision,
        c.decidedOn,
        c.dueOn,
        c.dueProvisional,
        JSON.stringify(c.personsOfRecord),
        c.openedBy,
      ],
    );
    await this.tx.manager.query(
      `INSERT INTO sanction_case_findings (tenant_id, case_id, finding_id, unit_id) SELECT $1, $2, f, $3 FROM unnest($4::uuid[]) f`,
      [tenantId, row.id, c.unitId, c.findingIds],
    );
    return row.id;
  }

  /** Appends steps (one statement for any number of cases). */
  async insertSteps(tenantId: string, steps: NewStep[]): Promise<void> {
    if (steps.length === 0) return;
    await this.tx.manager.query(
      `INSERT INTO sanction_case_steps (tenant_id, case_id, seq, unit_id, kind, status_after, measure, due_on, due_provisional,
         actor_kind, actor_id, details, as_of)
       SELECT $1, s."caseId", s.seq, s."unitId", s.kind, s."statusAfter", s.measure, s."dueOn", s."dueProvisional",
         s."actorKind", s."actorId", s.details, s."asOf"
       FROM jsonb_to_recordset($2::jsonb) AS s("caseId" uuid, seq int, "unitId" uuid, kind text, "statusAfter" text, measure text,
         "dueOn" date, "dueProvisional" boolean, "actorKind" text, "actorId" uuid, details jsonb, "asOf" timestamptz)`,
      [tenantId, JSON.stringify(steps)],
    );
  }

  /**
   * Moves cases to the state their new steps leave them in. Each case must still be at the step
   * before (it is locked by the caller); anything else is a bug, not a race, and fails the transaction.
   */
  async applySteps(tenantId: string, steps: NewStep[]): Promise<void> {
    if (steps.length === 0) return;
    const [, updated]: [unknown, number] = await this.tx.manager.query(
      `UPDATE sanction_cases c
       SET status = s."statusAfter", measure = s.measure, due_on = s."dueOn", due_provisional = s."dueProvisional", step_count = s.seq,
           resolved_at = CASE WHEN s."statusAfter" = 'resolved' THEN now() END, updated_at = now()
       FROM jsonb_to_recordset($2::jsonb) AS s("caseId" uuid, seq int, "statusAfter" text, measure text, "dueOn" date, "dueProvisional" boolean)
       WHERE c.tenant_id = $1 AND c.id = s."caseId" AND c.step_count = s.seq - 1`,
      [tenantId, JSON.stringify(steps)],
    );
    if (updated !== steps.length) throw new Error(`case state out of step: ${updated} of ${steps.length} cases updated`);
  }

  /** Cases waiting for rectification whose deadline ended before `asOfDate`, locked for the escalation. */
  async overdueForUpdate(tenantId: string, subtreePath: string, asOfDate: string): Promise<OverdueCase[]> {
    return this.tx.manager.query(
      `SELECT c.id, c.account_id AS "accountId", a.name AS "accountName", c.unit_id AS "unitId", c.measure, c.step_count AS "stepCount",
         to_char(c.due_on, 'YYYY-MM-DD') AS "dueOn"
       FROM ${FROM}
       WHERE ${IN_SUBTREE} AND c.status = 'awaiting_rectification' AND c.due_on < $3::date
       ORDER BY c.due_on, c.id
       FOR UPDATE OF c`,
      [tenantId, subtreePath, asOfDate],
    );
  }
}
