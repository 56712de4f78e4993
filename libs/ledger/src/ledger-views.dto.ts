import { ApiProperty, IntersectionType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageQueryDto } from '@govmatrix/common';
import { SECTOR_PATTERN, UNIT_LEVELS, UnitLevel } from '@govmatrix/tenancy';
import { ACCOUNT_STATUSES, AccountStatus } from './account-lifecycle';
import {
  ACCOUNT_KINDS,
  AccountKind,
  OPERATING_MODES,
  OperatingMode,
  PLATFORMS,
  Platform,
  WECHAT_TYPES,
  WechatType,
} from './account-platforms';
import { ChainDto, DeadlineStateDto } from './accounts.dto';

export const ACCOUNT_SORTS = ['name', 'openedOn', 'createdAt', 'openingDueOn'] as const;
export type AccountSort = (typeof ACCOUNT_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];
export const EXPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_HEADER_LANGUAGES = ['zh', 'en'] as const;
export type ExportHeaderLanguage = (typeof EXPORT_HEADER_LANGUAGES)[number];

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

/** `a=x&a=y` and `a=x,y` both become `['x', 'y']`. */
const toList = ({ value }: { value: unknown }): unknown => {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : [v])).filter((v) => v !== '');
};

/** The filters shared by the ledger listing and its export. */
export class AccountFilterQueryDto {
  /** Root unit of the subtree to look at (default: your whole scope). */
  @IsOptional()
  @IsUUID()
  under?: string;

  /** Only the accounts opened by exactly this unit (not its subunits). */
  @IsOptional()
  @IsUUID()
  unitId?: string;

  /** Platforms to include: repeat the parameter (`platform=weibo&platform=douyin`); a comma list is accepted too. */
  @IsOptional()
  @ApiProperty({ enum: PLATFORMS, isArray: true, required: false })
  @Transform(toList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(PLATFORMS.length)
  @IsIn(PLATFORMS, { each: true })
  platform?: Platform[];

  /**
   * Statuses to include: repeat the parameter (`status=active&status=rectifying`); a comma list is
   * accepted too. Without it every status is listed, closed accounts included.
   */
  @IsOptional()
  @ApiProperty({ enum: ACCOUNT_STATUSES, isArray: true, required: false })
  @Transform(toList)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ACCOUNT_STATUSES.length)
  @IsIn(ACCOUNT_STATUSES, { each: true })
  status?: AccountStatus[];

  /** Sector system (行业系统) of the opening unit, e.g. `public_security`. */
  @IsOptional()
  @Matches(SECTOR_PATTERN)
  sector?: string;

  /** Level of the opening unit. */
  @IsOptional()
  @ApiProperty({ enum: UNIT_LEVELS, required: false })
  @IsIn(UNIT_LEVELS)
  level?: UnitLevel;

  /** `institutional` (机构) or `official_personal` (公职人员以职务身份开设). */
  @IsOptional()
  @ApiProperty({ enum: ACCOUNT_KINDS, required: false })
  @IsIn(ACCOUNT_KINDS)
  kind?: AccountKind;

  /** `true`: the opening or the closure filing is overdue (R1, R2); `false`: neither is. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  overdue?: boolean;

  /** Search: a substring of the account's name (Chinese included) or of its platform id. */
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;
}

/** Sorting shared by the listing and the export. Ties are broken by id, so pages are stable. */
export class AccountSortQueryDto {
  /** `name` sorts in pinyin order (汉语拼音). Default `name`. */
  @IsOptional()
  @ApiProperty({ enum: ACCOUNT_SORTS, required: false, default: 'name' })
  @IsIn(ACCOUNT_SORTS)
  sort?: AccountSort;

  /** Default `asc`. */
  @IsOptional()
  @ApiProperty({ enum: SORT_ORDERS, required: false, default: 'asc' })
  @IsIn(SORT_ORDERS)
  order?: SortOrder;
}

export class ListAccountsQueryDto extends IntersectionType(PageQueryDto, AccountFilterQueryDto, AccountSortQueryDto) {}

export class ExportAccountsQueryDto extends IntersectionType(AccountFilterQueryDto, AccountSortQueryDto) {
  /** `csv` (UTF-8 with BOM, opens in Excel) or `xlsx`. Default `csv`. */
  @IsOptional()
  @ApiProperty({ enum: EXPORT_FORMATS, required: false, default: 'csv' })
  @IsIn(EXPORT_FORMATS)
  format?: ExportFormat;

  /** Column headers in Chinese (platform and status then in Chinese too) or English. Default `zh`. */
  @IsOptional()
  @ApiProperty({ enum: EXPORT_HEADER_LANGUAGES, required: false, default: 'zh' })
  @IsIn(EXPORT_HEADER_LANGUAGES)
  headers?: ExportHeaderLanguage;
}

export class SummaryQueryDto extends PageQueryDto {
  /** Root unit of the subtree to summarise (default: your whole scope). */
  @IsOptional()
  @IsUUID()
  under?: string;
}

/** One account of the ledger listing. Contacts are always masked here. */
export class AccountListItemDto {
  id: string;
  /** The unit that opened, and so manages, the account. */
  unitId: string;
  unitName: string;
  @ApiProperty({ enum: UNIT_LEVELS })
  unitLevel: UnitLevel;
  /** Sector system (行业系统) of the unit. */
  unitSector: string;
  @ApiProperty({ enum: PLATFORMS })
  platform: Platform;
  @ApiProperty({ enum: WECHAT_TYPES, nullable: true })
  wechatType: WechatType | null;
  @ApiProperty({ enum: ACCOUNT_KINDS })
  kind: AccountKind;
  name: string;
  /** The account's id on its platform. */
  platformUid: string | null;
  url: string | null;
  @ApiProperty({ enum: ACCOUNT_STATUSES })
  status: AccountStatus;
  openedOn: string;
  /** The opening filing's deadline (R1). */
  openingFiling: DeadlineStateDto;
  /** The closure filing's deadline (R2), once the account is being closed. */
  closureFiling: DeadlineStateDto | null;
  verified: boolean;
  @ApiProperty({ enum: OPERATING_MODES })
  operatingMode: OperatingMode;
  /** The vendor of an outsourced account. */
  vendor: string | null;
  /** The current responsibility chain, contacts masked. */
  people: ChainDto;
  /** Kinds of the account's open inspection findings, e.g. `naming`, `filing_overdue`. */
  openFindingKinds: string[];
  createdAt: string;
}

export class AccountListPageDto {
  items: AccountListItemDto[];
  /** Pass as `cursor` (with the same sort and order) for the next page; absent on the last page. */
  nextCursor?: string;
}

/** Accounts per status. */
export class StatusCountsDto {
  pending_filing: number;
  active: number;
  rectifying: number;
  closing: number;
  closed: number;
  force_closed: number;
}

/** Accounts per platform. */
export class PlatformCountsDto {
  weibo: number;
  wechat: number;
  douyin: number;
  kuaishou: number;
  toutiao: number;
  bilibili: number;
  xiaohongshu: number;
  video_channel: number;
  mini_program: number;
  app: number;
  website_column: number;
  other: number;
}

/** The accounts opened by one unit (its subunits are counted on their own rows). */
export class UnitAccountSummaryDto {
  unitId: string;
  unitName: string;
  @ApiProperty({ enum: UNIT_LEVELS })
  unitLevel: UnitLevel;
  unitSector: string;
  /** Every account of the unit, closed ones included. */
  total: number;
  byStatus: StatusCountsDto;
  byPlatform: PlatformCountsDto;
  /** Accounts whose opening or closure filing is overdue (R1, R2). */
  overdue: number;
}

export class UnitAccountSummaryPageDto {
  /** Units in tree order; only units that opened accounts. */
  items: UnitAccountSummaryDto[];
  nextCursor?: string;
}
