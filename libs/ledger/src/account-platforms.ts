export const PLATFORMS = [
  'weibo',
  'wechat',
  'douyin',
  'kuaishou',
  'toutiao',
  'bilibili',
  'xiaohongshu',
  'video_channel',
  'mini_program',
  'app',
  'website_column',
  'other',
] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_NAMES_ZH: Record<Platform, string> = {
  weibo: '微博',
  wechat: '微信公众号',
  douyin: '抖音',
  kuaishou: '快手',
  toutiao: '今日头条',
  bilibili: '哔哩哔哩',
  xiaohongshu: '小红书',
  video_channel: '视频号',
  mini_program: '小程序',
  app: '客户端',
  website_column: '网站栏目',
  other: '其他',
};

export const WECHAT_TYPES = ['subscription', 'service'] as const;
export type WechatType = (typeof WECHAT_TYPES)[number];

export const ACCOUNT_KINDS = ['institutional', 'official_personal'] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export const OPERATING_MODES = ['self', 'outsourced'] as const;
export type OperatingMode = (typeof OPERATING_MODES)[number];

export const PERSON_ROLES = ['first_responsible', 'main_responsible', 'chief_editor', 'operator'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
/** The three roles R6 requires before an account can be filed. */
export const REQUIRED_ROLES = ['first_responsible', 'main_responsible', 'chief_editor'] as const;
export type SingleHolderRole = (typeof REQUIRED_ROLES)[number];
