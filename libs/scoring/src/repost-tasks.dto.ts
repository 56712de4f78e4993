import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsString, IsUUID, Length, Validate } from 'class-validator';
import { IsoDateConstraint } from '@govmatrix/calendar';
import { Omittable, PageQueryDto } from '@govmatrix/common';

export class CreateRepostTaskDto {
  /** Root of the subtree whose accounts must repost (within your scope). */
  @IsUUID()
  unitId: string;

  /** The account that published the post, usually a superior's (any account of the tenant). */
  @IsUUID()
  accountId: string;

  /** The platform's id of the post, as portals report it in interactions (`targetPostId`). */
  @IsString()
  @Length(1, 200)
  postId: string;

  @Omittable()
  @IsString()
  @Length(1, 500)
  title?: string;

  /** The last day a repost counts (YYYY-MM-DD, not before today). */
  @Validate(IsoDateConstraint)
  deadline: string;
}

export class CancelRepostTaskDto {
  @IsString()
  @Length(1, 2000)
  reason: string;
}

export const REPOST_TASK_STATUSES = ['open', 'due', 'cancelled'] as const;
export type RepostTaskStatus = (typeof REPOST_TASK_STATUSES)[number];

export class ListRepostTasksQueryDto extends PageQueryDto {
  /** `open`: deadline not yet passed; `due`: deadline passed; `cancelled`. */
  @Omittable()
  @ApiPropertyOptional({ enum: REPOST_TASK_STATUSES })
  @IsIn(REPOST_TASK_STATUSES)
  status?: RepostTaskStatus;
}

export class RepostTaskDto {
  id: string;
  unitId: string;
  unitName: string;
  accountId: string;
  /** Null when the designating account was outside the issuer's scope. */
  accountName: string | null;
  postId: string;
  title: string | null;
  issuedOn: string;
  deadline: string;
  @ApiProperty({ enum: REPOST_TASK_STATUSES })
  status: RepostTaskStatus;
  /** Accounts of the task's subtree you can see that must repost. */
  assigned: number;
  /** Of those, the ones with a reported repost of the post by the deadline. */
  completed: number;
  /** completed ÷ assigned (null without assigned accounts). */
  completionRate: number | null;
  createdAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
}

export class RepostTaskPageDto {
  items: RepostTaskDto[];
  nextCursor?: string;
}

export class ListRepostCompletionQueryDto extends PageQueryDto {
  /** Only accounts that did (true) or did not (false) repost in time. */
  @Omittable()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  completed?: boolean;
}

export class RepostCompletionDto {
  accountId: string;
  accountName: string;
  platform: string;
  unitId: string;
  unitName: string;
  completed: boolean;
  /** The first day a repost of the post was reported, by the deadline. */
  completedOn: string | null;
}

export class RepostCompletionPageDto {
  items: RepostCompletionDto[];
  nextCursor?: string;
}
