import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsObject } from 'class-validator';
import { Omittable } from '@govmatrix/common';
import { Measure, MEASURES } from './case-rules';

/** Working days to rectify, per measure. */
export class DeadlineDaysDto implements Record<Measure, number> {
  /** 责令删除 */
  @ApiProperty({ type: 'integer' })
  order_deletion: number;
  /** 约谈 */
  @ApiProperty({ type: 'integer' })
  talk: number;
  /** 警告 */
  @ApiProperty({ type: 'integer' })
  warning: number;
  /** 通报 */
  @ApiProperty({ type: 'integer' })
  public_notice: number;
  /** 责令关闭 */
  @ApiProperty({ type: 'integer' })
  forced_closure: number;
}

export class SanctionsSettingsDto {
  /** Rectification deadline per measure, in working days (SPEC: typically 3–10). */
  deadlineDays: DeadlineDaysDto;

  /** The escalation ladder, mildest first: an unresolved case past its deadline moves to the next rung. */
  @ApiProperty({ enum: MEASURES, isArray: true })
  ladder: Measure[];
}

export class UpdateSanctionsSettingsDto {
  /** Measure → working days (1–60); measures left out keep their value. */
  @Omittable()
  @IsObject()
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'integer' } })
  deadlineDays?: Partial<Record<Measure, number>>;

  /** Measures from the mildest to the most severe, each more severe than the one before. */
  @Omittable()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MEASURES.length)
  @ArrayUnique()
  @IsIn(MEASURES, { each: true })
  @ApiPropertyOptional({ enum: MEASURES, isArray: true })
  ladder?: Measure[];
}
