import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import {
  ConflictError,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  FieldError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
} from '@govmatrix/common';
import { tenantScope, TransactionHost } from '@govmatrix/database';
import { checkPlacement, depthOf, isRegion, MAX_TREE_DEPTH, TOO_DEEP } from './unit-rules';
import { parseUnitsCsv } from './units-csv';
import {
  CreateUnitDto,
  DeactivateUnitDto,
  ImportResultDto,
  ImportUnitRowDto,
  ListUnitsQueryDto,
  MAX_IMPORT_ROWS,
  MoveUnitDto,
  UnitDto,
  UnitPageDto,
  UpdateUnitDto,
} from './units.dto';
import { toUnitDto } from './units.mapper';
import { NewUnit, UnitRecord, UnitsRepository } from './units.repository';
import { requireTenantCaller } from './tenant-caller';

const LTREE_PATH = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

@Injectable()
export class UnitsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly units: UnitsRepository,
  ) {}

  get(auth: AuthContext, id: string): Promise<UnitDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toUnitDto(await this.require(caller, id)));
  }

  list(auth: AuthContext, query: ListUnitsQueryDto): Promise<UnitPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [afterPath] = (decodeCursor(query.cursor, 1, ([path]) => typeof path === 'string' && LTREE_PATH.test(path)) ?? []) as string[];
    return this.tx.run(dbScopeOf(caller), async () => {
      const subtreePath = query.under ? (await this.require(caller, query.under)).path : caller.scopePath;
      // The row policy's subtree drives the index (a query's own `<@` is not leakproof, so it
      // filters afterwards): narrow the scope to the subtree asked for, now known to be inside ours.
      const rows = await this.tx.run(tenantScope(caller.tenantId, subtreePath), () =>
        this.units.listSubtree(
          caller.tenantId,
          subtreePath,
          { level: query.level, sector: query.sector, active: query.active, nameContains: query.q },
          limit + 1,
          afterPath,
        ),
      );
      const items = rows.slice(0, limit);
      return {
        items: items.map(toUnitDto),
        nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].path]) : undefined,
      };
    });
  }

  create(auth: AuthContext, dto: CreateUnitDto): Promise<UnitDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const parent = await this.require(caller, dto.parentId, '/parentId');
      const sector = dto.sector ?? (isRegion(dto.level) ? 'government' : 'other');
      const errors = checkPlacement({ level: dto.level, divisionCode: dto.divisionCode, supervisor: dto.supervisor }, parent);
      if (depthOf(parent.path) >= MAX_TREE_DEPTH) errors.push({ pointer: '/parentId', reason: TOO_DEEP });
      if (dto.sectorParentId) errors.push(...(await this.checkSectorParent(caller, dto.sectorParentId, sector)));
      if (errors.length > 0) throw new ValidationError('The unit does not fit where it was placed', errors);
      const [label] = await this.units.nextLabels(1);
      const created = await this.units.insert(caller.tenantId, {
        parentId: parent.id,
        path: `${parent.path}.${label}`,
        code: dto.code ?? null,
        name: dto.name,
        shortName: dto.shortName ?? null,
        level: dto.level,
        divisionCode: dto.divisionCode ?? null,
        sector,
        sectorParentId: dto.sectorParentId ?? null,
        supervisor: dto.supervisor ?? false,
      });
      return toUnitDto(created);
    });
  }

  update(auth: AuthContext, id: string, dto: UpdateUnitDto): Promise<UnitDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unit = await this.require(caller, id);
      const parent = unit.parentId ? await this.units.findInScope(caller.tenantId, caller.scopePath, unit.parentId) : undefined;
      // One's own scope root sits under a parent one cannot see, so its placement cannot be checked; and
      // flagging it a supervising office would widen the scope of its users to that parent's subtree.
      const ownScopeRoot = unit.parentId !== null && !parent;
      const placementChanges =
        (dto.supervisor !== undefined && dto.supervisor !== unit.supervisor) ||
        (dto.divisionCode !== undefined && dto.divisionCode !== unit.divisionCode);
      if (ownScopeRoot && placementChanges) {
        throw new ForbiddenError('The supervising flag and division code of your own scope root are set from the scope above it');
      }
      const next = {
        level: unit.level,
        divisionCode: dto.divisionCode ?? unit.divisionCode,
        supervisor: dto.supervisor ?? unit.supervisor,
      };
      // A parent outside the caller's scope (editing one's own scope root) keeps its placement as is.
      const errors = unit.parentId === null || parent ? checkPlacement(next, parent ?? null) : [];
      const sector = dto.sector ?? unit.sector;
      if (dto.sectorParentId) {
        if (await this.units.isOnSectorChain(caller.tenantId, caller.scopePath, dto.sectorParentId, unit.id)) {
          errors.push({ pointer: '/sectorParentId', reason: 'the sector parent chain would become circular' });
        } else errors.push(...(await this.checkSectorParent(caller, dto.sectorParentId, sector)));
      }
      if (errors.length > 0) throw new ValidationError('The change breaks the rules of the tree', errors);
      const updated = await this.units.update(caller.tenantId, caller.scopePath, id, {
        name: dto.name,
        shortName: dto.shortName,
        code: dto.code,
        divisionCode: dto.divisionCode,
        sector: dto.sector,
        sectorParentId: dto.sectorParentId,
        supervisor: dto.supervisor,
      });
      if (!updated) throw new NotFoundError('Unit', id);
      return toUnitDto(updated);
    });
  }

  /** Moves a unit and its whole subtree under another parent, atomically. */
  move(auth: AuthContext, id: string, dto: MoveUnitDto): Promise<UnitDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unit = await this.require(caller, id);
      if (unit.path === caller.scopePath || unit.parentId === null) {
        throw new ForbiddenError('The root of your own scope cannot be moved');
      }
      const parent = await this.require(caller, dto.parentId, '/parentId');
      if (parent.path === unit.path || parent.path.startsWith(`${unit.path}.`)) {
        throw new ConflictError('move_into_own_subtree', 'A unit cannot move under itself or its own descendants', [
          { pointer: '/parentId', reason: 'is the unit itself or one of its descendants' },
        ]);
      }
      const errors = checkPlacement({ ...unit, divisionCode: dto.divisionCode ?? unit.divisionCode }, parent);
      const subtreeHeight = (await this.units.deepestBelow(caller.tenantId, unit.path)) - depthOf(unit.path) + 1;
      if (depthOf(parent.path) + subtreeHeight > MAX_TREE_DEPTH) errors.push({ pointer: '/parentId', reason: TOO_DEEP });
      if (errors.length > 0) throw new ValidationError('The unit does not fit under the new parent', errors);
      await this.units.moveSubtree(caller.tenantId, unit.path, parent.path, unit.id, parent.id);
      if (dto.divisionCode) await this.units.update(caller.tenantId, caller.scopePath, id, { divisionCode: dto.divisionCode });
      return toUnitDto(await this.require(caller, id));
    });
  }

  deactivate(auth: AuthContext, id: string, dto: DeactivateUnitDto): Promise<UnitDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unit = await this.require(caller, id);
      if (unit.path === caller.scopePath) throw new ForbiddenError('You cannot deactivate the root of your own scope');
      const activeBelow = await this.units.countActiveDescendants(caller.tenantId, unit.path);
      if (activeBelow > 0 && !dto.cascade) {
        throw new ConflictError(
          'active_descendants',
          `The unit has ${activeBelow} active units below it; deactivate them first or pass cascade: true`,
        );
      }
      await this.units.setActive(caller.tenantId, unit.path, false, true);
      return toUnitDto(await this.require(caller, id));
    });
  }

  activate(auth: AuthContext, id: string): Promise<UnitDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unit = await this.require(caller, id);
      const parent = unit.parentId ? await this.units.findInScope(caller.tenantId, caller.scopePath, unit.parentId) : undefined;
      if (parent && !parent.active) throw new ConflictError('inactive_parent', 'Activate the parent unit first');
      await this.units.setActive(caller.tenantId, unit.path, true, false);
      return toUnitDto(await this.require(caller, id));
    });
  }

  importCsv(auth: AuthContext, csv: string, parentId: string | undefined): Promise<ImportResultDto> {
    const { rows, errors } = parseUnitsCsv(csv, MAX_IMPORT_ROWS);
    if (errors.length > 0) throw new ValidationError(`The CSV has ${errors.length} invalid values`, errors);
    return this.importRows(auth, rows, parentId, '/rows');
  }

  importJson(auth: AuthContext, rows: ImportUnitRowDto[], parentId: string | undefined): Promise<ImportResultDto> {
    return this.importRows(auth, rows, parentId, '/units');
  }

  /**
   * Imports a whole tree, all or nothing: every row is checked (codes, parents, levels, division
   * codes, sector parents) before one set-based insert; any error rejects the batch with every
   * error listed by row.
   */
  private importRows(
    auth: AuthContext,
    rows: ImportUnitRowDto[],
    parentId: string | undefined,
    pointerBase: string,
  ): Promise<ImportResultDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const errors: FieldError[] = [];
      const at = (index: number, field: string): string => `${pointerBase}/${index}/${field}`;

      const defaultParent = await this.require(caller, parentId ?? caller.unitId, '/parentId');
      const byCode = new Map<string, number>();
      rows.forEach((row, index) => {
        if (byCode.has(row.code))
          errors.push({ pointer: at(index, 'code'), reason: `duplicate code ${row.code} (also row ${byCode.get(row.code)})` });
        else byCode.set(row.code, index);
      });
      const divisionRows = new Map<string, number>();
      rows.forEach((row, index) => {
        if (!row.divisionCode) return;
        if (divisionRows.has(row.divisionCode))
          errors.push({ pointer: at(index, 'divisionCode'), reason: `duplicate division code ${row.divisionCode}` });
        else divisionRows.set(row.divisionCode, index);
      });
      const taken = await this.units.takenKeys(caller.tenantId, [...byCode.keys()], [...divisionRows.keys()]);
      taken.codes.forEach((code) =>
        errors.push({ pointer: at(byCode.get(code)!, 'code'), reason: `code ${code} already exists in the tenant` }),
      );
      taken.divisionCodes.forEach((dc) =>
        errors.push({ pointer: at(divisionRows.get(dc)!, 'divisionCode'), reason: `division code ${dc} already exists in the tenant` }),
      );

      const externalCodes = [
        ...new Set(rows.flatMap((r) => [r.parentCode, r.sectorParentCode]).filter((c): c is string => !!c && !byCode.has(c))),
      ];
      const existing = new Map((await this.units.findByCodes(caller.tenantId, caller.scopePath, externalCodes)).map((u) => [u.code!, u]));

      // Place rows parents-first; a row whose parent chain never reaches a known unit is a cycle or a dangling code.
      const ids = rows.map(() => crypto.randomUUID());
      const labels = await this.units.nextLabels(rows.length);
      const placed = new Map<number, { path: string; parentId: string }>();
      const order: number[] = [];
      const resolveParent = (
        index: number,
        trail: Set<number>,
      ): { path: string; id: string; shape: UnitRecord | ImportUnitRowDto } | undefined => {
        const row = rows[index];
        if (!row.parentCode) return { path: defaultParent.path, id: defaultParent.id, shape: defaultParent };
        const outside = existing.get(row.parentCode);
        if (outside) return { path: outside.path, id: outside.id, shape: outside };
        const parentIndex = byCode.get(row.parentCode);
        if (parentIndex === undefined || trail.has(parentIndex)) return undefined;
        const parentPlace = place(parentIndex, trail);
        return parentPlace ? { path: parentPlace.path, id: ids[parentIndex], shape: rows[parentIndex] } : undefined;
      };
      // Set when a placement fails for depth; the bound also keeps the recursion short on a long chain.
      let tooDeep = false;
      const place = (index: number, trail = new Set<number>()): { path: string } | undefined => {
        const done = placed.get(index);
        if (done) return done;
        if (trail.size >= MAX_TREE_DEPTH) {
          tooDeep = true;
          return undefined;
        }
        trail.add(index);
        const parent = resolveParent(index, trail);
        if (!parent) return undefined;
        if (depthOf(parent.path) >= MAX_TREE_DEPTH) {
          tooDeep = true;
          return undefined;
        }
        const spot = { path: `${parent.path}.${labels[index]}`, parentId: parent.id };
        placed.set(index, spot);
        order.push(index);
        return spot;
      };

      const newUnits: (NewUnit & { id: string })[] = [];
      rows.forEach((row, index) => {
        tooDeep = false;
        if (!place(index)) {
          const known = row.parentCode && (existing.has(row.parentCode) || byCode.has(row.parentCode));
          errors.push({
            pointer: at(index, 'parentCode'),
            reason: tooDeep
              ? TOO_DEEP
              : known
                ? `parent chain of ${row.code} is circular`
                : `no unit with code ${row.parentCode} in this import or your scope`,
          });
        }
      });
      const sectorCycles = rowsInSectorCycles(rows, byCode);
      for (const index of order) {
        const row = rows[index];
        const parentShape = resolveParent(index, new Set())!.shape;
        checkPlacement(row, parentShape, `${pointerBase}/${index}`).forEach((e) => errors.push(e));
        const sector = row.sector ?? (isRegion(row.level) ? 'government' : 'other');
        let sectorParentId: string | null = null;
        if (row.sectorParentCode) {
          const inBatch = byCode.get(row.sectorParentCode);
          const outside = existing.get(row.sectorParentCode);
          const parentSector = inBatch !== undefined ? (rows[inBatch].sector ?? 'other') : outside?.sector;
          sectorParentId = inBatch !== undefined ? ids[inBatch] : (outside?.id ?? null);
          if (!sectorParentId || inBatch === index) {
            errors.push({ pointer: at(index, 'sectorParentCode'), reason: `no unit with code ${row.sectorParentCode}` });
          } else if (parentSector !== sector) {
            errors.push({ pointer: at(index, 'sectorParentCode'), reason: `sector parent is in sector ${parentSector}, not ${sector}` });
          } else if (sectorCycles.has(index)) {
            errors.push({ pointer: at(index, 'sectorParentCode'), reason: `sector parent chain of ${row.code} is circular` });
          }
        }
        newUnits.push({
          id: ids[index],
          parentId: placed.get(index)!.parentId,
          path: placed.get(index)!.path,
          code: row.code,
          name: row.name,
          shortName: row.shortName ?? null,
          level: row.level,
          divisionCode: row.divisionCode ?? null,
          sector,
          sectorParentId,
          supervisor: row.supervisor ?? false,
        });
      }
      const supervisedParents = new Map<string, number>();
      newUnits.forEach((unit, i) => {
        if (!unit.supervisor) return;
        const index = order[i];
        if (supervisedParents.has(unit.parentId!))
          errors.push({ pointer: at(index, 'supervisor'), reason: 'the region already has a supervising office in this import' });
        supervisedParents.set(unit.parentId!, index);
      });

      if (errors.length > 0) {
        errors.sort((a, b) => comparePointers(a.pointer, b.pointer));
        throw new ValidationError(`The import has ${errors.length} errors; nothing was imported`, errors);
      }
      const created = await this.units.insertMany(caller.tenantId, newUnits);
      return { created };
    });
  }

  private async checkSectorParent(caller: TenantAuthContext, sectorParentId: string, sector: string): Promise<FieldError[]> {
    const sectorParent = await this.units.findInScope(caller.tenantId, caller.scopePath, sectorParentId);
    if (!sectorParent) return [{ pointer: '/sectorParentId', reason: 'no such unit in your scope' }];
    if (sectorParent.sector !== sector)
      return [{ pointer: '/sectorParentId', reason: `sector parent is in sector ${sectorParent.sector}, not ${sector}` }];
    return [];
  }

  private async require(caller: TenantAuthContext, id: string, pointer?: string): Promise<UnitRecord> {
    const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, id);
    if (!unit) {
      if (pointer)
        throw new ValidationError('A referenced unit does not exist in your scope', [{ pointer, reason: 'no such unit in your scope' }]);
      throw new NotFoundError('Unit', id);
    }
    return unit;
  }
}

/** Rows whose chain of sector parents inside the batch comes back to them (existing units cannot point into a batch). */
function rowsInSectorCycles(rows: ImportUnitRowDto[], byCode: Map<string, number>): Set<number> {
  const inCycle = new Set<number>();
  const walkedBy = new Map<number, number>();
  rows.forEach((_, start) => {
    const walk: number[] = [];
    let at: number | undefined = start;
    while (at !== undefined && !walkedBy.has(at)) {
      walkedBy.set(at, start);
      walk.push(at);
      const code: string | undefined = rows[at].sectorParentCode;
      at = code ? byCode.get(code) : undefined;
    }
    // Back on a row of this very walk: from there on, the walk is a cycle.
    if (at !== undefined && walkedBy.get(at) === start) walk.slice(walk.indexOf(at)).forEach((i) => inCycle.add(i));
  });
  return inCycle;
}

/** Orders pointers like /units/2/code before /units/10/code. */
function comparePointers(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
