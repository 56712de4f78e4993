import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Max,
  Min,
  Validate,
} from 'class-validator';
import { IsoDateConstraint } from '@govmatrix/calendar';
import { Omittable, PageQueryDto } from '@govmatrix/common';
import { CASE_STATUSES, CaseStatus, Measure, MEASURES, STEP_KINDS, StepKind } from './case-rules';

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

/** An auditor's decision on open findings of one account (处置决定). */
export class OpenCaseDto {
  @IsUUID()
  accountId: string;

  /** Open findings of that account the decision answers (at most 50). */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ArrayUnique()
  @IsUUID('all', { each: true })
  findingIds: string[];

  @ApiProperty({ enum: MEASURES })
  @IsIn(MEASURES)
  measure: Measure;

  /** The decision as the unit reads it: what is wrong and what to do. */
  @IsString()
  @Length(1, 2000)
  decision: string;

  /** Rectification deadline in working days; the tenant's default for the measure when omitted. */
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(60)
  deadlineDays?: number;

  /** Date of the decision (YYYY-MM-DD, not in the future); today in China when omitted. The deadline counts from it. */
  @Omittable()
  @Validate(IsoDateConstraint)
  decidedOn?: string;
}

/** The unit's answer: what it did, with evidence. */
export class RectificationReportDto {
  /** What was rectified and how. */
  @IsString()
  @Length(1, 5000)
  text: string;

  /** Screenshots, the corrected post, the deletion notice … (at most 20 URLs). */
  @Omittable()
  @IsArray()
  @ArrayMaxSize(20)
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'] }, { each: true })
  evidenceUrls?: string[];

  /** When the rectification was done (YYYY-MM-DD, not in the future). */
  @Validate(IsoDateConstraint)
  rectifiedOn: string;
}

export class AcceptRectificationDto {
  @Omittable()
  @IsString()
  @Length(1, 2000)
  note?: string;
}

export class ReturnRectificationDto {
  /** Why the rectification is not enough; each reason is shown to the unit. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @Length(1, 500, { each: true })
  reasons: string[];

  /** A new deadline in working days from today; the current deadline stands when omitted. */
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(60)
  deadlineDays?: number;
}

export class ListCasesQueryDto extends PageQueryDto {
  @Omittable()
  @ApiProperty({ enum: CASE_STATUSES, required: false })
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @Omittable()
  @ApiProperty({ enum: MEASURES, required: false })
  @IsIn(MEASURES)
  measure?: Measure;

  @Omittable()
  @IsUUID()
  accountId?: string;

  /** Only cases of accounts in this unit's subtree. */
  @Omittable()
  @IsUUID()
  under?: string;

  /** `true`: waiting for rectification past the deadline; `false`: not overdue. */
  @Omittable()
  @Transform(toBoolean)
  @IsBoolean()
  overdue?: boolean;
}

/** A responsible person named by the case, as the chain stood then (R6). */
export class PersonOfRecordDto {
  id: string;
  @ApiProperty({ enum: ['first_responsible', 'main_responsible', 'chief_editor', 'operator'] })
  role: string;
  name: string;
  position: string | null;
  /** Masked unless you manage or supervise accounts. */
  phone: string | null;
  email: string | null;
  /** Since when the person held the role. */
  validFrom: string;
}

export class PersonsOfRecordDto {
  /** When the chain was read. */
  at: string;
  firstResponsible: PersonOfRecordDto | null;
  mainResponsible: PersonOfRecordDto | null;
  chiefEditor: PersonOfRecordDto | null;
  operators: PersonOfRecordDto[];
}

export class RectificationDto {
  text: string;
  evidenceUrls: string[];
  rectifiedOn: string;
}

/** One step of the case, as recorded (append-only). */
export class CaseStepDto {
  seq: number;
  @ApiProperty({ enum: STEP_KINDS })
  kind: StepKind;
  @ApiProperty({ enum: CASE_STATUSES })
  statusAfter: CaseStatus;
  /** The measure in force after the step. */
  @ApiProperty({ enum: MEASURES })
  measure: Measure;
  dueOn: string;
  dueProvisional: boolean;
  @ApiProperty({ enum: ['user', 'client', 'system'] })
  actorKind: 'user' | 'client' | 'system';
  actorId: string | null;
  occurredAt: string;
  /** Escalation: the moment the run stood for (its deadline check). */
  asOf: string | null;
  /** Escalation: the measure before. */
  @ApiProperty({ enum: MEASURES, nullable: true })
  previousMeasure: Measure | null;
  /** Opening: the decision; acceptance: the auditor's note. */
  note: string | null;
  /** Return: the reasons. */
  reasons: string[] | null;
  /** Rectification report. */
  rectification: RectificationDto | null;
  /** Opening and escalation: the responsible persons of record at that moment. */
  personsOfRecord: PersonsOfRecordDto | null;
}

export class CaseFindingDto {
  id: string;
  kind: string;
  detail: string;
  @ApiProperty({ enum: ['open', 'closed'] })
  status: 'open' | 'closed';
}

export class CaseDto {
  id: string;
  accountId: string;
  accountName: string;
  unitId: string;
  unitName: string;
  @ApiProperty({ enum: CASE_STATUSES })
  status: CaseStatus;
  /** The measure in force (escalation raises it). */
  @ApiProperty({ enum: MEASURES })
  measure: Measure;
  @ApiProperty({ enum: MEASURES })
  initialMeasure: Measure;
  decision: string;
  decidedOn: string;
  /** The last day of the rectification period (working days, China's holiday calendar). */
  dueOn: string;
  /** The deadline crossed a year the calendar does not know (weekends only). */
  dueProvisional: boolean;
  /** Waiting for rectification after the deadline. */
  overdue: boolean;
  openedBy: string;
  openedAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

export class CaseDetailDto extends CaseDto {
  findings: CaseFindingDto[];
  /** The responsible persons of record when the case was opened (R6), unchanged by later changes of the chain. */
  personsOfRecord: PersonsOfRecordDto;
  steps: CaseStepDto[];
}

export class CasePageDto {
  items: CaseDto[];
  nextCursor?: string;
}
