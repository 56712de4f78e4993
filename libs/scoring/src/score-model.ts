import { FieldError } from '@govmatrix/common';

/**
 * The measurements a model can weigh. Each is computed set-based in SQL per account over the period
 * (see scoring-sql.ts); a model is data that picks some of them, with weights, normalisation and vetoes.
 * `null` raw values mean "not applicable to this account" (a leaf unit has no subordinates to cover):
 * their weight goes to the applicable indicators of the same index, or to the other indices.
 */
export const INDICATORS = {
  engagement: 'Reposts + comments + likes its posts received in the period (互动频率)',
  reposts: 'Reposts its posts received in the period',
  comments: 'Comments its posts received in the period',
  likes: 'Likes its posts received in the period',
  comment_repost_ratio: 'Comments ÷ reposts received (互动质量; reposts of 0 count as 1)',
  followers: 'Followers at the end of the period (last reported value; 受众数)',
  verified_days: 'Days since verification at the end of the period (认证时间; 0 when not verified)',
  active_followers:
    'Active followers (活跃受众): followers who can have acted, least(followers, engagement) — follower-level data is not reported',
  posts: 'Posts published in the period (发布量)',
  post_days: 'Days of the period with at least one post (活跃天数)',
  originals: 'Original posts published in the period',
  reposts_of_gov: 'Reposts it made of other government accounts (转发数), from reported interactions',
  original_share: 'Originals ÷ posts (发布质量; not applicable without posts)',
  daily_new_followers_ratio: 'Daily new followers ÷ its sector’s average (日均增粉量)',
  posts_yoy_ratio:
    'Year-on-year growth of posts ÷ its sector’s average ((posts+1)/(posts a year before+1); not applicable without data a year before)',
  originals_yoy_ratio: 'Year-on-year growth of originals ÷ its sector’s average',
  engagement_yoy_ratio: 'Year-on-year growth of monthly reposts + comments + likes ÷ its sector’s average',
  government_share: 'Government-affairs posts ÷ posts (政务信息; not applicable without posts)',
  livelihood_share: 'Livelihood posts ÷ posts (民生信息)',
  b_class_share: '"B-class" posts ÷ posts (chicken soup, lotteries, filler; weigh it lower-is-better)',
  coverage:
    'Share of its unit’s subordinate units (children and sector children) with a live account (覆盖度; not applicable without subordinates)',
  upper_interaction: 'Reposts and comments it made of its superiors’ accounts (上级互动; not applicable at the root)',
  lower_linkage: 'Reposts and comments it received from its subordinates’ accounts (下级联动; not applicable without subordinates)',
  repost_task_completion: 'Share of the repost tasks due in the period it completed by their deadline (not applicable without tasks)',
  reads_per_day: 'Reads ÷ days of the period (WCI R/d)',
  likes_per_day: 'Likes ÷ days of the period (WCI Z/d)',
  reads_per_post: 'Reads ÷ posts (WCI R/n; 0 without posts)',
  likes_per_post: 'Likes ÷ posts (WCI Z/n; 0 without posts)',
  peak_day_reads: 'Most reads of one day (WCI Rmax: per-article figures are not reported)',
  peak_day_likes: 'Most likes of one day (WCI Zmax)',
} as const;
export type IndicatorKey = keyof typeof INDICATORS;
export const INDICATOR_KEYS = Object.keys(INDICATORS) as IndicatorKey[];

/**
 * How a raw value becomes comparable, within the accounts of the run for which it applies:
 * - `ln`: ln(1 + x) (the WCI/BCI form, unbounded);
 * - `log_minmax`: ln(1 + x) then min–max to [0, 1];
 * - `minmax`: min–max to [0, 1];
 * - `percentile`: the share of accounts with a lower value (percent rank, ties equal);
 * - `ratio`: x clamped to [0, 1] (shares);
 * - `none`: x as it is.
 * When every account has the same value, min–max gives 1 if that value is above 0, else 0.
 */
export const NORMALIZATIONS = ['ln', 'log_minmax', 'minmax', 'percentile', 'ratio', 'none'] as const;
export type Normalization = (typeof NORMALIZATIONS)[number];

/** `linear`: score = scale × Σ weight·normalised. `square` (WCI): score = scale × (Σ weight·normalised)². */
export const TRANSFORMS = ['linear', 'square'] as const;
export type Transform = (typeof TRANSFORMS)[number];

/** A veto: `finding:<kind>` (a finding of that kind open during the period) or `status:force_closed`. */
export const VETO_PATTERN = /^(finding:[a-z][a-z0-9_]{1,39}|status:(force_closed|rectifying))$/;

export interface ModelIndicator {
  indicator: IndicatorKey;
  weight: number;
  /** Overrides the model's normalisation for this indicator. */
  normalization?: Normalization;
  /** Multiplies the raw value before normalisation (WCI counts likes ×10). */
  factor?: number;
  /** Lower raw values are better: the normalised value is 1 − n (min–max, percentile, ratio only). */
  lowerIsBetter?: boolean;
}

export interface ModelIndex {
  key: string;
  label?: string;
  weight: number;
  indicators: ModelIndicator[];
}

export interface ModelVeto {
  when: string;
  /** The score is at most this. */
  cap: number;
}

export interface ScoreModelDefinition {
  normalization: Normalization;
  transform: Transform;
  scale: number;
  indices: ModelIndex[];
  vetoes: ModelVeto[];
}

/** One weighed term of a model, in the order the explanation arrays follow. */
export interface ModelTerm {
  index: string;
  indexWeight: number;
  indicator: IndicatorKey;
  weight: number;
  normalization: Normalization;
  factor: number;
  lowerIsBetter: boolean;
}

export function termsOf(model: ScoreModelDefinition): ModelTerm[] {
  return model.indices.flatMap((index) =>
    index.indicators.map((i) => ({
      index: index.key,
      indexWeight: index.weight,
      indicator: i.indicator,
      weight: i.weight,
      normalization: i.normalization ?? model.normalization,
      factor: i.factor ?? 1,
      lowerIsBetter: i.lowerIsBetter ?? false,
    })),
  );
}

const SUM_TOLERANCE = 1e-9;
const BOUNDED: readonly Normalization[] = ['log_minmax', 'minmax', 'percentile', 'ratio'];

/**
 * The rules the DTO decorators cannot say: weights add up to 1 (indices, and indicators within each
 * index), keys are unique, lower-is-better only where the normalised value is bounded.
 */
export function modelErrors(model: ScoreModelDefinition, pointer = '/definition'): FieldError[] {
  const errors: FieldError[] = [];
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum(model.indices.map((i) => i.weight)) - 1) > SUM_TOLERANCE)
    errors.push({ pointer: `${pointer}/indices`, reason: 'the index weights must add up to 1' });
  const keys = new Set<string>();
  model.indices.forEach((index, i) => {
    if (keys.has(index.key)) errors.push({ pointer: `${pointer}/indices/${i}/key`, reason: 'is used twice' });
    keys.add(index.key);
    if (Math.abs(sum(index.indicators.map((x) => x.weight)) - 1) > SUM_TOLERANCE)
      errors.push({ pointer: `${pointer}/indices/${i}/indicators`, reason: 'the indicator weights of an index must add up to 1' });
    const seen = new Set<string>();
    index.indicators.forEach((indicator, j) => {
      if (seen.has(indicator.indicator))
        errors.push({ pointer: `${pointer}/indices/${i}/indicators/${j}/indicator`, reason: 'is used twice in this index' });
      seen.add(indicator.indicator);
      const normalization = indicator.normalization ?? model.normalization;
      if (indicator.lowerIsBetter && !BOUNDED.includes(normalization))
        errors.push({
          pointer: `${pointer}/indices/${i}/indicators/${j}/lowerIsBetter`,
          reason: `needs a bounded normalisation (${BOUNDED.join(', ')}), not ${normalization}`,
        });
    });
  });
  const vetoes = new Set<string>();
  model.vetoes.forEach((veto, i) => {
    if (vetoes.has(veto.when)) errors.push({ pointer: `${pointer}/vetoes/${i}/when`, reason: 'is used twice' });
    vetoes.add(veto.when);
  });
  return errors;
}

/** The single-veto items of the 2019 national inspection indicators, each capping the score at 0. */
const SINGLE_VETOES: ModelVeto[] = [
  { when: 'finding:inactive_14d', cap: 0 },
  { when: 'finding:content_error', cap: 0 },
  { when: 'finding:secrecy_incident', cap: 0 },
  { when: 'finding:faked_influence', cap: 0 },
  { when: 'status:force_closed', cap: 0 },
];

export interface ScoreModelPreset {
  key: string;
  name: string;
  description: string;
  definition: ScoreModelDefinition;
}

/** The 2014 national government new-media index (seed 002): six indices, 0–100. */
const SIX_INDEX: ScoreModelDefinition = {
  normalization: 'log_minmax',
  transform: 'linear',
  scale: 100,
  indices: [
    {
      key: 'interaction',
      label: '互动指数',
      weight: 0.2,
      indicators: [
        { indicator: 'engagement', weight: 0.7 },
        { indicator: 'comment_repost_ratio', weight: 0.3 },
      ],
    },
    {
      key: 'audience',
      label: '受众指数',
      weight: 0.15,
      indicators: [
        { indicator: 'followers', weight: 0.5 },
        { indicator: 'verified_days', weight: 0.2, normalization: 'minmax' },
        { indicator: 'active_followers', weight: 0.3 },
      ],
    },
    {
      key: 'dissemination',
      label: '传播指数',
      weight: 0.2,
      indicators: [
        { indicator: 'posts', weight: 0.4 },
        { indicator: 'reposts_of_gov', weight: 0.3 },
        { indicator: 'original_share', weight: 0.3, normalization: 'ratio' },
      ],
    },
    {
      key: 'growth',
      label: '成长指数',
      weight: 0.15,
      indicators: [
        { indicator: 'daily_new_followers_ratio', weight: 0.25 },
        { indicator: 'posts_yoy_ratio', weight: 0.25 },
        { indicator: 'originals_yoy_ratio', weight: 0.25 },
        { indicator: 'engagement_yoy_ratio', weight: 0.25 },
      ],
    },
    {
      key: 'content',
      label: '内容指数',
      weight: 0.15,
      indicators: [
        { indicator: 'government_share', weight: 0.4, normalization: 'ratio' },
        { indicator: 'livelihood_share', weight: 0.4, normalization: 'ratio' },
        { indicator: 'b_class_share', weight: 0.2, normalization: 'ratio', lowerIsBetter: true },
      ],
    },
    {
      key: 'cluster',
      label: '集群指数',
      weight: 0.15,
      indicators: [
        { indicator: 'coverage', weight: 0.3, normalization: 'ratio' },
        { indicator: 'upper_interaction', weight: 0.25 },
        { indicator: 'lower_linkage', weight: 0.25 },
        { indicator: 'repost_task_completion', weight: 0.2, normalization: 'ratio' },
      ],
    },
  ],
  vetoes: SINGLE_VETOES,
};

/**
 * 清博 WCI V14.2: (0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 1.2 × 10, each term 0.85·ln(reads+1) +
 * 0.15·ln(10·likes+1) of: O per day, A per post, H headline per day, P the peak. Headline (头条) and
 * per-article figures are not reported: H uses the per-day figures and P the best day.
 */
const WCI: ScoreModelDefinition = {
  normalization: 'ln',
  transform: 'square',
  scale: 12,
  indices: [
    { key: 'overall', label: 'O 整体传播力', weight: 0.6, indicators: wciPair('reads_per_day', 'likes_per_day') },
    { key: 'per_post', label: 'A 篇均传播力', weight: 0.2, indicators: wciPair('reads_per_post', 'likes_per_post') },
    { key: 'headline', label: 'H 头条传播力', weight: 0.1, indicators: wciPair('reads_per_day', 'likes_per_day') },
    { key: 'peak', label: 'P 峰值传播力', weight: 0.1, indicators: wciPair('peak_day_reads', 'peak_day_likes') },
  ],
  vetoes: [],
};

function wciPair(reads: IndicatorKey, likes: IndicatorKey): ModelIndicator[] {
  return [
    { indicator: reads, weight: 0.85 },
    { indicator: likes, weight: 0.15, factor: 10 },
  ];
}

/** BCI: (0.2·ln(posts+1) + 0.8·(0.4·ln(reposts+1) + 0.4·ln(comments+1) + 0.2·ln(likes+1))) × 160. */
const BCI: ScoreModelDefinition = {
  normalization: 'ln',
  transform: 'linear',
  scale: 160,
  indices: [
    { key: 'activity', label: '活跃度', weight: 0.2, indicators: [{ indicator: 'posts', weight: 1 }] },
    {
      key: 'spread',
      label: '传播度',
      weight: 0.8,
      indicators: [
        { indicator: 'reposts', weight: 0.4 },
        { indicator: 'comments', weight: 0.4 },
        { indicator: 'likes', weight: 0.2 },
      ],
    },
  ],
  vetoes: [],
};

export const PRESETS: readonly ScoreModelPreset[] = [
  {
    key: 'six_index',
    name: '政务新媒体六指数模型',
    description:
      'The six indices of the 2014 national government new-media index report (interaction, audience, dissemination, growth vs the sector average, content, cluster), 0–100, with the single-veto items capping the score at 0.',
    definition: SIX_INDEX,
  },
  {
    key: 'wci_v14_2',
    name: '清博 WCI V14.2',
    description: '(0.6·O + 0.2·A + 0.1·H + 0.1·P)² × 12 over ln(x+1) of reads and 10 × likes; headline figures use the daily ones.',
    definition: WCI,
  },
  {
    key: 'bci',
    name: 'BCI',
    description: '(0.2·ln(posts+1) + 0.8·(0.4·ln(reposts+1) + 0.4·ln(comments+1) + 0.2·ln(likes+1))) × 160.',
    definition: BCI,
  },
];

export const PRESET_KEYS = PRESETS.map((p) => p.key);
export const DEFAULT_MODEL_KEY = 'six_index';

export function presetOf(key: string): ScoreModelPreset | undefined {
  return PRESETS.find((p) => p.key === key);
}
