import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { BadRequestError, decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, ValidationError } from '@govmatrix/common';
import { tenantScope, TransactionHost } from '@govmatrix/database';
import { requireTenantCaller, UnitsRepository } from '@govmatrix/tenancy';
import { AccountsRepository } from './accounts.repository';
import {
  AccountFilterQueryDto,
  AccountListItemDto,
  AccountListPageDto,
  ACCOUNT_SORTS,
  AccountSortQueryDto,
  ExportAccountsQueryDto,
  ExportFormat,
  ExportHeaderLanguage,
  ListAccountsQueryDto,
  SORT_ORDERS,
  SummaryQueryDto,
  UnitAccountSummaryPageDto,
} from './ledger-views.dto';
import { toAccountListItemDto, toUnitAccountSummaryDto } from './ledger-views.mapper';
import { LedgerFilter, LedgerPosition, LedgerSort, LedgerViewsRepository } from './ledger-views.repository';

/**
 * Rows per export batch. In flight a row costs ~4.5 kB of heap (as read, its people, the listing
 * item), so a batch stays near 5 MB whatever the export's size; the batch's queries take tens of
 * milliseconds, so the round trips are amortised.
 */
export const EXPORT_BATCH_SIZE = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LTREE_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;
const SORT_VALUE: Record<LedgerSort['sort'], RegExp> = {
  name: /^[^]{1,100}$/u,
  openedOn: /^\d{4}-\d{2}-\d{2}$/,
  openingDueOn: /^\d{4}-\d{2}-\d{2}$/,
  createdAt: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
};

/** A ledger export: its options, and its rows in batches (the first one already read). */
export interface LedgerExport {
  format: ExportFormat;
  headers: ExportHeaderLanguage;
  batches: AsyncGenerator<AccountListItemDto[], void, undefined>;
}

interface Page {
  items: AccountListItemDto[];
  next?: LedgerPosition;
}

/**
 * The unified ledger (统一台账) as the supervising offices read it: the account listing with its
 * filters, the streamed export, and the per-unit summary. Read-only, scoped to the caller's subtree.
 */
@Injectable()
export class LedgerViewsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly views: LedgerViewsRepository,
    private readonly accounts: AccountsRepository,
    private readonly units: UnitsRepository,
  ) {}

  list(auth: AuthContext, query: ListAccountsQueryDto): Promise<AccountListPageDto> {
    const caller = requireTenantCaller(auth);
    const sort = sortOf(query);
    const after = decodePosition(query.cursor, sort);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    return this.tx.run(dbScopeOf(caller), async () => {
      const page = await this.page(caller, await this.resolveFilter(caller, query), sort, limit, after);
      return {
        items: page.items,
        nextCursor: page.next ? encodeCursor([sort.sort, sort.order, page.next.value, page.next.id]) : undefined,
      };
    });
  }

  /**
   * Opens an export. The filters are checked and the first batch is read here, so that a bad request
   * fails before the first byte (as problem details). Each later batch runs in its own short
   * transaction: a slow download never holds a pooled connection, at the price of no snapshot
   * across batches (a row changed mid-export may show its old or new sort position).
   */
  async export(auth: AuthContext, query: ExportAccountsQueryDto): Promise<LedgerExport> {
    const caller = requireTenantCaller(auth);
    const sort = sortOf(query);
    const { filter, first } = await this.tx.run(dbScopeOf(caller), async () => {
      const resolved = await this.resolveFilter(caller, query);
      return { filter: resolved, first: await this.page(caller, resolved, sort, EXPORT_BATCH_SIZE) };
    });
    return { format: query.format ?? 'csv', headers: query.headers ?? 'zh', batches: this.batches(caller, filter, sort, { page: first }) };
  }

  summary(auth: AuthContext, query: SummaryQueryDto): Promise<UnitAccountSummaryPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [afterPath] = (decodeCursor(query.cursor, 1, ([path]) => typeof path === 'string' && LTREE_PATH.test(path)) ?? []) as string[];
    return this.tx.run(dbScopeOf(caller), async () => {
      const subtreePath = query.under ? (await this.requireUnit(caller, query.under, '/under')).path : caller.scopePath;
      const rows = await this.inSubtree(caller, subtreePath, () =>
        this.views.summarizeUnits(caller.tenantId, subtreePath, limit + 1, afterPath),
      );
      const items = rows.slice(0, limit);
      return {
        items: items.map(toUnitAccountSummaryDto),
        nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].unitPath]) : undefined,
      };
    });
  }

  /**
   * One page with its people and open findings: three queries, whatever the page size, in a
   * transaction of its own unless one is open (each export batch has its own).
   */
  private page(caller: TenantAuthContext, filter: LedgerFilter, sort: LedgerSort, limit: number, after?: LedgerPosition): Promise<Page> {
    return this.inSubtree(caller, filter.subtreePath, async () => {
      const rows = await this.views.listAccounts(caller.tenantId, filter, sort, limit + 1, after);
      const pageRows = rows.slice(0, limit);
      const ids = pageRows.map((r) => r.id);
      const people = groupBy(await this.accounts.peopleAt(caller.tenantId, ids), (p) => p.accountId);
      const findings = new Map((await this.views.openFindingKinds(caller.tenantId, ids)).map((f) => [f.accountId, f.kinds]));
      const last = pageRows[pageRows.length - 1];
      return {
        items: pageRows.map((r) => toAccountListItemDto(r, people.get(r.id) ?? [], findings.get(r.id) ?? [])),
        next: rows.length > limit ? { value: last.sortKey, id: last.id } : undefined,
      };
    });
  }

  /**
   * Runs work with the row-level scope narrowed to a subtree already checked to lie in the
   * caller's: the policy's subtree drives the indexes (a query's own `<@` is not leakproof, so it
   * only filters afterwards).
   */
  private inSubtree<T>(caller: TenantAuthContext, subtreePath: string, work: () => Promise<T>): Promise<T> {
    return this.tx.run(tenantScope(caller.tenantId, subtreePath), work);
  }

  private async *batches(
    caller: TenantAuthContext,
    filter: LedgerFilter,
    sort: LedgerSort,
    first: { page?: Page },
  ): AsyncGenerator<AccountListItemDto[], void, undefined> {
    // Taken out of its box so that nothing but `page` holds it.
    let page: Page | undefined = first.page;
    first.page = undefined;
    while (page) {
      const after: LedgerPosition | undefined = page.next;
      if (page.items.length > 0) yield page.items;
      // Let go of the written batch before reading the next: memory holds one batch, not two.
      page = undefined;
      if (after) page = await this.page(caller, filter, sort, EXPORT_BATCH_SIZE, after);
    }
  }

  private async resolveFilter(caller: TenantAuthContext, query: AccountFilterQueryDto): Promise<LedgerFilter> {
    const subtreePath = query.under ? (await this.requireUnit(caller, query.under, '/under')).path : caller.scopePath;
    if (query.unitId) await this.requireUnit(caller, query.unitId, '/unitId');
    return {
      subtreePath,
      unitId: query.unitId,
      platforms: query.platform,
      statuses: query.status,
      sector: query.sector,
      level: query.level,
      kind: query.kind,
      overdue: query.overdue,
      q: query.q,
    };
  }

  private async requireUnit(caller: TenantAuthContext, id: string, pointer: string): Promise<{ path: string }> {
    const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, id);
    if (!unit) throw new ValidationError('The unit does not exist in your scope', [{ pointer, reason: 'no such unit in your scope' }]);
    return unit;
  }
}

const sortOf = (query: AccountSortQueryDto): LedgerSort => ({ sort: query.sort ?? 'name', order: query.order ?? 'asc' });

/** A listing cursor carries its sort and order, so that it cannot be replayed against another ordering. */
function decodePosition(cursor: string | undefined, sort: LedgerSort): LedgerPosition | undefined {
  const position = decodeCursor(
    cursor,
    4,
    ([s, o, value, id]) =>
      (ACCOUNT_SORTS as readonly unknown[]).includes(s) &&
      (SORT_ORDERS as readonly unknown[]).includes(o) &&
      typeof value === 'string' &&
      SORT_VALUE[s as LedgerSort['sort']].test(value) &&
      typeof id === 'string' &&
      UUID.test(id),
  ) as [LedgerSort['sort'], LedgerSort['order'], string, string] | undefined;
  if (!position) return undefined;
  const [s, o, value, id] = position;
  if (s !== sort.sort || o !== sort.order) {
    throw new BadRequestError(`The cursor belongs to sort=${s}&order=${o}; repeat those with it, or start again without a cursor`, [
      { pointer: '/cursor', reason: 'issued for another sort order' },
    ]);
  }
  return { value, id };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
