import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';
import { UnitLevel } from '@govmatrix/tenancy';
import { ACCOUNT_STATUSES, AccountStatus } from './account-lifecycle';
import { AccountKind, PLATFORMS, Platform } from './account-platforms';
import { ACCOUNT_COLUMNS, AccountRecord, ACCOUNTS_IN_SUBTREE, overdueSql } from './accounts.repository';
import { AccountSort, SortOrder } from './ledger-views.dto';

/** What the ledger views filter on; the subtree is always set (the caller's scope at most). */
export interface LedgerFilter {
  subtreePath: string;
  unitId?: string;
  platforms?: Platform[];
  statuses?: AccountStatus[];
  sector?: string;
  level?: UnitLevel;
  kind?: AccountKind;
  overdue?: boolean;
  q?: string;
}

export interface LedgerSort {
  sort: AccountSort;
  order: SortOrder;
}

/** A keyset position: the sort value as text (full precision) and the id that breaks ties. */
export interface LedgerPosition {
  value: string;
  id: string;
}

export interface LedgerAccountRecord extends AccountRecord {
  unitLevel: UnitLevel;
  unitSector: string;
  /** The row's sort value as text, for the next cursor. */
  sortKey: string;
}

export interface OpenFindingKinds {
  accountId: string;
  kinds: string[];
}

export interface UnitSummaryRecord {
  unitId: string;
  unitName: string;
  unitLevel: UnitLevel;
  unitSector: string;
  unitPath: string;
  total: number;
  overdue: number;
  byStatus: Record<AccountStatus, number>;
  byPlatform: Record<Platform, number>;
}

/**
 * How each sort orders rows (`expr`), how its value travels in a cursor (`key`, text without loss:
 * timestamps keep their microseconds) and how a cursor value is read back (`cast`).
 * Names sort in pinyin order (zh ICU collation), as Chinese users expect of a ledger.
 */
const SORTS: Record<AccountSort, { expr: string; key: string; cast: string }> = {
  name: { expr: 'a.name COLLATE "zh-x-icu"', key: 'a.name', cast: 'text COLLATE "zh-x-icu"' },
  openedOn: { expr: 'a.opened_on', key: `to_char(a.opened_on, 'YYYY-MM-DD')`, cast: 'date' },
  openingDueOn: { expr: 'a.opening_due_on', key: `to_char(a.opening_due_on, 'YYYY-MM-DD')`, cast: 'date' },
  createdAt: {
    expr: 'a.created_at',
    key: `to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    cast: 'timestamptz',
  },
};

const OVERDUE = `(${overdueSql('opening')} OR ${overdueSql('closure')})`;

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Count columns of the summary, named from code constants only. */
const STATUS_COUNTS = ACCOUNT_STATUSES.map((s) => `count(*) FILTER (WHERE a.status = '${s}')::int AS "status:${s}"`).join(',\n  ');
const PLATFORM_COUNTS = PLATFORMS.map((p) => `count(*) FILTER (WHERE a.platform = '${p}')::int AS "platform:${p}"`).join(',\n  ');

/** Read-only, set-based queries behind the unified ledger's listing, export and per-unit summary. */
@Injectable()
export class LedgerViewsRepository {
  constructor(private readonly tx: TransactionHost) {}

  /**
   * One keyset page of accounts; `limit + 1` tells the caller whether another page follows. Two
   * steps: the page's ids by the sort key alone (an index scan with the keyset indexes, or a narrow
   * top-N sort), then the full rows of just those ids.
   */
  async listAccounts(
    tenantId: string,
    filter: LedgerFilter,
    sort: LedgerSort,
    limit: number,
    after?: LedgerPosition,
  ): Promise<LedgerAccountRecord[]> {
    const sql = filtered(tenantId, filter);
    const { expr, key, cast } = SORTS[sort.sort];
    const direction = sort.order === 'asc' ? 'ASC' : 'DESC';
    if (after) sql.and(`(${expr}, a.id) ${sort.order === 'asc' ? '>' : '<'} (?::${cast}, ${sql.param(after.id)}::uuid)`, after.value);
    const orderBy = `ORDER BY ${expr} ${direction}, a.id ${direction}`;
    return this.tx.manager.query(
      `SELECT ${ACCOUNT_COLUMNS}, u.level AS "unitLevel", u.sector AS "unitSector", ${key} AS "sortKey"
       FROM (SELECT a.id FROM ${ACCOUNTS_IN_SUBTREE} AND ${sql.where} ${orderBy} LIMIT ${sql.param(limit)}) page
       JOIN accounts a ON a.tenant_id = $1 AND a.id = page.id
       JOIN units u ON u.tenant_id = a.tenant_id AND u.id = a.unit_id
       ${orderBy}`,
      sql.params,
    );
  }

  /** The kinds of the open findings of many accounts, in one query. */
  async openFindingKinds(tenantId: string, accountIds: string[]): Promise<OpenFindingKinds[]> {
    if (accountIds.length === 0) return [];
    return this.tx.manager.query(
      `SELECT account_id AS "accountId", array_agg(DISTINCT kind ORDER BY kind) AS kinds
       FROM findings WHERE tenant_id = $1 AND account_id = ANY($2::uuid[]) AND status = 'open'
       GROUP BY account_id`,
      [tenantId, accountIds],
    );
  }

  /** Per unit of the subtree that opened accounts: totals by status and platform, overdue filings; in tree order. */
  async summarizeUnits(tenantId: string, subtreePath: string, limit: number, afterPath?: string): Promise<UnitSummaryRecord[]> {
    const sql = new SqlParts([tenantId, subtreePath]).and('u.path > ?::ltree', afterPath);
    const rows: Record<string, unknown>[] = await this.tx.manager.query(
      `SELECT u.id AS "unitId", u.name AS "unitName", u.level AS "unitLevel", u.sector AS "unitSector", u.path::text AS "unitPath",
         count(*)::int AS total,
         count(*) FILTER (WHERE ${OVERDUE})::int AS overdue,
         ${STATUS_COUNTS},
         ${PLATFORM_COUNTS}
       FROM ${ACCOUNTS_IN_SUBTREE} AND ${sql.where}
       GROUP BY u.tenant_id, u.id
       ORDER BY u.path
       LIMIT ${sql.param(limit)}`,
      sql.params,
    );
    return rows.map((row) => ({
      unitId: row.unitId as string,
      unitName: row.unitName as string,
      unitLevel: row.unitLevel as UnitLevel,
      unitSector: row.unitSector as string,
      unitPath: row.unitPath as string,
      total: row.total as number,
      overdue: row.overdue as number,
      byStatus: Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s, row[`status:${s}`] as number])) as Record<AccountStatus, number>,
      byPlatform: Object.fromEntries(PLATFORMS.map((p) => [p, row[`platform:${p}`] as number])) as Record<Platform, number>,
    }));
  }
}

/** The filter as conditions after ACCOUNTS_IN_SUBTREE's `$1` (tenant) and `$2` (subtree path). */
function filtered(tenantId: string, filter: LedgerFilter): SqlParts {
  const sql = new SqlParts([tenantId, filter.subtreePath])
    .and('a.unit_id = ?::uuid', filter.unitId)
    .and('a.platform = ANY(?::text[])', filter.platforms)
    .and('a.status = ANY(?::text[])', filter.statuses)
    .and('u.sector = ?', filter.sector)
    .and('u.level = ?', filter.level)
    .and('a.kind = ?', filter.kind)
    .and(`${OVERDUE} = ?::boolean`, filter.overdue);
  if (filter.q !== undefined) {
    // Substring match, Chinese included. ILIKE is not leakproof, so under row-level security the
    // planner cannot take it into the trigram index (accounts_name_trgm): it filters the scope's rows.
    const pattern = `%${escapeLike(filter.q)}%`;
    sql.and(`(a.name ILIKE ${sql.param(pattern)} OR a.platform_uid ILIKE ?)`, pattern);
  }
  return sql;
}
