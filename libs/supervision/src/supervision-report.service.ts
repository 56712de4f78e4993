import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import { NotFoundError } from '@govmatrix/common';
import { tenantScope, TransactionHost } from '@govmatrix/database';
import { FINDING_KINDS } from '@govmatrix/inspection';
import { ACCOUNT_STATUSES, ExportFormat, ExportSheet } from '@govmatrix/ledger';
import { MEASURES, Measure } from '@govmatrix/sanctions';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { reportYear, SINGLE_VETO_FINDING_KINDS } from './report-year';
import {
  DEFAULT_RANKING_SIZE,
  FindingKindCountsDto,
  ReportInspectionDto,
  ReportRankingsDto,
  SupervisionReportDto,
  SupervisionReportExportQueryDto,
  SupervisionReportQueryDto,
} from './supervision-report.dto';
import { RankedAccountRow, RegionRecord, ReportSubtree, ReportYear, SupervisionReportRepository } from './supervision-report.repository';
import { reportFileName, reportSheets } from './supervision-report.tables';

/** A report ready to download: its file name, format and sheets. */
export interface SupervisionReportExport {
  format: ExportFormat;
  fileName: string;
  sheets: ExportSheet[];
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

const rankedDto = ({ position, accountId, accountName, platform, unitId, unitName, score, vetoes, rankOverall }: RankedAccountRow) => ({
  position,
  accountId,
  accountName,
  platform,
  unitId,
  unitName,
  score,
  vetoes,
  rankOverall,
});

/**
 * The yearly supervision report (年度监管报告) of a region: what its supervising office publishes by
 * 31 January. Read-only; every figure is one set-based query over the region's subtree, inside the
 * caller's transaction with the row-level scope narrowed to that subtree.
 */
@Injectable()
export class SupervisionReportService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly reports: SupervisionReportRepository,
  ) {}

  report(auth: AuthContext, year: number, query: SupervisionReportQueryDto): Promise<SupervisionReportDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => this.build(caller, year, query));
  }

  /** The report as sheets of a download; a bad request fails here, before the first byte. */
  async export(auth: AuthContext, year: number, query: SupervisionReportExportQueryDto): Promise<SupervisionReportExport> {
    const report = await this.report(auth, year, query);
    const format = query.format ?? 'xlsx';
    return { format, fileName: reportFileName(report, format), sheets: reportSheets(report) };
  }

  private async build(caller: TenantAuthContext, year: number, query: SupervisionReportQueryDto): Promise<SupervisionReportDto> {
    const region = await this.region(caller, query.unitId);
    const office = region.supervisor ? undefined : await this.reports.officeOf(caller.tenantId, region.id);
    const y = reportYear(year);
    const generatedAt = new Date();
    const n = query.n ?? DEFAULT_RANKING_SIZE;
    // The row-level scope narrowed to the region (inside the caller's): the policies drive the indexes.
    return this.tx.run(tenantScope(caller.tenantId, region.path), async () => {
      const subtree = await this.reports.subtree(caller.tenantId, region.path);
      const accounts = await this.reports.accountCounts(caller.tenantId, subtree, y, SINGLE_VETO_FINDING_KINDS);
      const filings = await this.reports.filingCounts(caller.tenantId, subtree, y);
      const inspection = await this.inspection(caller.tenantId, subtree, y, accounts);
      const sanctions = await this.reports.sanctionTotals(caller.tenantId, subtree, y);
      const measures = await this.reports.measureCounts(caller.tenantId, subtree, y, MEASURES);
      const rankings = await this.rankings(caller.tenantId, region, subtree, y, n);
      const complete = generatedAt.getTime() >= Date.parse(y.end);
      const sum = (key: 'submitted' | 'accepted' | 'returned' | 'overdue') => filings.reduce((total, k) => total + k[key], 0);
      return {
        year,
        region: { unitId: region.id, name: region.name, code: region.code, divisionCode: region.divisionCode, level: region.level },
        office: office ? { unitId: office.id, name: office.name } : null,
        from: y.from,
        to: y.to,
        asOf: complete ? new Date(y.end).toISOString() : generatedAt.toISOString(),
        complete,
        generatedAt: generatedAt.toISOString(),
        counts: {
          units: accounts.units,
          accounts: accounts.accounts,
          accountsByStatus: ACCOUNT_STATUSES.map((status) => ({ status, accounts: accounts.byStatus[status] })),
          accountsOpened: accounts.opened,
          accountsClosed: accounts.closed,
          accountsForceClosed: accounts.forceClosed,
          filings: {
            submitted: sum('submitted'),
            accepted: sum('accepted'),
            returned: sum('returned'),
            overdue: sum('overdue'),
            byKind: filings,
          },
        },
        inspection,
        sanctions: {
          casesOpened: sanctions.opened,
          casesResolved: sanctions.resolved,
          casesEscalated: sanctions.escalated,
          escalations: sanctions.escalations,
          forcedClosures: sanctions.forcedClosures,
          casesOpenAtYearEnd: sanctions.openAtYearEnd,
          byMeasure: measures.map((m) => ({ measure: m.measure as Measure, opened: m.opened, escalatedTo: m.escalatedTo })),
        },
        rankings,
      };
    });
  }

  private async inspection(
    tenantId: string,
    subtree: ReportSubtree,
    y: ReportYear,
    accounts: { inspected: number; withFindings: number; failed: number },
  ): Promise<ReportInspectionDto> {
    const found = new Map((await this.reports.findingCounts(tenantId, subtree, y)).map((row) => [row.kind, row]));
    const kinds = [...FINDING_KINDS, ...[...found.keys()].filter((k) => !(FINDING_KINDS as readonly string[]).includes(k)).sort()];
    const byKind: FindingKindCountsDto[] = kinds.map((kind) => ({
      kind,
      singleVeto: SINGLE_VETO_FINDING_KINDS.includes(kind),
      opened: found.get(kind)?.opened ?? 0,
      closed: found.get(kind)?.closed ?? 0,
      openAtYearEnd: found.get(kind)?.openAtYearEnd ?? 0,
      accounts: found.get(kind)?.accounts ?? 0,
    }));
    const passed = accounts.inspected - accounts.failed;
    return {
      accountsInspected: accounts.inspected,
      accountsWithFindings: accounts.withFindings,
      accountsFailed: accounts.failed,
      accountsPassed: passed,
      passRate: accounts.inspected > 0 ? round4(passed / accounts.inspected) : null,
      singleVetoKinds: [...SINGLE_VETO_FINDING_KINDS],
      findingsOpened: byKind.reduce((sum, k) => sum + k.opened, 0),
      findingsClosed: byKind.reduce((sum, k) => sum + k.closed, 0),
      findingsOpenAtYearEnd: byKind.reduce((sum, k) => sum + k.openAtYearEnd, 0),
      byKind,
    };
  }

  private async rankings(
    tenantId: string,
    region: RegionRecord,
    subtree: ReportSubtree,
    y: ReportYear,
    n: number,
  ): Promise<ReportRankingsDto> {
    const run = await this.reports.runOfYear(tenantId, region.path, y);
    if (!run) return { run: null, n, top: [], bottom: [], units: [] };
    const ranked = await this.reports.rankedAccounts(tenantId, subtree, run.id, n);
    const units = await this.reports.unitRanks(tenantId, run.id, region.id);
    return {
      run: {
        id: run.id,
        kind: run.kind,
        from: run.from,
        to: run.to,
        modelId: run.modelId,
        modelKey: run.modelKey,
        modelName: run.modelName,
        modelVersion: run.modelVersion,
        version: run.version,
        scopeUnitId: run.scopeUnitId,
        publishedAt: new Date(run.publishedAt).toISOString(),
        accountsScored: ranked[0]?.scored ?? 0,
      },
      n,
      top: ranked.filter((r) => r.list === 'top').map(rankedDto),
      bottom: ranked.filter((r) => r.list === 'bottom').map(rankedDto),
      units: units.map((u) => ({ ...u, meanScore: Number(u.meanScore) })),
    };
  }

  /**
   * The region reported on: the caller's scope root by default; a unit of the scope; a supervising
   * office stands for its region (its parent), which must be in the scope too. Anything else is a 404,
   * so that a unit of another tenant or outside the scope is indistinguishable from none.
   */
  private async region(caller: TenantAuthContext, unitId: string | undefined): Promise<RegionRecord> {
    if (!unitId) return (await this.reports.unitAt(caller.tenantId, caller.scopePath))!;
    const unit = await this.reports.unitInScope(caller.tenantId, caller.scopePath, unitId);
    if (!unit) throw new NotFoundError('Unit', unitId);
    if (!unit.supervisor || !unit.parentId) return unit;
    const region = await this.reports.unitInScope(caller.tenantId, caller.scopePath, unit.parentId);
    if (!region) throw new NotFoundError('Unit', unitId);
    return region;
  }
}
