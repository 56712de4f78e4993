import { Injectable } from '@nestjs/common';
import { SqlParts, TransactionHost } from '@govmatrix/database';
import { UnitLevel } from './unit-rules';

/** A unit as stored. `path` is the ltree path of labels from the tenant's root. */
export interface UnitRecord {
  tenantId: string;
  id: string;
  parentId: string | null;
  path: string;
  code: string | null;
  name: string;
  shortName: string | null;
  level: UnitLevel;
  divisionCode: string | null;
  sector: string;
  sectorParentId: string | null;
  supervisor: boolean;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface NewUnit {
  id?: string;
  parentId: string | null;
  path: string;
  code: string | null;
  name: string;
  shortName: string | null;
  level: UnitLevel;
  divisionCode: string | null;
  sector: string;
  sectorParentId: string | null;
  supervisor: boolean;
}

export interface UnitFilter {
  level?: UnitLevel;
  sector?: string;
  active?: boolean;
  nameContains?: string;
}

const COLUMNS = `tenant_id AS "tenantId", id, parent_id AS "parentId", path::text AS path, code, name,
  short_name AS "shortName", level, division_code AS "divisionCode", sector, sector_parent_id AS "sectorParentId",
  supervisor, active, created_at AS "createdAt", updated_at AS "updatedAt"`;

/**
 * SQL of the unit tree. Every method takes the tenant and the subtree it may touch, on top of
 * the row-level policy that enforces the same.
 */
@Injectable()
export class UnitsRepository {
  constructor(private readonly tx: TransactionHost) {}

  async nextLabels(count: number): Promise<string[]> {
    const rows: { label: string }[] = await this.tx.manager.query(
      `SELECT nextval('unit_label_seq')::text AS label FROM generate_series(1, $1)`,
      [count],
    );
    return rows.map((r) => r.label);
  }

  async findInScope(tenantId: string, scopePath: string, id: string): Promise<UnitRecord | undefined> {
    const rows: UnitRecord[] = await this.tx.manager.query(
      `SELECT ${COLUMNS} FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND id = $3`,
      [tenantId, scopePath, id],
    );
    return rows[0];
  }

  async findManyInScope(tenantId: string, scopePath: string, ids: string[]): Promise<UnitRecord[]> {
    if (ids.length === 0) return [];
    return this.tx.manager.query(`SELECT ${COLUMNS} FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND id = ANY($3::uuid[])`, [
      tenantId,
      scopePath,
      ids,
    ]);
  }

  async findByCodes(tenantId: string, scopePath: string, codes: string[]): Promise<UnitRecord[]> {
    if (codes.length === 0) return [];
    return this.tx.manager.query(`SELECT ${COLUMNS} FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND code = ANY($3::text[])`, [
      tenantId,
      scopePath,
      codes,
    ]);
  }

  /** Whether `unitId` lies on the sector-parent chain that starts at `fromId` (itself included). */
  async isOnSectorChain(tenantId: string, scopePath: string, fromId: string, unitId: string): Promise<boolean> {
    const rows: { found: boolean }[] = await this.tx.manager.query(
      `WITH RECURSIVE chain(id, sector_parent_id) AS (
         SELECT id, sector_parent_id FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND id = $3
         UNION
         SELECT u.id, u.sector_parent_id FROM units u JOIN chain c ON u.id = c.sector_parent_id
         WHERE u.tenant_id = $1 AND u.path <@ $2::ltree
       )
       SELECT EXISTS (SELECT 1 FROM chain WHERE id = $4) AS found`,
      [tenantId, scopePath, fromId, unitId],
    );
    return rows[0].found;
  }

  /** Codes and division codes of the tenant already taken, among those given. */
  async takenKeys(tenantId: string, codes: string[], divisionCodes: string[]): Promise<{ codes: Set<string>; divisionCodes: Set<string> }> {
    const rows: { code: string | null; division_code: string | null }[] = await this.tx.manager.query(
      `SELECT code, division_code FROM units WHERE tenant_id = $1 AND (code = ANY($2::text[]) OR division_code = ANY($3::text[]))`,
      [tenantId, codes, divisionCodes],
    );
    return {
      codes: new Set(rows.map((r) => r.code).filter((c): c is string => c !== null && codes.includes(c))),
      divisionCodes: new Set(rows.map((r) => r.division_code).filter((c): c is string => c !== null && divisionCodes.includes(c))),
    };
  }

  /** One page of a subtree in path order (keyset on the path), served from the GiST path index. */
  async listSubtree(tenantId: string, subtreePath: string, filter: UnitFilter, limit: number, afterPath?: string): Promise<UnitRecord[]> {
    const sql = new SqlParts([tenantId, subtreePath], ['tenant_id = $1', 'path <@ $2::ltree'])
      .and('level = ?', filter.level)
      .and('sector = ?', filter.sector)
      .and('active = ?', filter.active)
      .and('name ILIKE ?', filter.nameContains && `%${escapeLike(filter.nameContains)}%`)
      .and('path > ?::ltree', afterPath);
    return this.tx.manager.query(
      `SELECT ${COLUMNS} FROM units WHERE ${sql.where} ORDER BY units.path LIMIT ${sql.param(limit)}`,
      sql.params,
    );
  }

  async insert(tenantId: string, unit: NewUnit): Promise<UnitRecord> {
    const [row]: UnitRecord[] = await this.tx.manager.query(
      `INSERT INTO units (tenant_id, id, parent_id, path, code, name, short_name, level, division_code, sector, sector_parent_id, supervisor)
       VALUES ($1, coalesce($2, gen_random_uuid()), $3, $4::ltree, $5, $6, $7, $8, $9, $10, $11, $12)
       RETURNING ${COLUMNS}`,
      [
        tenantId,
        unit.id ?? null,
        unit.parentId,
        unit.path,
        unit.code,
        unit.name,
        unit.shortName,
        unit.level,
        unit.divisionCode,
        unit.sector,
        unit.sectorParentId,
        unit.supervisor,
      ],
    );
    return row;
  }

  /**
   * Inserts many units in one statement. Rows must come parents first; sector parents may point
   * anywhere in the batch, so that foreign key is checked at commit.
   */
  async insertMany(tenantId: string, units: (NewUnit & { id: string })[]): Promise<number> {
    await this.tx.manager.query(`SET CONSTRAINTS ALL DEFERRED`);
    // The per-row foreign-key checks reuse a cached plan; one made generic while the table was small
    // scans it, so a large import went quadratic (20,000 rows: over the 30 s statement timeout).
    await this.tx.manager.query(`SET LOCAL plan_cache_mode = force_custom_plan`);
    const result: { count: string }[] = await this.tx.manager.query(
      `WITH inserted AS (
         INSERT INTO units (tenant_id, id, parent_id, path, code, name, short_name, level, division_code, sector, sector_parent_id, supervisor)
         SELECT $1, r.id, r."parentId", r.path::ltree, r.code, r.name, r."shortName", r.level, r."divisionCode", r.sector, r."sectorParentId", r.supervisor
         FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, "parentId" uuid, path text, code text, name text, "shortName" text, level text,
           "divisionCode" text, sector text, "sectorParentId" uuid, supervisor boolean)
         RETURNING 1)
       SELECT count(*)::text AS count FROM inserted`,
      [tenantId, JSON.stringify(units)],
    );
    return Number(result[0].count);
  }

  async update(
    tenantId: string,
    scopePath: string,
    id: string,
    changes: Partial<Pick<UnitRecord, 'name' | 'shortName' | 'code' | 'divisionCode' | 'sector' | 'sectorParentId' | 'supervisor'>>,
  ): Promise<UnitRecord | undefined> {
    const sql = new SqlParts([tenantId, scopePath, id]);
    const sets = sql.set(changes, {
      name: 'name',
      shortName: 'short_name',
      code: 'code',
      divisionCode: 'division_code',
      sector: 'sector',
      sectorParentId: 'sector_parent_id',
      supervisor: 'supervisor',
    });
    const [rows] = await this.tx.manager.query(
      `UPDATE units SET ${sets ? `${sets}, ` : ''}updated_at = now()
       WHERE tenant_id = $1 AND path <@ $2::ltree AND id = $3 RETURNING ${COLUMNS}`,
      sql.params,
    );
    return (rows as UnitRecord[])[0];
  }

  /** Re-roots a whole subtree under a new parent path in one statement. */
  async moveSubtree(tenantId: string, oldPath: string, newParentPath: string, unitId: string, newParentId: string): Promise<number> {
    await this.tx.manager.query(`UPDATE units SET parent_id = $3, updated_at = now() WHERE tenant_id = $1 AND id = $2`, [
      tenantId,
      unitId,
      newParentId,
    ]);
    const [, count] = await this.tx.manager.query(
      `UPDATE units SET path = $3::ltree || subpath(path, nlevel($2::ltree) - 1), updated_at = now()
       WHERE tenant_id = $1 AND path <@ $2::ltree`,
      [tenantId, oldPath, newParentPath],
    );
    return Number(count);
  }

  /** Depth of the deepest unit in the subtree at `path` (the unit itself included). */
  async deepestBelow(tenantId: string, path: string): Promise<number> {
    const [row]: { depth: number }[] = await this.tx.manager.query(
      `SELECT max(nlevel(path))::int AS depth FROM units WHERE tenant_id = $1 AND path <@ $2::ltree`,
      [tenantId, path],
    );
    return row.depth;
  }

  async countActiveDescendants(tenantId: string, path: string): Promise<number> {
    const [row]: { count: string }[] = await this.tx.manager.query(
      `SELECT count(*)::text AS count FROM units WHERE tenant_id = $1 AND path <@ $2::ltree AND path <> $2::ltree AND active`,
      [tenantId, path],
    );
    return Number(row.count);
  }

  async setActive(tenantId: string, path: string, active: boolean, wholeSubtree: boolean): Promise<number> {
    const [, count] = await this.tx.manager.query(
      `UPDATE units SET active = $3, updated_at = now()
       WHERE tenant_id = $1 AND ${wholeSubtree ? 'path <@ $2::ltree' : 'path = $2::ltree'} AND active <> $3`,
      [tenantId, path, active],
    );
    return Number(count);
  }
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);
