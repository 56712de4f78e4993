import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';
import { PageQueryDto } from '@govmatrix/common';
import { Measure, MEASURES, STEP_KINDS, StepKind } from './case-rules';

const toBoolean = ({ value }: { value: unknown }): unknown => (value === 'true' ? true : value === 'false' ? false : value);

export class ListNoticesQueryDto extends PageQueryDto {
  /** `true`: only notices nobody has marked read yet. */
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean()
  unread?: boolean;

  @IsOptional()
  @IsUUID()
  caseId?: string;

  @IsOptional()
  @IsUUID()
  accountId?: string;
}

/** A notice to the unit: one per step of a case about one of its accounts. */
export class NoticeDto {
  id: string;
  /** The case step it announces. */
  @ApiProperty({ enum: STEP_KINDS })
  kind: StepKind;
  caseId: string;
  stepSeq: number;
  accountId: string;
  accountName: string;
  unitId: string;
  unitName: string;
  /** The measure in force after the step. */
  @ApiProperty({ enum: MEASURES })
  measure: Measure;
  /** The rectification deadline after the step. */
  dueOn: string;
  title: string;
  message: string;
  createdAt: string;
  readAt: string | null;
  readBy: string | null;
}

export class NoticePageDto {
  items: NoticeDto[];
  nextCursor?: string;
}
