import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNumber, IsObject, Max, Min } from 'class-validator';
import { Omittable } from '@govmatrix/common';

export class InspectionSettingsDto {
  /** R7: no post in this many days before the check date = zombie account (single veto). */
  inactiveDays: number;
  /** R7: least posts per calendar month, by platform, before `low_activity` is raised. */
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } })
  monthlyPostAllowance: Record<string, number>;
  /** R8: messages unanswered for longer than this many days raise `unanswered_messages`. */
  unansweredMessageDays: number;
  /** Days without a single comment or message while posting: the interaction function looks broken. */
  noInteractionDays: number;
  /** Default share of a subtree's accounts in a spot-check plan. */
  spotCheckShare: number;
}

export class UpdateInspectionSettingsDto {
  /** R7: days without a post that make a zombie account (7–90). */
  @Omittable()
  @IsInt()
  @Min(7)
  @Max(90)
  inactiveDays?: number;

  /** Platform → least posts per month; platforms left out keep their value. */
  @Omittable()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'integer' } })
  monthlyPostAllowance?: Record<string, number>;

  /** R8: days a message may stay unanswered (1–30). */
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(30)
  unansweredMessageDays?: number;

  /** Days without interaction before `no_interaction_function` (7–180). */
  @Omittable()
  @IsInt()
  @Min(7)
  @Max(180)
  noInteractionDays?: number;

  /** Default spot-check share (0.01–1). */
  @Omittable()
  @IsNumber()
  @Min(0.01)
  @Max(1)
  spotCheckShare?: number;
}
