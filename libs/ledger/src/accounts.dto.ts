import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
  IsIn,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Validate,
  ValidateNested,
} from 'class-validator';
import { Omittable } from '@govmatrix/common';
import { IsoDateConstraint } from '@govmatrix/calendar';
import { ACCOUNT_STATUSES, AccountStatus } from './account-lifecycle';
import {
  ACCOUNT_KINDS,
  AccountKind,
  OPERATING_MODES,
  OperatingMode,
  PERSON_ROLES,
  PersonRole,
  PLATFORMS,
  Platform,
  WECHAT_TYPES,
  WechatType,
} from './account-platforms';

export class PersonInputDto {
  @IsString()
  @Length(1, 100)
  name: string;

  @Omittable()
  @IsString()
  @Length(1, 100)
  position?: string;

  /** Stored in full, masked in listings. */
  @Omittable()
  @Matches(/^[0-9+\-() ]{3,40}$/)
  phone?: string;

  @Omittable()
  @IsEmail()
  @Length(3, 200)
  email?: string;
}

/** The responsibility chain: the unit's main leader, the deputy in charge, the chief editor, the operators. */
export class ResponsibilityChainDto {
  /** 第一责任人: the unit's main leader. */
  @IsDefined()
  @ValidateNested()
  @Type(() => PersonInputDto)
  firstResponsible: PersonInputDto;

  /** 主要责任人: the deputy in charge. */
  @IsDefined()
  @ValidateNested()
  @Type(() => PersonInputDto)
  mainResponsible: PersonInputDto;

  /** 总编辑: answers for content (三审, 先审后发). */
  @IsDefined()
  @ValidateNested()
  @Type(() => PersonInputDto)
  chiefEditor: PersonInputDto;

  @Omittable()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => PersonInputDto)
  operators?: PersonInputDto[];
}

export class HolderDto {
  /** The official who runs the account in an official capacity (R3). */
  @IsString()
  @Length(1, 100)
  name: string;

  @IsString()
  @Length(1, 100)
  position: string;
}

export class CreateAccountDto {
  /** The unit that opens, and so manages, the account (for an official's account: the consenting unit). */
  @IsUUID()
  unitId: string;

  @ApiProperty({ enum: PLATFORMS })
  @IsIn(PLATFORMS)
  platform: Platform;

  /** For WeChat: subscription (订阅号) or service (服务号). */
  @Omittable()
  @ApiProperty({ enum: WECHAT_TYPES, required: false })
  @IsIn(WECHAT_TYPES)
  wechatType?: WechatType;

  @ApiProperty({ enum: ACCOUNT_KINDS })
  @IsIn(ACCOUNT_KINDS)
  kind: AccountKind;

  /** Required for `official_personal` accounts. */
  @Omittable()
  @ValidateNested()
  @Type(() => HolderDto)
  holder?: HolderDto;

  @IsString()
  @Length(1, 100)
  name: string;

  /** The account's id on its platform. */
  @Omittable()
  @IsString()
  @Length(1, 200)
  platformUid?: string;

  @Omittable()
  @IsUrl({ require_protocol: true })
  @Length(1, 2000)
  url?: string;

  @Omittable()
  @IsBoolean()
  verified?: boolean;

  @Omittable()
  @Validate(IsoDateConstraint)
  verifiedOn?: string;

  @ApiProperty({ enum: OPERATING_MODES })
  @IsIn(OPERATING_MODES)
  operatingMode: OperatingMode;

  /** Required when outsourced. */
  @Omittable()
  @IsString()
  @Length(1, 200)
  vendor?: string;

  /** The day the account was opened; the opening filing is due 10 working days later (R1). */
  @Validate(IsoDateConstraint)
  openedOn: string;

  @Omittable()
  @ValidateNested()
  @Type(() => ResponsibilityChainDto)
  people?: ResponsibilityChainDto;

  /** Why the unit needs a second live account on this platform (R4); the supervising office must approve it. */
  @Omittable()
  @IsString()
  @Length(10, 2000)
  secondAccountJustification?: string;
}

export class UpdateAccountDto {
  @Omittable()
  @IsString()
  @Length(1, 100)
  name?: string;

  @Omittable()
  @IsString()
  @Length(1, 200)
  platformUid?: string;

  @Omittable()
  @IsUrl({ require_protocol: true })
  url?: string;

  @Omittable()
  @IsBoolean()
  verified?: boolean;

  @Omittable()
  @Validate(IsoDateConstraint)
  verifiedOn?: string;

  @Omittable()
  @ApiProperty({ enum: OPERATING_MODES, required: false })
  @IsIn(OPERATING_MODES)
  operatingMode?: OperatingMode;

  @Omittable()
  @IsString()
  @Length(1, 200)
  vendor?: string;

  @Omittable()
  @ApiProperty({ enum: WECHAT_TYPES, required: false })
  @IsIn(WECHAT_TYPES)
  wechatType?: WechatType;

  @Omittable()
  @ValidateNested()
  @Type(() => HolderDto)
  holder?: HolderDto;
}

export class TransitionDto {
  /** Statuses the supervising office sets directly; the others follow filings. */
  @ApiProperty({ enum: ['rectifying', 'active', 'force_closed'] })
  @IsIn(['rectifying', 'active', 'force_closed'])
  to: 'rectifying' | 'active' | 'force_closed';

  @IsString()
  @Length(1, 2000)
  reason: string;
}

export class CloseAccountDto {
  /** The day the account was deregistered on its platform; the closure filing is due 5 working days later (R2). */
  @Validate(IsoDateConstraint)
  closedOn: string;

  /** The day the closure was announced on the platform. */
  @Validate(IsoDateConstraint)
  announcedOn: string;

  @Omittable()
  @IsUrl({ require_protocol: true })
  announcementUrl?: string;
}

export class ApproveSecondAccountDto {
  @Omittable()
  @IsString()
  @Length(1, 2000)
  note?: string;
}

export class PersonDto {
  id: string;
  @ApiProperty({ enum: PERSON_ROLES })
  role: PersonRole;
  name: string;
  position: string | null;
  phone: string | null;
  email: string | null;
  validFrom: string;
  validTo: string | null;
}

export class ChainDto {
  firstResponsible: PersonDto | null;
  mainResponsible: PersonDto | null;
  chiefEditor: PersonDto | null;
  operators: PersonDto[];
}

export class DeadlineStateDto {
  dueOn: string;
  provisional: boolean;
  overdue: boolean;
}

export class SecondAccountDto {
  justification: string;
  approved: boolean;
  approvedBy: string | null;
  approvedAt: string | null;
}

export class FindingSummaryDto {
  id: string;
  kind: string;
  detail: string;
  openedAt: string;
}

export class AccountDto {
  id: string;
  unitId: string;
  unitName: string;
  @ApiProperty({ enum: PLATFORMS })
  platform: Platform;
  @ApiProperty({ enum: WECHAT_TYPES, nullable: true })
  wechatType: WechatType | null;
  @ApiProperty({ enum: ACCOUNT_KINDS })
  kind: AccountKind;
  holder: HolderDto | null;
  name: string;
  platformUid: string | null;
  url: string | null;
  verified: boolean;
  verifiedOn: string | null;
  @ApiProperty({ enum: OPERATING_MODES })
  operatingMode: OperatingMode;
  vendor: string | null;
  @ApiProperty({ enum: ACCOUNT_STATUSES })
  status: AccountStatus;
  openedOn: string;
  /** The opening filing's deadline (R1). */
  openingFiling: DeadlineStateDto;
  /** The closure filing's deadline (R2), once the account is being closed. */
  closureFiling: DeadlineStateDto | null;
  closedOn: string | null;
  secondAccount: SecondAccountDto | null;
  /** Current holders; contacts are masked unless the caller manages or supervises the account. */
  people: ChainDto;
  openFindings: FindingSummaryDto[];
  createdAt: string;
  updatedAt: string;
}

export class PeopleHistoryDto {
  items: PersonDto[];
}

export class PeopleAtQueryDto {
  /** The moment to look at (ISO 8601); now when omitted. */
  @Omittable()
  @Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/)
  at?: string;
}
