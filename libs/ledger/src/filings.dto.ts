import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsString, IsUrl, IsUUID, Length, Validate } from 'class-validator';
import { IsoDateConstraint } from '@govmatrix/calendar';
import { Omittable, PageQueryDto } from '@govmatrix/common';
import { FILING_KINDS, FILING_STATUSES, FilingKind, FilingStatus } from './filings.repository';

/** R1: the leadership meeting's decision and the main leader's approval. */
export class OpeningFilingDto {
  /** Date of the unit's leadership-meeting decision to open the account. */
  @Validate(IsoDateConstraint)
  decisionDate: string;

  /** The main leader who approved the opening. */
  @IsString()
  @Length(1, 100)
  approver: string;

  /** Reference of the decision (meeting minutes number). */
  @Omittable()
  @IsString()
  @Length(1, 200)
  decisionReference?: string;

  /** R3: for an official's account, the date the unit consented. */
  @Omittable()
  @Validate(IsoDateConstraint)
  unitConsentDate?: string;
}

export class ChangeFilingDto {
  /** What changed (name, operator, vendor …). */
  @IsString()
  @Length(1, 2000)
  summary: string;

  @Validate(IsoDateConstraint)
  effectiveOn: string;
}

/** R2: the closure announcement on the platform and the deregistration. */
export class ClosureFilingDto {
  @Validate(IsoDateConstraint)
  announcedOn: string;

  @Omittable()
  @IsUrl({ require_protocol: true })
  announcementUrl?: string;

  /** The announcement's text, when there is no URL to point at. */
  @Omittable()
  @IsString()
  @Length(1, 5000)
  announcementText?: string;

  @Validate(IsoDateConstraint)
  deregisteredOn: string;
}

export class ReturnFilingDto {
  /** Why the filing goes back to the unit; each reason is shown to it. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 500, { each: true })
  reasons: string[];
}

export class AcceptFilingDto {
  @Omittable()
  @IsString()
  @Length(1, 2000)
  note?: string;
}

export class ListFilingsQueryDto extends PageQueryDto {
  @Omittable()
  @ApiProperty({ enum: FILING_STATUSES, required: false })
  @IsIn(FILING_STATUSES)
  status?: FilingStatus;

  @Omittable()
  @ApiProperty({ enum: FILING_KINDS, required: false })
  @IsIn(FILING_KINDS)
  kind?: FilingKind;

  @Omittable()
  @IsUUID()
  accountId?: string;
}

export class FilingDto {
  id: string;
  accountId: string;
  accountName: string;
  unitId: string;
  @ApiProperty({ enum: FILING_KINDS })
  kind: FilingKind;
  @ApiProperty({ enum: FILING_STATUSES })
  status: FilingStatus;
  @ApiProperty({ type: 'object', additionalProperties: true })
  details: Record<string, unknown>;
  /** The returned filing this one answers. */
  resubmissionOf: string | null;
  submittedAt: string;
  reviewedAt: string | null;
  returnReasons: string[] | null;
}

export class FilingPageDto {
  items: FilingDto[];
  nextCursor?: string;
}
