import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { BadRequestError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { chinaToday } from '@govmatrix/calendar';
import { IdempotencyService, IdempotentAnswer } from './idempotency';
import { MAX_BATCH_ROWS, ReportResultDto } from './reports.dto';
import { METRIC_FIELDS, MetricRow, ReportingRepository, WriteCounts } from './reporting.repository';
import { FieldSpec, RowError, validateRows } from './row-validation';

const METRIC_SPEC: Record<string, FieldSpec> = {
  accountId: { type: 'uuid', required: true },
  day: { type: 'date', required: true },
  ...Object.fromEntries(
    METRIC_FIELDS.map(([field, , type]): [string, FieldSpec] => [
      field,
      field === 'newFollowers'
        ? { type: 'int', min: -2_147_483_647 }
        : type === 'numeric'
          ? { type: 'decimal', max: 1_000_000 }
          : { type: 'int', max: type === 'bigint' ? Number.MAX_SAFE_INTEGER : undefined },
    ]),
  ),
};

const INTERACTION_SPEC: Record<string, FieldSpec> = {
  day: { type: 'date', required: true },
  sourceAccountId: { type: 'uuid', required: true },
  targetAccountId: { type: 'uuid', required: true },
  kind: { type: 'enum', values: ['repost', 'comment'], required: true },
  count: { type: 'int', min: 1, required: true },
  targetPostId: { type: 'text', maxLength: 200 },
};

const POST_SPEC: Record<string, FieldSpec> = {
  accountId: { type: 'uuid', required: true },
  postId: { type: 'text', maxLength: 200, required: true },
  publishedAt: { type: 'timestamp', required: true },
  title: { type: 'text', maxLength: 500 },
  body: { type: 'text', maxLength: 20_000 },
  url: { type: 'text', maxLength: 2000 },
  contentClass: { type: 'enum', values: ['government', 'livelihood', 'b_class', 'other'] },
};

type MetricInput = Omit<MetricRow, 'unitId'>;
interface InteractionInput {
  day: string;
  sourceAccountId: string;
  targetAccountId: string;
  kind: string;
  count: number;
  targetPostId?: string;
}
interface PostInput {
  accountId: string;
  postId: string;
  publishedAt: string;
  title?: string;
  body?: string;
  url?: string;
  contentClass?: string;
}

interface BatchPlan<T> {
  spec: Record<string, FieldSpec>;
  /** Checks across fields of a row whose fields are each valid; `today` is the China day of the batch. */
  crossChecks?: (row: T, today: string) => { field: string; reason: string }[];
  /** The natural key: two rows with one key in a batch are refused (the later one). */
  keyOf: (row: T) => string;
  /** The account that must be in the caller's subtree. */
  scopedAccount: { field: string; of: (row: T) => string };
  /** Other account fields that must exist in the tenant. */
  tenantAccounts?: { field: string; of: (row: T) => string };
  /** Writes the accepted rows set-based; `unitIds[i]` is the unit of `rows[i]`'s account. */
  write: (caller: TenantAuthContext, rows: T[], unitIds: string[]) => Promise<WriteCounts>;
}

export interface BatchRequest {
  body: unknown;
  atomic: boolean;
  idempotencyKey?: string;
  /** The request's fingerprint for the idempotency check; a function, so that it is computed only when a key was sent. */
  requestHash: Buffer | (() => Buffer);
}

/**
 * Batches from subordinate portals: every row checked, bad rows answered one by one (index, field,
 * reason), good rows written set-based in the batch's one transaction — or nothing, when atomic.
 */
@Injectable()
export class ReportsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly repository: ReportingRepository,
    private readonly idempotency: IdempotencyService,
  ) {}

  reportMetrics(auth: AuthContext, request: BatchRequest): Promise<IdempotentAnswer<ReportResultDto>> {
    return this.ingest<MetricInput>(auth, request, {
      spec: METRIC_SPEC,
      crossChecks: (row, today) => {
        const problems: { field: string; reason: string }[] = [];
        if (row.day > today) problems.push({ field: 'day', reason: 'is in the future' });
        if ((row.originals ?? 0) > (row.posts ?? 0)) problems.push({ field: 'originals', reason: 'cannot exceed posts' });
        if ((row.messagesAnswered ?? 0) > (row.messagesReceived ?? 0)) {
          problems.push({ field: 'messagesAnswered', reason: 'cannot exceed messagesReceived' });
        }
        const classified = (row.postsGovernment ?? 0) + (row.postsLivelihood ?? 0) + (row.postsBClass ?? 0);
        if (classified > (row.posts ?? 0)) problems.push({ field: 'postsBClass', reason: 'classified posts cannot exceed posts' });
        return problems;
      },
      keyOf: (row) => `${row.accountId.toLowerCase()}|${row.day}`,
      scopedAccount: { field: 'accountId', of: (row) => row.accountId },
      write: (caller, rows, unitIds) => this.repository.upsertMetrics(caller.tenantId, rows, unitIds),
    });
  }

  reportInteractions(auth: AuthContext, request: BatchRequest): Promise<IdempotentAnswer<ReportResultDto>> {
    return this.ingest<InteractionInput>(auth, request, {
      spec: INTERACTION_SPEC,
      crossChecks: (row, today) => [
        ...(row.day > today ? [{ field: 'day', reason: 'is in the future' }] : []),
        ...(row.sourceAccountId.toLowerCase() === row.targetAccountId.toLowerCase()
          ? [{ field: 'targetAccountId', reason: 'an account does not interact with itself' }]
          : []),
      ],
      keyOf: (row) => `${row.day}|${row.sourceAccountId.toLowerCase()}|${row.targetAccountId.toLowerCase()}|${row.kind}`,
      scopedAccount: { field: 'sourceAccountId', of: (row) => row.sourceAccountId },
      tenantAccounts: { field: 'targetAccountId', of: (row) => row.targetAccountId },
      write: (caller, rows, unitIds) =>
        this.repository.upsertInteractions(
          caller.tenantId,
          rows.map((row, i) => ({ ...row, unitId: unitIds[i] })),
        ),
    });
  }

  reportPosts(auth: AuthContext, request: BatchRequest): Promise<IdempotentAnswer<ReportResultDto>> {
    return this.ingest<PostInput>(auth, request, {
      spec: POST_SPEC,
      keyOf: (row) => `${row.accountId.toLowerCase()}|${row.postId}`,
      scopedAccount: { field: 'accountId', of: (row) => row.accountId },
      write: (caller, rows, unitIds) =>
        this.repository.upsertPosts(
          caller.tenantId,
          rows.map((row, i) => ({ ...row, unitId: unitIds[i] })),
        ),
    });
  }

  private ingest<T>(auth: AuthContext, request: BatchRequest, plan: BatchPlan<T>): Promise<IdempotentAnswer<ReportResultDto>> {
    const caller = requireTenantCaller(auth);
    const rows = batchRows(request.body);
    return this.tx.run(dbScopeOf(caller), () =>
      this.idempotency.run(
        { tenantId: caller.tenantId, subjectId: caller.subjectId },
        request.idempotencyKey,
        request.requestHash,
        async () => {
          const today = chinaToday();
          const crossChecks = plan.crossChecks;
          const { valid, errors } = validateRows<T>(rows, plan.spec, crossChecks && ((row) => crossChecks(row, today)));
          const unique = dropDuplicates(valid, plan.keyOf, errors);
          const placed = await this.placeInScope(caller, unique, plan, errors);
          errors.sort((a, b) => a.index - b.index);
          if (request.atomic && errors.length > 0) {
            throw new ValidationError(
              `${new Set(errors.map((e) => e.index)).size} of ${rows.length} rows are invalid; nothing was written`,
              errors,
            );
          }
          const counts =
            placed.rows.length > 0 ? await plan.write(caller, placed.rows, placed.unitIds) : { inserted: 0, updated: 0, unchanged: 0 };
          const rejected = new Set(errors.map((e) => e.index)).size;
          return {
            status: 200,
            body: { received: rows.length, accepted: placed.rows.length, rejected, ...counts, errors },
          };
        },
      ),
    );
  }

  /** Rows whose account is outside the caller's subtree (or tenant) are answered as not found. */
  private async placeInScope<T>(
    caller: TenantAuthContext,
    rows: { index: number; row: T }[],
    plan: BatchPlan<T>,
    errors: RowError[],
  ): Promise<{ rows: T[]; unitIds: string[] }> {
    const ids = [...new Set(rows.map(({ row }) => plan.scopedAccount.of(row).toLowerCase()))];
    const units = await this.repository.accountsInScope(caller.tenantId, caller.scopePath, ids);
    const targets = plan.tenantAccounts
      ? await this.repository.accountsInTenant([...new Set(rows.map(({ row }) => plan.tenantAccounts!.of(row).toLowerCase()))])
      : undefined;
    const placed: { rows: T[]; unitIds: string[] } = { rows: [], unitIds: [] };
    for (const { index, row } of rows) {
      const unitId = units.get(plan.scopedAccount.of(row).toLowerCase());
      const field = plan.scopedAccount.field;
      if (!unitId) {
        errors.push({ index, pointer: `/rows/${index}/${field}`, field, reason: 'no such account in your scope' });
      } else if (plan.tenantAccounts && !targets!.has(plan.tenantAccounts.of(row).toLowerCase())) {
        const target = plan.tenantAccounts.field;
        errors.push({ index, pointer: `/rows/${index}/${target}`, field: target, reason: 'no such account in your tenant' });
      } else {
        placed.rows.push(row);
        placed.unitIds.push(unitId);
      }
    }
    return placed;
  }
}

function batchRows(body: unknown): unknown[] {
  const rows = (body as { rows?: unknown } | null)?.rows;
  const extra = body && typeof body === 'object' ? Object.keys(body).filter((k) => k !== 'rows') : [];
  if (!Array.isArray(rows))
    throw new BadRequestError('The body must be an object with a `rows` array', [{ pointer: '/rows', reason: 'must be an array' }]);
  if (extra.length > 0)
    throw new BadRequestError(
      `Unknown fields: ${extra.join(', ')}`,
      extra.map((k) => ({ pointer: `/${k}`, reason: 'is not a known field' })),
    );
  if (rows.length === 0) throw new BadRequestError('The batch is empty', [{ pointer: '/rows', reason: 'must contain at least one row' }]);
  if (rows.length > MAX_BATCH_ROWS) {
    throw new BadRequestError(`At most ${MAX_BATCH_ROWS} rows per batch`, [
      { pointer: '/rows', reason: `has ${rows.length} rows; the limit is ${MAX_BATCH_ROWS}` },
    ]);
  }
  return rows;
}

/** The first row of a natural key wins; later duplicates are refused so that no row is silently dropped. */
function dropDuplicates<T>(rows: { index: number; row: T }[], keyOf: (row: T) => string, errors: RowError[]): { index: number; row: T }[] {
  const seen = new Map<string, number>();
  return rows.filter(({ index, row }) => {
    const key = keyOf(row);
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, index);
      return true;
    }
    errors.push({ index, pointer: `/rows/${index}`, field: '', reason: `duplicates row ${first} (same natural key)` });
    return false;
  });
}
