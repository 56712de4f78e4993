import { ACCOUNT_STATUS_NAMES_ZH, ExportFormat, ExportSheet, PLATFORM_NAMES_ZH, Platform } from '@govmatrix/ledger';
import { MEASURE_NAMES_ZH } from '@govmatrix/sanctions';
import { FINDING_KIND_NAMES_ZH } from './report-year';
import { ReportRankedAccountDto, SupervisionReportDto } from './supervision-report.dto';

/** The sheets of an export, in order: 概况 (counts), 检查 (inspection), 处置 (sanctions), 排名 (rankings). */
export const REPORT_SHEET_NAMES = ['概况', '检查', '处置', '排名'] as const;

const FILING_KIND_NAMES_ZH: Record<string, string> = { opening: '开设备案', change: '变更备案', closure: '注销备案' };
const RUN_KIND_NAMES_ZH: Record<string, string> = { yearly: '年度评估', on_demand: '按需评估' };
const yesNo = (value: boolean): string => (value ? '是' : '否');

/** The file name of a download: supervision-report-<division code, else unit code, else unit id>-<year>.<format>. */
export function reportFileName(report: SupervisionReportDto, format: ExportFormat): string {
  const region = report.region.divisionCode ?? report.region.code ?? report.region.unitId;
  return `supervision-report-${region}-${report.year}.${format}`;
}

const rankedRows = (items: ReportRankedAccountDto[]) =>
  items.map((a) => [
    a.position,
    a.accountName,
    PLATFORM_NAMES_ZH[a.platform as Platform] ?? a.platform,
    a.unitName,
    a.score,
    a.rankOverall,
    a.vetoes.join('、') || null,
    a.accountId,
  ]);
const RANKED_HEADERS = ['区域内名次', '账号名称', '平台', '开设单位', '得分', '评估总名次', '否决项', '账号编号'];
const RANKED_WIDTHS = [12, 28, 12, 28, 12, 12, 24, 38];

/** The report as the export's sheets and tables, with Chinese headers. */
export function reportSheets(r: SupervisionReportDto): ExportSheet[] {
  const { counts, inspection, sanctions, rankings } = r;
  const run = rankings.run;
  return [
    {
      name: '概况',
      tables: [
        {
          title: '报告信息',
          headers: ['项目', '内容'],
          widths: [24, 40],
          rows: [
            ['年度', r.year],
            ['区域', r.region.name],
            ['行政区划代码', r.region.divisionCode],
            ['单位编码', r.region.code],
            ['区域单位编号', r.region.unitId],
            ['监管单位', r.office?.name ?? null],
            ['统计期间', `${r.from} 至 ${r.to}`],
            ['年末数据截至', r.asOf],
            ['年度已结束', yesNo(r.complete)],
            ['生成时间', r.generatedAt],
          ],
        },
        {
          title: '账号概况',
          headers: ['指标', '数量'],
          rows: [
            ['单位数', counts.units],
            ['账号总数（年末）', counts.accounts],
            ...counts.accountsByStatus.map((s) => [`年末${ACCOUNT_STATUS_NAMES_ZH[s.status]}账号`, s.accounts]),
            ['本年开设账号', counts.accountsOpened],
            ['本年注销账号', counts.accountsClosed],
            ['本年责令关闭账号', counts.accountsForceClosed],
          ],
        },
        {
          title: '备案情况',
          headers: ['备案类型', '提交', '通过', '退回', '逾期'],
          rows: [
            ...counts.filings.byKind.map((k) => [FILING_KIND_NAMES_ZH[k.kind], k.submitted, k.accepted, k.returned, k.overdue]),
            ['合计', counts.filings.submitted, counts.filings.accepted, counts.filings.returned, counts.filings.overdue],
          ],
        },
      ],
    },
    {
      name: '检查',
      tables: [
        {
          title: '检查概况',
          headers: ['指标', '数值'],
          widths: [24, 12],
          rows: [
            ['受检账号数', inspection.accountsInspected],
            ['有问题账号数', inspection.accountsWithFindings],
            ['不合格账号数（单项否决）', inspection.accountsFailed],
            ['合格账号数', inspection.accountsPassed],
            ['合格率', inspection.passRate],
            ['本年发现问题', inspection.findingsOpened],
            ['本年整改关闭问题', inspection.findingsClosed],
            ['年末未关闭问题', inspection.findingsOpenAtYearEnd],
          ],
        },
        {
          title: '问题类型',
          headers: ['问题类型', '代码', '单项否决', '本年发现', '本年关闭', '年末未关闭', '涉及账号'],
          widths: [24, 24, 10, 10, 10, 12, 10],
          rows: inspection.byKind.map((k) => [
            FINDING_KIND_NAMES_ZH[k.kind] ?? k.kind,
            k.kind,
            yesNo(k.singleVeto),
            k.opened,
            k.closed,
            k.openAtYearEnd,
            k.accounts,
          ]),
        },
      ],
    },
    {
      name: '处置',
      tables: [
        {
          title: '处置概况',
          headers: ['指标', '数量'],
          widths: [24, 12],
          rows: [
            ['本年立案', sanctions.casesOpened],
            ['本年办结', sanctions.casesResolved],
            ['本年升级案件', sanctions.casesEscalated],
            ['本年升级次数', sanctions.escalations],
            ['本年责令关闭', sanctions.forcedClosures],
            ['年末未办结', sanctions.casesOpenAtYearEnd],
          ],
        },
        {
          title: '处置措施',
          headers: ['处置措施', '代码', '本年立案', '本年升级至'],
          widths: [24, 18, 10, 12],
          rows: sanctions.byMeasure.map((m) => [MEASURE_NAMES_ZH[m.measure], m.measure, m.opened, m.escalatedTo]),
        },
      ],
    },
    {
      name: '排名',
      tables: [
        {
          title: '评分批次',
          headers: ['项目', '内容'],
          widths: [12, 28],
          rows: run
            ? [
                ['批次编号', run.id],
                ['类型', RUN_KIND_NAMES_ZH[run.kind]],
                ['评估期间', `${run.from} 至 ${run.to}`],
                ['模型', `${run.modelName}（${run.modelKey} v${run.modelVersion}）`],
                ['批次版本', run.version],
                ['发布时间', run.publishedAt],
                ['参评账号', run.accountsScored],
              ]
            : [['批次', '本年度无覆盖该区域的已发布评分']],
        },
        { title: `前${rankings.n}名`, headers: RANKED_HEADERS, widths: RANKED_WIDTHS, rows: rankedRows(rankings.top) },
        { title: `后${rankings.n}名`, headers: RANKED_HEADERS, widths: RANKED_WIDTHS, rows: rankedRows(rankings.bottom) },
        {
          title: '下级单位',
          headers: ['名次', '单位', '参评账号', '平均分', '最低分', '最高分'],
          rows: rankings.units.map((u) => [u.position, u.unitName, u.accounts, u.meanScore, u.minScore, u.maxScore]),
        },
      ],
    },
  ];
}
