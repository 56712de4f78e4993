import { Logger } from '@nestjs/common';
import { stream as excelStream } from 'exceljs';
import type { Response } from 'express';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { UnitLevel } from '@govmatrix/tenancy';
import { ACCOUNT_STATUS_NAMES_ZH } from './account-lifecycle';
import { AccountKind, OperatingMode, PLATFORM_NAMES_ZH, WechatType } from './account-platforms';
import { PersonDto } from './accounts.dto';
import { AccountListItemDto, ExportFormat, ExportHeaderLanguage } from './ledger-views.dto';

export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8';
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const LEVEL_NAMES_ZH: Record<UnitLevel, string> = { province: '省级', city: '市级', county: '县级', bureau: '部门' };
const KIND_NAMES_ZH: Record<AccountKind, string> = { institutional: '机构账号', official_personal: '公职人员账号' };
const MODE_NAMES_ZH: Record<OperatingMode, string> = { self: '自主运营', outsourced: '委托运营' };
const WECHAT_TYPE_NAMES_ZH: Record<WechatType, string> = { subscription: '订阅号', service: '服务号' };
const SECTOR_NAMES_ZH: Record<string, string> = {
  government: '政府',
  publicity: '宣传',
  cyberspace: '网信',
  public_security: '公安',
  court: '法院',
  procuratorate: '检察',
  justice: '司法行政',
  tourism: '文化旅游',
  youth_league: '共青团',
  transport: '交通运输',
  emergency: '应急管理',
  weather: '气象',
  health: '卫生健康',
  education: '教育',
  culture: '文化',
  environment: '生态环境',
  taxation: '税务',
  market_regulation: '市场监管',
  fire_rescue: '消防救援',
  other: '其他',
};

type Cell = string | Date | null;

interface ExportColumn {
  zh: string;
  en: string;
  /** Column width in characters (XLSX). */
  width: number;
  /** ISO dates: real date cells in XLSX, `YYYY-MM-DD` in CSV. */
  date?: boolean;
  value(account: AccountListItemDto, zh: boolean): Cell;
}

const yesNo = (value: boolean, zh: boolean): string => (zh ? (value ? '是' : '否') : value ? 'yes' : 'no');
const holder = (person: PersonDto | null, zh: boolean): string | null =>
  person ? (person.position ? (zh ? `${person.name}（${person.position}）` : `${person.name} (${person.position})`) : person.name) : null;

/** The columns of an export, in order. Contacts come from the listing DTO, so they are masked. */
export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  { zh: '账号名称', en: 'Account name', width: 28, value: (a) => a.name },
  { zh: '平台', en: 'Platform', width: 12, value: (a, zh) => (zh ? PLATFORM_NAMES_ZH[a.platform] : a.platform) },
  {
    zh: '公众号类型',
    en: 'WeChat type',
    width: 10,
    value: (a, zh) => (a.wechatType ? (zh ? WECHAT_TYPE_NAMES_ZH[a.wechatType] : a.wechatType) : null),
  },
  { zh: '账号类型', en: 'Kind', width: 14, value: (a, zh) => (zh ? KIND_NAMES_ZH[a.kind] : a.kind) },
  { zh: '平台账号ID', en: 'Platform account id', width: 20, value: (a) => a.platformUid },
  { zh: '账号链接', en: 'URL', width: 30, value: (a) => a.url },
  { zh: '开设单位', en: 'Opening unit', width: 28, value: (a) => a.unitName },
  { zh: '单位层级', en: 'Unit level', width: 10, value: (a, zh) => (zh ? LEVEL_NAMES_ZH[a.unitLevel] : a.unitLevel) },
  { zh: '行业系统', en: 'Sector', width: 14, value: (a, zh) => (zh ? (SECTOR_NAMES_ZH[a.unitSector] ?? a.unitSector) : a.unitSector) },
  { zh: '状态', en: 'Status', width: 10, value: (a, zh) => (zh ? ACCOUNT_STATUS_NAMES_ZH[a.status] : a.status) },
  { zh: '开设日期', en: 'Opened on', width: 12, date: true, value: (a) => a.openedOn },
  { zh: '备案期限', en: 'Opening filing due', width: 12, date: true, value: (a) => a.openingFiling.dueOn },
  {
    zh: '是否逾期',
    en: 'Filing overdue',
    width: 10,
    value: (a, zh) => yesNo(a.openingFiling.overdue || (a.closureFiling?.overdue ?? false), zh),
  },
  { zh: '关停备案期限', en: 'Closure filing due', width: 12, date: true, value: (a) => a.closureFiling?.dueOn ?? null },
  { zh: '是否认证', en: 'Verified', width: 10, value: (a, zh) => yesNo(a.verified, zh) },
  { zh: '运营方式', en: 'Operating mode', width: 12, value: (a, zh) => (zh ? MODE_NAMES_ZH[a.operatingMode] : a.operatingMode) },
  { zh: '运营单位', en: 'Vendor', width: 20, value: (a) => a.vendor },
  { zh: '第一责任人', en: 'First responsible', width: 18, value: (a, zh) => holder(a.people.firstResponsible, zh) },
  { zh: '第一责任人电话', en: 'First responsible phone', width: 16, value: (a) => a.people.firstResponsible?.phone ?? null },
  { zh: '主要责任人', en: 'Main responsible', width: 18, value: (a, zh) => holder(a.people.mainResponsible, zh) },
  { zh: '主要责任人电话', en: 'Main responsible phone', width: 16, value: (a) => a.people.mainResponsible?.phone ?? null },
  { zh: '总编辑', en: 'Chief editor', width: 18, value: (a, zh) => holder(a.people.chiefEditor, zh) },
  { zh: '总编辑电话', en: 'Chief editor phone', width: 16, value: (a) => a.people.chiefEditor?.phone ?? null },
  { zh: '运维人员', en: 'Operators', width: 24, value: (a, zh) => a.people.operators.map((p) => p.name).join(zh ? '、' : '; ') || null },
  { zh: '未关闭问题', en: 'Open findings', width: 20, value: (a, zh) => a.openFindingKinds.join(zh ? '、' : '; ') || null },
  { zh: '账号编号', en: 'Account id', width: 38, value: (a) => a.id },
];

export const exportHeaders = (language: ExportHeaderLanguage): string[] => EXPORT_COLUMNS.map((c) => c[language]);

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One CSV field (RFC 4180): quoted when it holds a quote, comma or line break. A field that a
 * spreadsheet would run as a formula (= + - @, tab, CR) is defused with a leading single quote.
 */
export function csvField(value: string | null): string {
  if (value === null || value === '') return '';
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export const csvRecord = (values: (string | null)[]): string => `${values.map(csvField).join(',')}\r\n`;

const csvValue = (cell: Cell): string | null => (cell instanceof Date ? cell.toISOString().slice(0, 10) : cell);

/** The download's file name, dated in China time: 政务新媒体账号台账-2026-11-23.xlsx / accounts-2026-11-23.xlsx. */
export function exportFileName(format: ExportFormat, language: ExportHeaderLanguage, now = new Date()): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);
  return `${language === 'zh' ? '政务新媒体账号台账' : 'accounts'}-${day}.${format}`;
}

/** RFC 6266: an ASCII fallback for old clients, the UTF-8 name (RFC 8187) for the others. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '').replace(/["\\]/g, '') || 'export';
  const fallback = /^[-.]/.test(ascii) ? `accounts${ascii}` : ascii;
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

/** The client went away: stop reading batches, nothing to report. */
class ClientGone extends Error {}

/** Resolves once `out` can take more, rejects if it closes first. */
function drained(out: Writable): Promise<void> {
  if (out.destroyed || out.writableEnded) return Promise.reject(new ClientGone());
  if (!out.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      out.off('drain', onDrain);
      reject(new ClientGone());
    };
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}

async function writeCsv(out: Writable, language: ExportHeaderLanguage, batches: AsyncIterable<AccountListItemDto[]>): Promise<void> {
  const zh = language === 'zh';
  // The byte-order mark makes Excel read the file as UTF-8.
  out.write(`\uFEFF${csvRecord(exportHeaders(language))}`);
  for await (const batch of batches) {
    await drained(out);
    out.write(batch.map((a) => csvRecord(EXPORT_COLUMNS.map((c) => csvValue(c.value(a, zh))))).join(''));
  }
  out.end();
  await finished(out).catch((error: unknown) => {
    throw (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' ? new ClientGone() : error;
  });
}

const dateCell = (cell: Cell): Cell => (typeof cell === 'string' ? new Date(`${cell}T00:00:00Z`) : cell);

/** A stream's internal state; exceljs' archiver runs on readable-stream 2, which has no `writableLength`. */
interface StreamState {
  _writableState?: { length: number };
  _readableState?: { length: number };
}

/**
 * Bytes of worksheet XML queued in front of the zip. exceljs writes a worksheet into the archiver's
 * entry stream without regard to backpressure, so with a slow client the whole sheet would pile up
 * there; we watch that queue and wait for it to shrink. This reaches into exceljs 4 internals: if
 * they change it reads 0, and only the response's own backpressure remains.
 */
function worksheetBacklog(sheet: object): number {
  const pipes = (sheet as { stream?: { pipes?: StreamState[] } }).stream?.pipes ?? [];
  return pipes.reduce((sum, p) => sum + (p._writableState?.length ?? 0) + (p._readableState?.length ?? 0), 0);
}

const XLSX_BACKLOG_LIMIT = 1 << 20;

async function writeXlsx(out: Writable, language: ExportHeaderLanguage, batches: AsyncIterable<AccountListItemDto[]>): Promise<void> {
  const zh = language === 'zh';
  const closed = new Promise<never>((_, reject) => out.once('close', () => reject(new ClientGone())));
  closed.catch(() => undefined);
  const workbook = new excelStream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  try {
    const sheet = workbook.addWorksheet(zh ? '账号台账' : 'Accounts', { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = EXPORT_COLUMNS.map((c, i) => ({
      header: c[language],
      key: String(i),
      width: c.width,
      style: c.date ? { numFmt: 'yyyy-mm-dd' } : {},
    }));
    sheet.getRow(1).font = { bold: true };
    sheet.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: EXPORT_COLUMNS.length } };
    for await (const batch of batches) {
      for (const a of batch) sheet.addRow(EXPORT_COLUMNS.map((c) => (c.date ? dateCell(c.value(a, zh)) : c.value(a, zh)))).commit();
      while (worksheetBacklog(sheet) > XLSX_BACKLOG_LIMIT) await Promise.race([new Promise((r) => setTimeout(r, 5)), closed]);
      await Promise.race([drained(out), closed]);
    }
    sheet.commit();
    await Promise.race([workbook.commit(), closed]);
  } catch (error) {
    // An abandoned archive would keep its buffers alive; stop it.
    (workbook as unknown as { zip?: { abort?: () => void } }).zip?.abort?.();
    throw error;
  }
}

/**
 * Streams a download to the response. Headers go out with the first byte; from then on a failure
 * can only abort the response (the client sees a cut connection, never a truncated file that
 * looks complete). Failures before that point are the caller's to answer as problem details.
 */
async function streamDownload(
  res: Response,
  download: { contentType: string; fileName: string },
  logger: Logger,
  write: (out: Writable) => Promise<void>,
): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', download.contentType);
  res.setHeader('Content-Disposition', contentDisposition(download.fileName));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  try {
    await write(res);
  } catch (error) {
    if (!(error instanceof ClientGone)) {
      // Message and stack as strings: the Nest logger drops an object passed as the message.
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const requestId = String((res.req as { id?: unknown } | undefined)?.id ?? '');
      logger.error(
        `export cut short after it started (request ${requestId}): ${message}`,
        error instanceof Error ? error.stack : undefined,
      );
    }
    res.destroy();
  }
}

/** Streams a ledger export to the response (see streamDownload for failures). */
export async function streamAccountsExport(
  res: Response,
  options: { format: ExportFormat; headers: ExportHeaderLanguage },
  batches: AsyncGenerator<AccountListItemDto[], void, undefined>,
  logger: Logger,
): Promise<void> {
  await streamDownload(
    res,
    {
      contentType: options.format === 'csv' ? CSV_CONTENT_TYPE : XLSX_CONTENT_TYPE,
      fileName: exportFileName(options.format, options.headers),
    },
    logger,
    (out) => (options.format === 'csv' ? writeCsv(out, options.headers, batches) : writeXlsx(out, options.headers, batches)),
  );
}

/** A cell of a report table: numbers stay numbers (XLSX) and are written as they are (CSV). */
export type TableCell = string | number | null;

/** A titled table of a report: its heading, column headers and rows. */
export interface ExportTable {
  title: string;
  headers: string[];
  rows: TableCell[][];
  /** Column widths in characters (XLSX). */
  widths?: number[];
}

/** A sheet of a report (XLSX: a worksheet; CSV: its tables one after the other). */
export interface ExportSheet {
  /** At most 31 characters, none of : \ / ? * [ ] (Excel's rules). */
  name: string;
  tables: ExportTable[];
}

/** A report's cell in CSV: a number as is (a negative number is not a formula), text as csvField writes it. */
const tableCsvField = (cell: TableCell): string => (typeof cell === 'number' ? String(cell) : csvField(cell));

async function writeCsvTables(out: Writable, sheets: ExportSheet[]): Promise<void> {
  const records: string[] = [];
  for (const sheet of sheets) {
    for (const table of sheet.tables) {
      // Each table under a heading line naming its sheet and table, and a blank line after it.
      records.push(csvRecord([table.title === sheet.name ? sheet.name : `${sheet.name} - ${table.title}`]));
      records.push(csvRecord(table.headers));
      for (const row of table.rows) records.push(`${row.map(tableCsvField).join(',')}\r\n`);
      records.push('\r\n');
    }
  }
  // The byte-order mark makes Excel read the file as UTF-8.
  out.end(`\uFEFF${records.join('')}`);
  await finished(out).catch((error: unknown) => {
    throw (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' ? new ClientGone() : error;
  });
}

async function writeXlsxTables(out: Writable, sheets: ExportSheet[]): Promise<void> {
  const closed = new Promise<never>((_, reject) => out.once('close', () => reject(new ClientGone())));
  closed.catch(() => undefined);
  const workbook = new excelStream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  try {
    for (const sheet of sheets) {
      const worksheet = workbook.addWorksheet(sheet.name);
      const columns = Math.max(...sheet.tables.map((t) => t.headers.length));
      worksheet.columns = Array.from({ length: columns }, (_, i) => ({
        key: String(i),
        width: Math.max(10, ...sheet.tables.map((t) => t.widths?.[i] ?? 0)),
      }));
      sheet.tables.forEach((table, index) => {
        if (index > 0) worksheet.addRow([]).commit();
        const title = worksheet.addRow([table.title]);
        title.font = { bold: true, size: 12 };
        title.commit();
        const header = worksheet.addRow(table.headers);
        header.font = { bold: true };
        header.commit();
        for (const row of table.rows) worksheet.addRow(row).commit();
      });
      worksheet.commit();
    }
    await Promise.race([workbook.commit(), closed]);
  } catch (error) {
    (workbook as unknown as { zip?: { abort?: () => void } }).zip?.abort?.();
    throw error;
  }
}

/**
 * Streams a small report (a few tables held in memory) as XLSX, one worksheet per sheet with its
 * tables one under the other, or as one CSV (UTF-8 with BOM) with every table under a heading line.
 */
export async function streamTablesExport(
  res: Response,
  options: { format: ExportFormat; fileName: string },
  sheets: ExportSheet[],
  logger: Logger,
): Promise<void> {
  await streamDownload(
    res,
    { contentType: options.format === 'csv' ? CSV_CONTENT_TYPE : XLSX_CONTENT_TYPE, fileName: options.fileName },
    logger,
    (out) => (options.format === 'csv' ? writeCsvTables(out, sheets) : writeXlsxTables(out, sheets)),
  );
}
