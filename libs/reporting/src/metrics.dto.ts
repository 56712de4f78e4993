import { Validate } from 'class-validator';
import { IsoDateConstraint } from '@govmatrix/calendar';

export class MetricRangeQueryDto {
  @Validate(IsoDateConstraint)
  from: string;

  @Validate(IsoDateConstraint)
  to: string;
}

export class MetricDayQueryDto {
  @Validate(IsoDateConstraint)
  day: string;
}

export class MetricDayDto {
  day: string;
  posts: number;
  originals: number;
  reposts: number;
  comments: number;
  likes: number;
  reads: number | null;
  plays: number | null;
  followers: number | null;
  newFollowers: number;
  messagesReceived: number;
  messagesAnswered: number;
  medianAnswerMinutes: number | null;
  postsGovernment: number;
  postsLivelihood: number;
  postsBClass: number;
  reportedAt: string;
  /** In history: when a correction replaced these values. */
  replacedAt?: string;
}

export class MetricDaysDto {
  items: MetricDayDto[];
}
