import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';
import { AccountStatus } from './account-lifecycle';
import { AccountKind, OperatingMode, PersonRole, Platform, WechatType } from './account-platforms';

export interface AccountRecord {
  id: string;
  unitId: string;
  unitName: string;
  unitPath: string;
  platform: Platform;
  wechatType: WechatType | null;
  kind: AccountKind;
  holderName: string | null;
  holderPosition: string | null;
  name: string;
  platformUid: string | null;
  url: string | null;
  verified: boolean;
  verifiedOn: string | null;
  operatingMode: OperatingMode;
  vendor: string | null;
  status: AccountStatus;
  openedOn: string;
  openingDueOn: string;
  openingDueProvisional: boolean;
  openingOverdue: boolean;
  closingStartedOn: string | null;
  closureDueOn: string | null;
  closureDueProvisional: boolean;
  closureOverdue: boolean;
  closedOn: string | null;
  secondAccountJustification: string | null;
  secondAccountApprovedBy: string | null;
  secondAccountApprovedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface PersonRecord {
  id: string;
  accountId: string;
  role: PersonRole;
  name: string;
  position: string | null;
  phone: string | null;
  email: string | null;
  validFrom: Date;
  validTo: Date | null;
}

/** Today in China, where every deadline is counted. */
export const CHINA_TODAY = `(now() AT TIME ZONE 'Asia/Shanghai')::date`;

/**
 * An obligation is overdue when its deadline has passed and no filing of that kind is pending or
 * accepted (a returned filing does not count).
 */
export const overdueSql = (kind: 'opening' | 'closure', alias = 'a'): string => {
  const [status, due] = kind === 'opening' ? ['pending_filing', 'opening_due_on'] : ['closing', 'closure_due_on'];
  return `(${alias}.status = '${status}' AND ${alias}.${due} < ${CHINA_TODAY} AND NOT EXISTS (
    SELECT 1 FROM filings f WHERE f.tenant_id = ${alias}.tenant_id AND f.account_id = ${alias}.id
      AND f.kind = '${kind}' AND f.status IN ('submitted', 'accepted')))`;
};

export const ACCOUNT_COLUMNS = `a.id, a.unit_id AS "unitId", u.name AS "unitName", u.path::text AS "unitPath", a.platform, a.wechat_type AS "wechatType",
  a.kind, a.holder_name AS "holderName", a.holder_position AS "holderPosition", a.name, a.platform_uid AS "platformUid", a.url,
  a.verified, to_char(a.verified_on, 'YYYY-MM-DD') AS "verifiedOn", a.operating_mode AS "operatingMode", a.vendor, a.status,
  to_char(a.opened_on, 'YYYY-MM-DD') AS "openedOn", to_char(a.opening_due_on, 'YYYY-MM-DD') AS "openingDueOn",
  a.opening_due_provisional AS "openingDueProvisional", ${overdueSql('opening')} AS "openingOverdue",
  to_char(a.closing_started_on, 'YYYY-MM-DD') AS "closingStartedOn", to_char(a.closure_due_on, 'YYYY-MM-DD') AS "closureDueOn",
  a.closure_due_provisional AS "closureDueProvisional", ${overdueSql('closure')} AS "closureOverdue",
  to_char(a.closed_on, 'YYYY-MM-DD') AS "closedOn", a.second_account_justification AS "secondAccountJustification",
  a.second_account_approved_by AS "secondAccountApprovedBy", a.second_account_approved_at AS "secondAccountApprovedAt",
  a.created_at AS "createdAt", a.updated_at AS "updatedAt"`;

/** Accounts joined with their unit, limited to a subtree. $1 tenant, $2 subtree path. */
export const ACCOUNTS_IN_SUBTREE = `accounts a JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
  WHERE a.tenant_id = $1 AND u.path <@ $2::ltree`;

const PERSON_COLUMNS = `p.id, p.account_id AS "accountId", p.role, p.name, p.position, p.phone, p.email, p.valid_from AS "validFrom", p.valid_to AS "validTo"`;

export interface NewAccount {
  unitId: string;
  platform: Platform;
  wechatType: WechatType | null;
  kind: AccountKind;
  holderName: string | null;
  holderPosition: string | null;
  name: string;
  platformUid: string | null;
  url: string | null;
  verified: boolean;
  verifiedOn: string | null;
  operatingMode: OperatingMode;
  vendor: string | null;
  openedOn: string;
  openingDueOn: string;
  openingDueProvisional: boolean;
  secondAccountJustification: string | null;
}

export type AccountChanges = Partial<{
  name: string;
  platformUid: string | null;
  url: string | null;
  verified: boolean;
  verifiedOn: string | null;
  operatingMode: OperatingMode;
  vendor: string | null;
  wechatType: WechatType | null;
  holderName: string | null;
  holderPosition: string | null;
  status: AccountStatus;
  closingStartedOn: string;
  closureDueOn: string;
  closureDueProvisional: boolean;
  closedOn: string;
  secondAccountApprovedBy: string;
  secondAccountApprovedAt: Date;
}>;

const CHANGE_COLUMNS: Record<keyof AccountChanges, string> = {
  name: 'name',
  platformUid: 'platform_uid',
  url: 'url',
  verified: 'verified',
  verifiedOn: 'verified_on',
  operatingMode: 'operating_mode',
  vendor: 'vendor',
  wechatType: 'wechat_type',
  holderName: 'holder_name',
  holderPosition: 'holder_position',
  status: 'status',
  closingStartedOn: 'closing_started_on',
  closureDueOn: 'closure_due_on',
  closureDueProvisional: 'closure_due_provisional',
  closedOn: 'closed_on',
  secondAccountApprovedBy: 'second_account_approved_by',
  secondAccountApprovedAt: 'second_account_approved_at',
};

@Injectable()
export class AccountsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async findInScope(tenantId: string, scopePath: string, id: string, forUpdate = false): Promise<AccountRecord | undefined> {
    const rows: AccountRecord[] = await this.tx.manager.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNTS_IN_SUBTREE} AND a.id = $3 ${forUpdate ? 'FOR UPDATE OF a' : ''}`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  /**
   * Serializes, until the transaction ends, the registrations of one unit on one platform, so that two
   * concurrent requests cannot both find no sibling (R4).
   */
  async lockUnitPlatform(tenantId: string, unitId: string, platform: Platform): Promise<void> {
    await this.tx.manager.query(`SELECT pg_advisory_xact_lock(hashtextextended('account-slot:' || $1 || ':' || $2 || ':' || $3, 0))`, [
      tenantId,
      unitId,
      platform,
    ]);
  }

  /** Other live accounts of the unit on the platform (R4). */
  async liveSiblings(tenantId: string, unitId: string, platform: Platform, excludeId?: string): Promise<{ id: string; name: string }[]> {
    return this.tx.manager.query(
      `SELECT id, name FROM accounts WHERE tenant_id = $1 AND unit_id = $2 AND platform = $3
         AND status IN ('pending_filing', 'active', 'rectifying') AND ($4::uuid IS NULL OR id <> $4::uuid)`,
      [tenantId, unitId, platform, excludeId ?? null],
    );
  }

  async insert(tenantId: string, a: NewAccount): Promise<string> {
    const [row]: { id: string }[] = await this.tx.manager.query(
      `INSERT INTO accounts (tenant_id, unit_id, platform, wechat_type, kind, holder_name, holder_position, name, platform_uid, url,
         verified, verified_on, operating_mode, vendor, opened_on, opening_due_on, opening_due_provisional, second_account_justification)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
      [
        tenantId,
        a.unitId,
        a.platform,
        a.wechatType,
        a.kind,
        a.holderName,
        a.holderPosition,
        a.name,
        a.platformUid,
        a.url,
        a.verified,
        a.verifiedOn,
        a.operatingMode,
        a.vendor,
        a.openedOn,
        a.openingDueOn,
        a.openingDueProvisional,
        a.secondAccountJustification,
      ],
    );
    return row.id;
  }

  async update(tenantId: string, id: string, changes: AccountChanges): Promise<void> {
    const sql = new SqlParts([tenantId, id]);
    const sets = sql.set(changes, CHANGE_COLUMNS);
    await this.tx.manager.query(
      `UPDATE accounts SET ${sets ? `${sets}, ` : ''}updated_at = now() WHERE tenant_id = $1 AND id = $2`,
      sql.params,
    );
  }

  /** Holders of the chain at a moment (now when omitted). */
  async peopleAt(tenantId: string, accountIds: string[], at?: Date): Promise<PersonRecord[]> {
    if (accountIds.length === 0) return [];
    return this.tx.manager.query(
      `SELECT ${PERSON_COLUMNS} FROM account_people p
       WHERE p.tenant_id = $1 AND p.account_id = ANY($2::uuid[])
         AND p.valid_from <= coalesce($3::timestamptz, now()) AND (p.valid_to IS NULL OR p.valid_to > coalesce($3::timestamptz, now()))
       ORDER BY p.account_id, p.role, p.valid_from`,
      [tenantId, accountIds, at ?? null],
    );
  }

  async peopleHistory(tenantId: string, accountId: string): Promise<PersonRecord[]> {
    return this.tx.manager.query(
      `SELECT ${PERSON_COLUMNS} FROM account_people p WHERE p.tenant_id = $1 AND p.account_id = $2 ORDER BY p.role, p.valid_from, p.id`,
      [tenantId, accountId],
    );
  }

  /** Ends the current holding of a role (all current operators when role is operator and no id). */
  async endHolding(tenantId: string, accountId: string, role: PersonRole, personId?: string): Promise<PersonRecord[]> {
    const [rows] = await this.tx.manager.query(
      `UPDATE account_people p SET valid_to = now()
       WHERE p.tenant_id = $1 AND p.account_id = $2 AND p.role = $3 AND p.valid_to IS NULL AND ($4::uuid IS NULL OR p.id = $4::uuid)
       RETURNING ${PERSON_COLUMNS}`,
      [tenantId, accountId, role, personId ?? null],
    );
    return rows as PersonRecord[];
  }

  async addPerson(
    tenantId: string,
    accountId: string,
    unitId: string,
    person: { role: PersonRole; name: string; position?: string | null; phone?: string | null; email?: string | null },
  ): Promise<PersonRecord> {
    const [row]: PersonRecord[] = await this.tx.manager.query(
      `INSERT INTO account_people AS p (tenant_id, account_id, unit_id, role, name, position, phone, email)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${PERSON_COLUMNS}`,
      [tenantId, accountId, unitId, person.role, person.name, person.position ?? null, person.phone ?? null, person.email ?? null],
    );
    return row;
  }
}
