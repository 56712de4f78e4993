import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller, UnitsRepository } from '@govmatrix/tenancy';
import {
  CoverageDto,
  InteractionDto,
  InteractionMatrixDto,
  InteractionMatrixQueryDto,
  InteractionQueryDto,
  PeriodQueryDto,
  SubtreeQueryDto,
  TrendDto,
  UnitCoveragePageDto,
  UnitCoverageQueryDto,
} from './matrix.dto';
import { counts, toCoverageDto, toMatrix, toUnitCoverageDto, toUnitInteractionDto } from './matrix.mapper';
import { resolvePeriod } from './matrix-period';
import { MatrixRepository, SubtreeRoot } from './matrix.repository';

const LTREE_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

/**
 * What matrix leads and auditors look at (集群): coverage, upper–lower interaction and trends of a
 * subtree of their scope. Read-only.
 */
@Injectable()
export class MatrixService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly matrix: MatrixRepository,
    private readonly units: UnitsRepository,
  ) {}

  coverage(auth: AuthContext, query: SubtreeQueryDto): Promise<CoverageDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const root = await this.root(caller, query.under);
      return toCoverageDto(root, await this.matrix.coverage(caller.tenantId, await this.matrix.subtree(caller.tenantId, root.path)));
    });
  }

  unitCoverage(auth: AuthContext, query: UnitCoverageQueryDto): Promise<UnitCoveragePageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [afterPath] = (decodeCursor(query.cursor, 1, ([path]) => typeof path === 'string' && LTREE_PATH.test(path)) ?? []) as string[];
    return this.tx.run(dbScopeOf(caller), async () => {
      const root = await this.root(caller, query.under);
      const subtree = await this.matrix.subtree(caller.tenantId, root.path);
      const rows = await this.matrix.unitCoverage(caller.tenantId, subtree, query.depth ?? 1, limit + 1, afterPath);
      const items = rows.slice(0, limit);
      return {
        items: items.map(toUnitCoverageDto),
        nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].path]) : undefined,
      };
    });
  }

  interaction(auth: AuthContext, query: InteractionQueryDto): Promise<InteractionDto> {
    const caller = requireTenantCaller(auth);
    const period = resolvePeriod(query);
    return this.tx.run(dbScopeOf(caller), async () => {
      const root = await this.root(caller, query.under);
      const subtree = await this.matrix.subtree(caller.tenantId, root.path);
      const { items, totals } = await this.matrix.interaction(caller.tenantId, subtree, caller.scopePath, period, {
        level: query.level,
        sort: query.sort ?? 'total',
        limit: query.limit ?? DEFAULT_PAGE_SIZE,
      });
      return {
        unitId: root.id,
        unitName: root.name,
        ...period,
        units: totals.units,
        unitsWithUpper: totals.unitsWithUpper,
        upper: counts(totals.upperReposts, totals.upperComments),
        lower: counts(totals.lowerReposts, totals.lowerComments),
        items: items.map(toUnitInteractionDto),
      };
    });
  }

  interactionMatrix(auth: AuthContext, query: InteractionMatrixQueryDto): Promise<InteractionMatrixDto> {
    const caller = requireTenantCaller(auth);
    const period = resolvePeriod(query);
    return this.tx.run(dbScopeOf(caller), async () => {
      const root = await this.root(caller, query.under);
      const subtree = await this.matrix.subtree(caller.tenantId, root.path);
      const rows = await this.matrix.interactionMatrix(caller.tenantId, subtree, period, { top: query.top ?? 20, kind: query.kind });
      return { unitId: root.id, unitName: root.name, ...period, ...toMatrix(rows) };
    });
  }

  trends(auth: AuthContext, query: PeriodQueryDto): Promise<TrendDto> {
    const caller = requireTenantCaller(auth);
    const period = resolvePeriod(query);
    return this.tx.run(dbScopeOf(caller), async () => {
      const root = await this.root(caller, query.under);
      const items = await this.matrix.trends(caller.tenantId, await this.matrix.subtree(caller.tenantId, root.path), period);
      return { unitId: root.id, unitName: root.name, ...period, items };
    });
  }

  /** The subtree's root: `under` when it lies in the caller's scope, else the scope's own root. */
  private async root(caller: TenantAuthContext, under: string | undefined): Promise<SubtreeRoot> {
    if (!under) return (await this.matrix.unitAt(caller.tenantId, caller.scopePath))!;
    const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, under);
    if (!unit)
      throw new ValidationError('The unit does not exist in your scope', [{ pointer: '/under', reason: 'no such unit in your scope' }]);
    return { id: unit.id, name: unit.name, path: unit.path };
  }
}
