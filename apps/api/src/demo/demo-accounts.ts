import type { Platform, WechatType } from '@govmatrix/ledger';
import type { UnitLevel } from '@govmatrix/tenancy';

/** The seed of every generated demo value: the same seed and end day give the same tenant. */
export const DEMO_SEED = 20_261_101;

/** Days of generated metrics and interactions, ending yesterday. */
export const DEMO_DAYS = 365;

/** A demo unit as the generator sees it. */
export interface DemoUnit {
  id: string;
  code: string;
  name: string;
  shortName: string | null;
  level: UnitLevel;
  sector: string;
  supervisor: boolean;
}

export interface DemoPerson {
  name: string;
  position: string;
  phone: string;
}

/** One generated account, with the activity profile its metrics are generated from. */
export interface DemoAccount {
  unitId: string;
  platform: Platform;
  wechatType: WechatType | null;
  name: string;
  /** demo-<unit code>-<platform>: unique, and the key of the account's generated values. */
  platformUid: string;
  url: string | null;
  verifiedOn: string | null;
  vendor: string | null;
  openedOn: string;
  status: 'active' | 'rectifying' | 'closed';
  closedOn: string | null;
  /** Expected posts a day on an ordinary weekday. */
  postsPerDay: number;
  /** Followers at the start of the generated year. */
  followers: number;
  /** A zombie account stops posting this many days before the end (0: never). */
  silentDays: number;
  /** Share of received messages it answers. */
  answerShare: number;
  /** How eagerly it reposts and comments on its superiors' posts, 0–1. */
  engagement: number;
  people: { firstResponsible: DemoPerson; mainResponsible: DemoPerson; chiefEditor: DemoPerson; operator: DemoPerson };
}

/** Accounts the demo opens later through the ledger (the review queue): not generated here. */
export const DEMO_QUEUE: { unitCode: string; platform: Platform; suffix: string }[] = [
  { unitCode: '430103-media', platform: 'bilibili', suffix: '融媒' },
  { unitCode: '430103-police', platform: 'xiaohongshu', suffix: '公安' },
  { unitCode: '430103-tourism', platform: 'xiaohongshu', suffix: '文旅' },
  { unitCode: '430103-youth', platform: 'bilibili', suffix: '团委' },
  { unitCode: '430103-education', platform: 'video_channel', suffix: '教育' },
];

/** A small, fast, seedable generator (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** FNV-1a: a string to 32 bits, to derive each unit's own generator from the seed. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The kind of body a unit is, for what accounts it opens: its sector, or the bureau's key in its code. */
function profileOf(unit: DemoUnit): string {
  if (unit.level !== 'bureau') return 'government';
  const key = unit.code.slice(unit.code.lastIndexOf('-') + 1);
  return key === 'media' ? 'media' : unit.supervisor ? 'cac' : PLATFORM_ODDS[key] ? key : unit.sector;
}

/** Chance that a unit of a profile runs an account on a platform (levels scale it below). */
const PLATFORM_ODDS: Record<string, Partial<Record<Platform, number>>> = {
  government: { weibo: 0.93, wechat: 0.99, douyin: 0.8, toutiao: 0.45, video_channel: 0.45, kuaishou: 0.2, app: 0.55 },
  media: { app: 0.85, wechat: 0.92, douyin: 0.85, weibo: 0.55, video_channel: 0.5, kuaishou: 0.3 },
  cac: { wechat: 0.95, weibo: 0.7, douyin: 0.25 },
  police: { weibo: 0.95, wechat: 0.95, douyin: 0.85, kuaishou: 0.4, toutiao: 0.3 },
  court: { weibo: 0.9, wechat: 0.92, douyin: 0.6, toutiao: 0.3 },
  procuratorate: { weibo: 0.85, wechat: 0.9, douyin: 0.5, toutiao: 0.25 },
  justice: { wechat: 0.8, weibo: 0.35, douyin: 0.25 },
  tourism: { wechat: 0.85, weibo: 0.5, douyin: 0.6, xiaohongshu: 0.35 },
  youth: { wechat: 0.85, weibo: 0.45, bilibili: 0.25, douyin: 0.3 },
  transport: { wechat: 0.75, weibo: 0.3, douyin: 0.2 },
  emergency: { wechat: 0.8, weibo: 0.45, douyin: 0.3 },
  weather: { weibo: 0.75, wechat: 0.8, douyin: 0.2 },
  health: { wechat: 0.85, weibo: 0.35, douyin: 0.35 },
  education: { wechat: 0.85, weibo: 0.3, douyin: 0.3, video_channel: 0.2 },
};
/** Bureaus of the county tier without any account at all: the coverage gaps to find. */
const NO_ACCOUNT_ODDS = 0.07;

const POSTS_PER_DAY: Record<Platform, number> = {
  weibo: 3,
  wechat: 1.1,
  douyin: 0.9,
  kuaishou: 0.7,
  toutiao: 1.6,
  bilibili: 0.3,
  xiaohongshu: 0.5,
  video_channel: 0.6,
  mini_program: 0.2,
  app: 4,
  website_column: 1,
  other: 0.5,
};
const FOLLOWER_SCALE: Record<Platform, number> = {
  weibo: 1,
  wechat: 0.45,
  douyin: 1.4,
  kuaishou: 0.8,
  toutiao: 0.5,
  bilibili: 0.2,
  xiaohongshu: 0.15,
  video_channel: 0.3,
  mini_program: 0.05,
  app: 0.35,
  website_column: 0.05,
  other: 0.05,
};
const LEVEL_POSTS: Record<UnitLevel, number> = { province: 2.4, city: 1.7, county: 1.3, bureau: 1 };
const LEVEL_FOLLOWERS: Record<UnitLevel, number> = { province: 2_500_000, city: 350_000, county: 60_000, bureau: 9_000 };
/** The year each platform's government accounts were typically opened from, and the spread in years. */
const OPENED_FROM: Record<Platform, [number, number]> = {
  weibo: [2011, 5],
  wechat: [2013, 6],
  douyin: [2018, 5],
  kuaishou: [2019, 4],
  toutiao: [2016, 5],
  bilibili: [2020, 4],
  xiaohongshu: [2021, 4],
  video_channel: [2020, 5],
  mini_program: [2019, 4],
  app: [2015, 6],
  website_column: [2012, 6],
  other: [2018, 5],
};

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦邱江尹薛段雷侯龙陶黎贺顾毛龚邵万严覃戴向汤';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文辉力斌宇浩凯鹏飞玲晶婷雪琳志红湘岳沅澧衡韶';
const VENDORS = [
  '湖南红网新媒体集团有限公司',
  '湖南日报数字传媒有限公司',
  '潇湘晨报新媒体有限公司',
  '湖南广电新媒体运营有限公司',
  '长沙晚报融媒体有限公司',
];
const LEADER_TITLES: Record<string, [string, string]> = {
  government: ['新闻办主任', '新闻办副主任'],
  media: ['主任', '副主任'],
  cac: ['主任', '副主任'],
  police: ['局长', '副局长'],
  court: ['院长', '副院长'],
  procuratorate: ['检察长', '副检察长'],
  youth: ['书记', '副书记'],
};

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
const DAY_MS = 86_400_000;

/** What a unit's account is called: governments 发布, media centres 融媒, the rest their short name. */
function accountName(unit: DemoUnit, platform: Platform, profile: string): string {
  const short = unit.shortName ?? unit.name;
  if (profile === 'government') return platform === 'app' ? `新${short}` : `${short}发布`;
  if (profile === 'media' && platform === 'app') return `${short}客户端`;
  return short;
}

/**
 * Every account of the demo tenant, decided unit by unit from the seed: which platforms each unit
 * runs, their names, people and activity profiles. At most one account per unit and platform (R4).
 */
export function planDemoAccounts(units: DemoUnit[], today: string, seed = DEMO_SEED): DemoAccount[] {
  const todayMs = Date.parse(`${today}T00:00:00Z`);
  const start = todayMs - DEMO_DAYS * DAY_MS;
  const queued = new Set(DEMO_QUEUE.map((q) => `${q.unitCode}:${q.platform}`));
  const accounts: DemoAccount[] = [];

  for (const unit of units) {
    const random = prng(seed ^ hash32(unit.code));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const char = (chars: string): string => chars[Math.floor(random() * chars.length)];
    const person = (position: string): DemoPerson => ({
      name: `${char(SURNAMES)}${char(GIVEN)}${random() < 0.6 ? char(GIVEN) : ''}`,
      position,
      phone: `1${pick(['38', '39', '35', '37', '58', '86', '87'])}${String(Math.floor(random() * 1e8)).padStart(8, '0')}`,
    });
    const profile = profileOf(unit);
    if (unit.level === 'bureau' && profile !== 'cac' && random() < NO_ACCOUNT_ODDS) continue;
    const [leader, deputy] = LEADER_TITLES[profile] ?? ['局长', '副局长'];
    // One leadership per unit: the same people answer for all of its accounts.
    const firstResponsible = person(leader);
    const mainResponsible = person(deputy);
    const chiefEditor = person('总编辑');
    // Some units simply do more: one factor for all of their accounts.
    const diligence = 0.45 + random() * 0.55;
    const odds = PLATFORM_ODDS[profile] ?? PLATFORM_ODDS.justice;

    for (const [platform, chance] of Object.entries(odds) as [Platform, number][]) {
      if (random() >= chance || queued.has(`${unit.code}:${platform}`)) continue;
      const [fromYear, spread] = OPENED_FROM[platform];
      const levelLead = unit.level === 'bureau' ? 1 : 0; // regions opened first
      let openedMs = Date.UTC(
        fromYear + Math.floor(random() * spread) + levelLead,
        Math.floor(random() * 12),
        1 + Math.floor(random() * 28),
      );
      // A few accounts are new this year: their metrics start when they opened.
      if (random() < 0.05 || openedMs > todayMs - 30 * DAY_MS) openedMs = start + Math.floor(random() * 300) * DAY_MS;
      const roll = random();
      const status: DemoAccount['status'] = roll < 0.02 ? 'closed' : roll < 0.04 ? 'rectifying' : 'active';
      const closedOn =
        status === 'closed' ? iso(Math.max(openedMs + 30 * DAY_MS, todayMs - Math.floor(20 + random() * 280) * DAY_MS)) : null;
      const quality = random();
      const low = quality < 0.05;
      const uid = `demo-${unit.code}-${platform}`;
      accounts.push({
        unitId: unit.id,
        platform,
        wechatType: platform === 'wechat' ? (random() < 0.15 ? 'service' : 'subscription') : null,
        name: accountName(unit, platform, profile),
        platformUid: uid,
        url:
          platform === 'weibo'
            ? `https://weibo.com/u/${5_000_000_000 + hash32(uid)}`
            : platform === 'douyin'
              ? `https://www.douyin.com/user/${uid}`
              : null,
        verifiedOn: random() < 0.9 ? iso(openedMs + Math.floor(10 + random() * 50) * DAY_MS) : null,
        vendor: random() < 0.18 ? pick(VENDORS) : null,
        openedOn: iso(openedMs),
        status,
        closedOn,
        postsPerDay: POSTS_PER_DAY[platform] * LEVEL_POSTS[unit.level] * diligence * (low ? 0.08 : 1),
        followers: Math.round(LEVEL_FOLLOWERS[unit.level] * FOLLOWER_SCALE[platform] * (0.3 + random() * 1.4) * diligence),
        silentDays: status !== 'closed' && quality > 0.97 ? Math.floor(16 + random() * 60) : 0,
        answerShare: quality > 0.05 && quality < 0.09 ? 0.6 : 1,
        engagement: diligence,
        people: { firstResponsible, mainResponsible, chiefEditor, operator: person('运维专员') },
      });
    }
  }
  return accounts;
}
