import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean } from 'class-validator';
import { Omittable } from '@govmatrix/common';

export const MAX_BATCH_ROWS = 5000;

export class ReportQueryDto {
  /** All or nothing: any bad row rejects the whole batch (422) and nothing is written. */
  @Omittable()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  atomic?: boolean;
}

export class RowErrorDto {
  /** Index of the row in `rows`. */
  index: number;
  /** JSON pointer to the offending field. */
  pointer: string;
  field: string;
  reason: string;
}

export class ReportResultDto {
  received: number;
  accepted: number;
  rejected: number;
  /** New rows. */
  inserted: number;
  /** Existing rows replaced with different values (late corrections; old values kept in history). */
  updated: number;
  /** Rows identical to what was already stored. */
  unchanged: number;
  errors: RowErrorDto[];
}

/** One day of one account. Counters default to 0; reads, plays, followers and answer time stay empty when absent. */
export class MetricRowDto {
  accountId: string;
  /** YYYY-MM-DD, not in the future. */
  day: string;
  posts?: number;
  originals?: number;
  reposts?: number;
  comments?: number;
  likes?: number;
  reads?: number;
  plays?: number;
  followers?: number;
  /** May be negative (lost followers). */
  newFollowers?: number;
  messagesReceived?: number;
  messagesAnswered?: number;
  medianAnswerMinutes?: number;
  /** Posts classified as government affairs (政务). */
  postsGovernment?: number;
  /** Posts classified as livelihood (民生). */
  postsLivelihood?: number;
  /** "B-class" posts: chicken soup, lotteries, filler. */
  postsBClass?: number;
}

export class MetricsReportDto {
  /** Up to 5,000 rows; the SDK batches larger arrays. */
  @ApiProperty({ type: [MetricRowDto], maxItems: MAX_BATCH_ROWS })
  rows: MetricRowDto[];
}

export class InteractionRowDto {
  day: string;
  /** The reporting side's account (in the caller's subtree). */
  sourceAccountId: string;
  /** The account whose post was reposted or commented on (any account of the tenant). */
  targetAccountId: string;
  @ApiProperty({ enum: ['repost', 'comment'] })
  kind: 'repost' | 'comment';
  count: number;
  targetPostId?: string;
}

export class InteractionsReportDto {
  @ApiProperty({ type: [InteractionRowDto], maxItems: MAX_BATCH_ROWS })
  rows: InteractionRowDto[];
}

export class PostRowDto {
  accountId: string;
  /** The platform's id of the post. */
  postId: string;
  publishedAt: string;
  title?: string;
  body?: string;
  url?: string;
  @ApiProperty({ enum: ['government', 'livelihood', 'b_class', 'other'], required: false })
  contentClass?: 'government' | 'livelihood' | 'b_class' | 'other';
}

export class PostsReportDto {
  @ApiProperty({ type: [PostRowDto], maxItems: MAX_BATCH_ROWS })
  rows: PostRowDto[];
}
