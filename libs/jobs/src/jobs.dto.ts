import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsString, Length, Validate } from 'class-validator';
import { Omittable } from '@govmatrix/common';
import { IsoDateConstraint } from '@govmatrix/calendar';

export class TriggerJobDto {
  /** The date to run for (YYYY-MM-DD); today in China when omitted. */
  @Omittable()
  @Validate(IsoDateConstraint)
  date?: string;

  /** Run again even if this date already succeeded (jobs have no double effects). */
  @Omittable()
  @IsBoolean()
  force?: boolean;
}

export class ListJobRunsQueryDto {
  @Omittable()
  @IsString()
  @Length(1, 40)
  job?: string;
}

export class JobRunDto {
  id: string;
  job: string;
  runKey: string;
  @ApiProperty({ enum: ['succeeded', 'failed', 'skipped'] })
  status: 'succeeded' | 'failed' | 'skipped';
  startedAt: string;
  finishedAt: string;
  @ApiProperty({ type: 'object', additionalProperties: true })
  counts: Record<string, unknown>;
  error: string | null;
  triggeredBy: string;
  worker: string;
}

export class JobRunListDto {
  items: JobRunDto[];
}

export class TriggerResultDto {
  job: string;
  runKey: string;
  /** `ran`, or `already_done` when the key succeeded before (pass force), or `claimed_elsewhere` when another worker is on it. */
  @ApiProperty({ enum: ['ran', 'already_done', 'claimed_elsewhere'] })
  status: 'ran' | 'already_done' | 'claimed_elsewhere';
  run?: JobRunDto;
}
