import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import * as argon2 from 'argon2';
import { Client } from 'pg';
import { ensureDatabase, migrate, withDatabase } from '@govmatrix/database';
import {
  commonOptions,
  CommonOptions,
  dropDatabase,
  fmt,
  Machine,
  machineNow,
  machineTable,
  openServer,
  out,
  runCli,
  secs,
  timed,
  writeSection,
} from './support';

/**
 * The national-scale data set (SPEC §6: ~300,000 accounts in ~34 tenants with a year of daily metrics,
 * ~110M rows), written with set-based SQL as the owner into the real, migrated schema. Deterministic:
 * every id, name, date and number derives from the seed (md5 / hashint8extended in SQL, a seeded
 * PRNG for the tree's shape), so the same seed and scale give the same rows on a fresh database.
 *
 * Shape at scale 1: 34 tenants (the provincial-level divisions), each a province → 8–12 cities →
 * 8–12 counties each → 25–35 bureaus and towns each; every region with its supervising office (网信办,
 * `supervisor`), 12 sector systems (公安, 法院, 检察院 … each county bureau naming the city's bureau,
 * and that one the province's, as its sector parent); ~114,000 units. Accounts: 0–12 per unit on
 * distinct platforms (a people's government ~4× a bureau), ~300,000 in all, with their responsibility
 * chain (4 people each), filings, a status mix (active, pending filing, rectifying, closing, closed,
 * force-closed) and zombie findings. A year of daily metrics for every account open in it (~110M rows,
 * written day after day, all tenants each day, as portals report), ~18 upper interactions per account
 * and year plus the reposts of repost tasks (12 a year from each province, 4 from each city).
 *
 * Scale: `--scale s` makes ~300,000·s accounts. Below 1 the tenants are fewer (round(34·s), at least 2)
 * and, only when a tenant would have fewer than ~8,800 accounts, its counties have fewer bureaus, so
 * that down to ~0.06 a province, a city and a county keep their national size; above 1 the units keep
 * their number and get more accounts (at most 12 per unit).
 *
 * CLI: `npm run bench:generate -- [--scale 1] [--seed N] [--jobs 2] [--year 2025] [--keep]` generates
 * into an embedded cluster (or DATABASE_URL's server), reports the rows/s, writes the "generate"
 * section of docs/BENCHMARKS.md and, with --keep, leaves the database for the other benches
 * (BENCH_DATABASE_URL=…). The owner must be a superuser (the statements cross tenants and bypass
 * row-level security; foreign-key triggers are off during the load, the data being consistent by construction).
 */

export const BENCH_PASSWORD = 'bench-password-2026';
const TOTAL_ACCOUNTS = 300_000;
const FULL_TENANT_ACCOUNTS = 8_800;
const MAX_ACCOUNTS_PER_UNIT = 12;

const PROVINCES: [string, string, string][] = [
  ['11', '北京市', '北京'],
  ['12', '天津市', '天津'],
  ['13', '河北省', '河北'],
  ['14', '山西省', '山西'],
  ['15', '内蒙古自治区', '内蒙古'],
  ['21', '辽宁省', '辽宁'],
  ['22', '吉林省', '吉林'],
  ['23', '黑龙江省', '黑龙江'],
  ['31', '上海市', '上海'],
  ['32', '江苏省', '江苏'],
  ['33', '浙江省', '浙江'],
  ['34', '安徽省', '安徽'],
  ['35', '福建省', '福建'],
  ['36', '江西省', '江西'],
  ['37', '山东省', '山东'],
  ['41', '河南省', '河南'],
  ['42', '湖北省', '湖北'],
  ['43', '湖南省', '湖南'],
  ['44', '广东省', '广东'],
  ['45', '广西壮族自治区', '广西'],
  ['46', '海南省', '海南'],
  ['50', '重庆市', '重庆'],
  ['51', '四川省', '四川'],
  ['52', '贵州省', '贵州'],
  ['53', '云南省', '云南'],
  ['54', '西藏自治区', '西藏'],
  ['61', '陕西省', '陕西'],
  ['62', '甘肃省', '甘肃'],
  ['63', '青海省', '青海'],
  ['64', '宁夏回族自治区', '宁夏'],
  ['65', '新疆维吾尔自治区', '新疆'],
  ['71', '台湾省', '台湾'],
  ['81', '香港特别行政区', '香港'],
  ['82', '澳门特别行政区', '澳门'],
];
const CITY_NAMES = ['东湖', '西山', '南川', '北原', '中江', '青石', '白沙', '云岭', '金河', '玉泉', '龙湾', '凤城'];
const COUNTY_NAMES = ['城关', '新城', '河口', '桥头', '高坪', '石门', '清水', '长宁', '安平', '永和', '双峰', '兴隆'];

/** The sector systems (行业系统) with a vertical chain: [sector, province name, city name, county name]. */
const SECTORS: [string, string, string, string][] = [
  ['public_security', '公安厅', '公安局', '公安局'],
  ['court', '高级人民法院', '中级人民法院', '人民法院'],
  ['procuratorate', '人民检察院', '人民检察院', '人民检察院'],
  ['justice', '司法厅', '司法局', '司法局'],
  ['tourism', '文化和旅游厅', '文化广电旅游局', '文化旅游局'],
  ['youth_league', '团省委', '团市委', '团县委'],
  ['transport', '交通运输厅', '交通运输局', '交通运输局'],
  ['emergency', '应急管理厅', '应急管理局', '应急管理局'],
  ['weather', '气象局', '气象局', '气象局'],
  ['health', '卫生健康委员会', '卫生健康委员会', '卫生健康局'],
  ['education', '教育厅', '教育局', '教育局'],
  ['publicity', '省委宣传部', '市委宣传部', '县委宣传部'],
];
/** Other departments (no sector parent) and towns of a county, after the sector bureaus. */
const DEPARTMENTS: [string, string][] = [
  ['finance', '财政局'],
  ['agriculture', '农业农村局'],
  ['housing', '住房和城乡建设局'],
  ['market_regulation', '市场监督管理局'],
  ['civil_affairs', '民政局'],
  ['human_resources', '人力资源和社会保障局'],
  ['natural_resources', '自然资源局'],
  ['ecology', '生态环境局'],
  ['water', '水利局'],
  ['veterans', '退役军人事务局'],
  ['statistics', '统计局'],
  ['taxation', '税务局'],
  ['fire_rescue', '消防救援大队'],
  ['medical_security', '医疗保障局'],
  ['audit', '审计局'],
  ['commerce', '商务局'],
  ['development', '发展和改革局'],
  ['science', '科技局'],
];
const TOWNS = [
  '城关镇',
  '东关街道',
  '西关街道',
  '南郊镇',
  '北郊镇',
  '新兴镇',
  '永安镇',
  '太平镇',
  '和平乡',
  '长乐镇',
  '福田乡',
  '仁和镇',
  '平安镇',
  '大河乡',
  '石桥镇',
];
const PLATFORMS: [string, string][] = [
  ['wechat', '微信'],
  ['weibo', '微博'],
  ['douyin', '抖音'],
  ['toutiao', '头条号'],
  ['kuaishou', '快手'],
  ['video_channel', '视频号'],
  ['app', '客户端'],
  ['bilibili', 'B站'],
  ['xiaohongshu', '小红书'],
  ['mini_program', '小程序'],
  ['website_column', '网站专栏'],
  ['other', '其他平台'],
];
const VIDEO = new Set(['douyin', 'kuaishou', 'video_channel', 'bilibili']);
const VENDORS = ['星辰文化传媒有限公司', '蓝海网络科技有限公司', '融媒数字传播有限公司', '新视点信息技术有限公司'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀英', '华', '建国'];

/** What the benches need to know of a generated data set (kept in the table bench_dataset). */
export interface DatasetTenant {
  id: string;
  slug: string;
  name: string;
  rootId: string;
  rootPath: string;
  clientId: string;
  clientSecret: string;
  accounts: number;
}

export interface Dataset {
  seed: number;
  scale: number;
  year: number;
  password: string;
  tenants: DatasetTenant[];
}

export interface GenerationStep {
  name: string;
  rows: number;
  ms: number;
}

export interface GenerationResult {
  dataset: Dataset;
  steps: GenerationStep[];
  totalMs: number;
  counts: Record<string, number>;
  bytes: Record<string, { heap: number; indexes: number }>;
}

// ---------------------------------------------------------------- deterministic values

const md5hex = (text: string): string => createHash('md5').update(text).digest('hex');
/** A version-4-shaped uuid from the md5 of a text (the API validates uuids strictly); the same as UUID_SQL. */
const uuidOf = (text: string): string => {
  const h = md5hex(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20)}`;
};
/** uuidOf in SQL, of a text expression. */
const uuidSql = (text: string): string => `overlay(overlay(md5(${text}) placing '4' from 13 for 1) placing '8' from 17 for 1)::uuid`;

/** mulberry32: a small seeded PRNG for the shape of the tree. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const seedOf = (seed: number, text: string): number => parseInt(md5hex(`${seed}:${text}`).slice(0, 8), 16);
const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
const pad2 = (n: number): string => String(n).padStart(2, '0');

// ---------------------------------------------------------------- the tree and the accounts, in memory

type Level = 'province' | 'city' | 'county' | 'bureau';
type Kind = 'gov' | 'supervisor' | 'upper_bureau' | 'bureau';

interface UnitRow {
  id: string;
  parentId: string | null;
  path: string;
  code: string;
  name: string;
  shortName: string | null;
  level: Level;
  divisionCode: string | null;
  sector: string;
  sectorParentId: string | null;
  supervisor: boolean;
  kind: Kind;
  cityId: string | null;
  /** Region (province/city/county) the unit belongs to, for account names. */
  regionShort: string;
}

interface AccountRow {
  n: number;
  id: string;
  unitId: string;
  platform: string;
  wechatType: string | null;
  kind: 'institutional' | 'official_personal';
  holderName: string | null;
  holderPosition: string | null;
  name: string;
  platformUid: string;
  url: string;
  verified: boolean;
  verifiedOn: string | null;
  operatingMode: 'self' | 'outsourced';
  vendor: string | null;
  status: string;
  openedOn: string;
  openingDueOn: string;
  closingStartedOn: string | null;
  closureDueOn: string | null;
  closedOn: string | null;
  // the generator's profile of the account (bench_gen_accounts)
  firstDay: number;
  lastDay: number;
  pPost: number;
  maxPosts: number;
  zombieStop: number;
  engagement: number;
  baseFollowers: number;
  growth: number;
  video: boolean;
  treeSuperior: string | null;
  sectorSuperior: string | null;
  cityId: string | null;
}

interface TaskRow {
  k: number;
  id: string;
  unitId: string;
  unitName: string;
  scopePath: string;
  accountId: string;
  accountName: string;
  postId: string;
  issued: number;
  deadline: number;
  cityId: string | null;
}

interface TenantPlan {
  index: number;
  id: string;
  slug: string;
  name: string;
  units: UnitRow[];
  accounts: AccountRow[];
  tasks: TaskRow[];
  users: { id: string; username: string; displayName: string; role: string; unitId: string }[];
  clientId: string;
  clientSecret: string;
  clientPk: string;
}

interface Shape {
  tenants: number;
  bureausPerCounty: number;
}

/** Tenants and county size for a scale (see the file comment). */
export function shapeOf(scale: number): Shape {
  const tenants = scale >= 1 ? PROVINCES.length : Math.min(PROVINCES.length, Math.max(2, Math.round(PROVINCES.length * scale)));
  const perTenant = (TOTAL_ACCOUNTS * scale) / tenants;
  const f = Math.min(1, perTenant / FULL_TENANT_ACCOUNTS);
  return { tenants, bureausPerCounty: Math.max(3, Math.round(30 * f)) };
}

const WEIGHT: Record<Kind, number> = { gov: 4, supervisor: 2, upper_bureau: 2, bureau: 1 };

function planTree(seed: number, index: number, shape: Shape, nextLabel: () => number): TenantPlan {
  const [code, name, short] = PROVINCES[index];
  const random = prng(seedOf(seed, `tree:${index}`));
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const tenantId = uuidOf(`${seed}:tenant:${index}`);
  const units: UnitRow[] = [];
  const add = (u: Omit<UnitRow, 'id' | 'path'>, parent: UnitRow | null): UnitRow => {
    const row: UnitRow = {
      ...u,
      id: uuidOf(`${seed}:unit:${index}:${u.code}`),
      path: parent ? `${parent.path}.${nextLabel()}` : String(nextLabel()),
    };
    units.push(row);
    return row;
  };
  const region = (
    parent: UnitRow | null,
    level: Level,
    division: string,
    unitName: string,
    unitShort: string,
    cityId: string | null,
  ): UnitRow => {
    const unit = add(
      {
        parentId: parent?.id ?? null,
        code: division,
        name: unitName,
        shortName: unitShort,
        level,
        divisionCode: division,
        sector: 'government',
        sectorParentId: null,
        supervisor: false,
        kind: 'gov',
        cityId,
        regionShort: unitShort,
      },
      parent,
    );
    add(
      {
        parentId: unit.id,
        code: `${division}-cac`,
        name: `${unitShort}${level === 'province' ? '省委' : level === 'city' ? '市委' : '县委'}网信办`,
        shortName: `${unitShort}网信`,
        level: 'bureau',
        divisionCode: null,
        sector: 'cyberspace',
        sectorParentId: null,
        supervisor: true,
        kind: 'supervisor',
        cityId: level === 'province' ? null : (cityId ?? unit.id),
        regionShort: unitShort,
      },
      unit,
    );
    // A city's own accounts belong to its city (repost tasks of the city assign them).
    if (level === 'city') unit.cityId = unit.id;
    return unit;
  };
  const bureau = (
    parent: UnitRow,
    suffix: string,
    unitName: string,
    sector: string,
    sectorParent: UnitRow | undefined,
    kind: Kind,
    cityId: string | null,
  ): UnitRow =>
    add(
      {
        parentId: parent.id,
        code: `${parent.code}-${suffix}`,
        name: `${parent.shortName}${unitName}`,
        shortName: `${parent.shortName}${unitName}`.slice(0, 50),
        level: 'bureau',
        divisionCode: null,
        sector,
        sectorParentId: sectorParent?.id ?? null,
        supervisor: false,
        kind,
        cityId,
        regionShort: parent.shortName!,
      },
      parent,
    );

  const province = region(null, 'province', `${code}0000`, name, short, null);
  const provinceSectors = new Map<string, UnitRow>();
  SECTORS.forEach(([sector, provinceName]) =>
    provinceSectors.set(sector, bureau(province, sector, provinceName, sector, undefined, 'upper_bureau', null)),
  );
  DEPARTMENTS.slice(0, 4).forEach(([sector, dept]) =>
    bureau(province, sector, dept.replace('局', '厅'), sector, undefined, 'upper_bureau', null),
  );
  const cities = between(8, 12);
  for (let c = 1; c <= cities; c++) {
    const cityShort = CITY_NAMES[c - 1];
    const city = region(province, 'city', `${code}${pad2(c)}00`, `${cityShort}市`, cityShort, null);
    const citySectors = new Map<string, UnitRow>();
    SECTORS.forEach(([sector, , cityName]) =>
      citySectors.set(sector, bureau(city, sector, cityName, sector, provinceSectors.get(sector), 'upper_bureau', city.id)),
    );
    DEPARTMENTS.slice(0, 4).forEach(([sector, dept]) => bureau(city, sector, dept, sector, undefined, 'upper_bureau', city.id));
    const counties = between(8, 12);
    for (let k = 1; k <= counties; k++) {
      const countyShort = `${cityShort}${COUNTY_NAMES[k - 1]}`;
      const county = region(city, 'county', `${code}${pad2(c)}${pad2(k)}`, `${countyShort}县`, countyShort, city.id);
      const bureaus = Math.min(
        SECTORS.length + DEPARTMENTS.length + TOWNS.length,
        Math.max(3, shape.bureausPerCounty + between(-5, 5) * (shape.bureausPerCounty >= 10 ? 1 : 0)),
      );
      for (let b = 0; b < bureaus; b++) {
        if (b < SECTORS.length) {
          const [sector, , , countyName] = SECTORS[b];
          bureau(county, sector, countyName, sector, citySectors.get(sector), 'bureau', city.id);
        } else if (b < SECTORS.length + DEPARTMENTS.length) {
          const [sector, dept] = DEPARTMENTS[b - SECTORS.length];
          bureau(county, sector, dept, sector, undefined, 'bureau', city.id);
        } else {
          const t = b - SECTORS.length - DEPARTMENTS.length;
          bureau(county, `t${t + 1}`, TOWNS[t], 'government', undefined, 'bureau', city.id);
        }
      }
    }
  }
  const slug = `nat-${code}`;
  const userId = (username: string) => uuidOf(`${seed}:user:${index}:${username}`);
  const byCode = new Map(units.map((u) => [u.code, u]));
  const users = [
    { id: userId('admin'), username: 'admin', displayName: `${short}租户管理员`, role: 'tenant_admin', unitId: province.id },
    {
      id: userId('auditor'),
      username: 'auditor',
      displayName: `${short}省委网信办审核员`,
      role: 'auditor',
      unitId: byCode.get(`${code}0000-cac`)!.id,
    },
    {
      id: userId('lead-court'),
      username: 'lead-court',
      displayName: `${short}法院矩阵负责人`,
      role: 'matrix_lead',
      unitId: provinceSectors.get('court')!.id,
    },
    ...units
      .filter((u) => u.level === 'city')
      .map((u) => ({
        id: userId(`auditor-${u.code}`),
        username: `auditor-${u.code}`,
        displayName: `${u.shortName}市委网信办审核员`,
        role: 'auditor',
        unitId: byCode.get(`${u.code}-cac`)!.id,
      })),
  ];
  return {
    index,
    id: tenantId,
    slug,
    name: `${name}（基准）`,
    units,
    accounts: [],
    tasks: [],
    users,
    clientId: `${slug}-portal`,
    clientSecret: `${slug}-portal-secret-${seed}`,
    clientPk: uuidOf(`${seed}:client:${index}`),
  };
}

/** Accounts of every unit (weights × the mean that gives the total), with their generator profile. */
function planAccounts(seed: number, plans: TenantPlan[], scale: number, year: number): void {
  const totalWeight = plans.reduce((sum, p) => sum + p.units.reduce((s, u) => s + WEIGHT[u.kind], 0), 0);
  const mean = (TOTAL_ACCOUNTS * scale) / totalWeight;
  const yearStart = `${year}-01-01`;
  const yearDays = daysBetween(yearStart, `${year + 1}-01-01`);
  let n = 0;
  for (const plan of plans) {
    const random = prng(seedOf(seed, `accounts:${plan.index}`));
    const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
    const firstOf = new Map<string, AccountRow>();
    const unitById = new Map(plan.units.map((u) => [u.id, u]));
    for (const unit of plan.units) {
      const count = Math.min(MAX_ACCOUNTS_PER_UNIT, Math.max(unit.kind === 'gov' ? 1 : 0, Math.floor(WEIGHT[unit.kind] * mean + random())));
      const rotate = Math.floor(random() * 3);
      for (let k = 0; k < count; k++) {
        const p = k < 3 ? (k + rotate) % 3 : k;
        const [platform, label] = PLATFORMS[p];
        const first = k === 0;
        const r = first && unit.kind === 'gov' ? 1 : random();
        let status = 'active';
        let openedOn = addDays('2013-01-01', between(0, daysBetween('2013-01-01', `${year - 1}-12-01`)));
        let closingStartedOn: string | null = null;
        let closureDueOn: string | null = null;
        let closedOn: string | null = null;
        if (r < 0.015) {
          status = 'pending_filing';
          openedOn = addDays(`${year + 1}-10-01`, between(0, 59));
        } else if (r < 0.025) status = 'rectifying';
        else if (r < 0.03) {
          status = 'closing';
          closingStartedOn = addDays(`${year + 1}-11-10`, between(0, 15));
          closureDueOn = addDays(closingStartedOn, 7);
        } else if (r < 0.05) {
          status = 'closed';
          closingStartedOn = addDays(yearStart, between(30, 330));
          closureDueOn = addDays(closingStartedOn, 7);
          closedOn = addDays(closingStartedOn, 3);
        } else if (r < 0.06) {
          status = 'force_closed';
          closedOn = addDays(yearStart, between(60, 330));
        } else if (r < 0.1) {
          openedOn = addDays(yearStart, between(0, yearDays - 30)); // opened during the year
        }
        const personal = unit.kind === 'bureau' && !first && random() < 0.03;
        const holder = personal ? `${SURNAMES[between(0, SURNAMES.length - 1)]}${GIVEN[between(0, GIVEN.length - 1)]}` : null;
        const verified = random() < 0.9 && status !== 'pending_filing';
        const outsourced = random() < 0.15;
        const baseName =
          unit.kind === 'gov' ? `${unit.shortName}发布` : unit.kind === 'supervisor' ? `${unit.regionShort}网信` : unit.shortName!;
        const id = uuidOf(`${seed}:account:${n}`);
        const activity = random();
        const zombie = status === 'active' && !first && random() < 0.03;
        const uid = `${platform.slice(0, 2)}${n.toString(36)}${(seed % 1296).toString(36)}`;
        const levelFollowers = unit.level === 'province' ? 6 : unit.level === 'city' ? 5 : unit.kind === 'gov' ? 4.5 : 3.5;
        const baseFollowers = Math.round(10 ** (levelFollowers - 1.2 + random() * 2));
        const openedIndex = daysBetween(yearStart, openedOn);
        const row: AccountRow = {
          n,
          id,
          unitId: unit.id,
          platform,
          wechatType: platform === 'wechat' ? (random() < 0.2 ? 'service' : 'subscription') : null,
          kind: personal ? 'official_personal' : 'institutional',
          holderName: holder,
          holderPosition: personal ? '新闻发言人' : null,
          name: personal ? `${unit.shortName}${holder}` : first ? baseName : `${baseName}${label}`,
          platformUid: uid,
          url: `https://${platform.replace('_', '-')}.example.cn/${uid}`,
          verified,
          verifiedOn: verified ? addDays(openedOn, between(1, 60)) : null,
          operatingMode: outsourced ? 'outsourced' : 'self',
          vendor: outsourced ? VENDORS[between(0, VENDORS.length - 1)] : null,
          status,
          openedOn,
          openingDueOn: addDays(openedOn, 14),
          closingStartedOn,
          closureDueOn,
          closedOn,
          firstDay: Math.max(0, openedIndex),
          lastDay: Math.min(yearDays - 1, closedOn ? daysBetween(yearStart, closedOn) - 1 : yearDays - 1),
          pPost: zombie ? 700 : activity < 0.3 ? 250 : activity < 0.8 ? 600 : 900,
          maxPosts: activity < 0.3 ? 2 : activity < 0.8 ? 4 : 8,
          zombieStop: zombie ? between(30, yearDays - 40) : 9999,
          engagement: Math.max(1, Math.round(2 ** (random() * 7.5) * (unit.kind === 'gov' ? 3 : 1))),
          baseFollowers,
          growth: Math.round(baseFollowers * random() * 0.002),
          video: VIDEO.has(platform),
          treeSuperior: null,
          sectorSuperior: null,
          cityId: unit.cityId,
        };
        plan.accounts.push(row);
        if (first) firstOf.set(unit.id, row);
        n++;
      }
    }
    // Superiors: the nearest ancestor's first account (tree), the sector parent's first account (system).
    for (const account of plan.accounts) {
      const unit = unitById.get(account.unitId)!;
      for (let p = unit.parentId ? unitById.get(unit.parentId) : undefined; p; p = p.parentId ? unitById.get(p.parentId) : undefined) {
        const superior = firstOf.get(p.id);
        if (superior) {
          account.treeSuperior = superior.id;
          break;
        }
      }
      if (unit.sectorParentId) account.sectorSuperior = firstOf.get(unit.sectorParentId)?.id ?? null;
    }
    // Repost tasks: 12 a year from the province, 4 from each city, each by the region's first account.
    const province = plan.units[0];
    const designate = (unit: UnitRow, k: number, issued: number, deadline: number, cityId: string | null): TaskRow => {
      const account = firstOf.get(unit.id)!;
      return {
        k,
        id: uuidOf(`${seed}:task:${plan.index}:${k}`),
        unitId: unit.id,
        unitName: unit.name,
        scopePath: unit.path,
        accountId: account.id,
        accountName: account.name,
        postId: `task-${plan.index}-${k}`,
        issued,
        deadline,
        cityId,
      };
    };
    for (let m = 0; m < 12; m++) plan.tasks.push(designate(province, m, m * 30 + 2, m * 30 + 9, null));
    plan.units
      .filter((u) => u.level === 'city')
      .forEach((city, c) => {
        for (let q = 0; q < 4; q++) plan.tasks.push(designate(city, 100 + c * 4 + q, q * 91 + 40, q * 91 + 50, city.id));
      });
  }
}

// ---------------------------------------------------------------- writing

/** The index and primary-key definitions of a table, to drop them for a bulk load and build them again after. */
async function captureIndexes(client: Client, table: string): Promise<{ drop: string[]; build: string[] }> {
  const { rows } = await client.query(
    `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def, c.conname, pg_get_constraintdef(c.oid) AS condef
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
     WHERE x.indrelid = $1::regclass ORDER BY x.indisprimary DESC, i.relname`,
    [table],
  );
  const drop: string[] = [];
  const build: string[] = [];
  for (const r of rows as { name: string; def: string; conname: string | null; condef: string | null }[]) {
    if (r.conname) {
      drop.push(`ALTER TABLE ${table} DROP CONSTRAINT ${r.conname}`);
      build.push(`ALTER TABLE ${table} ADD CONSTRAINT ${r.conname} ${r.condef}`);
    } else {
      drop.push(`DROP INDEX ${r.name}`);
      build.push(r.def);
    }
  }
  return { drop, build };
}

/** Runs tasks over a few connections, each taking the next task when done. */
async function runQueue<T>(clients: Client[], tasks: T[], work: (client: Client, task: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    clients.map(async (client) => {
      while (next < tasks.length) {
        const task = tasks[next++];
        await work(client, task);
      }
    }),
  );
}

const arr = <T, V>(rows: T[], f: (row: T) => V): V[] => rows.map(f);

export interface GenerateOptions extends CommonOptions {
  /** Raise max_wal_size / checkpoint_timeout for the load (ALTER SYSTEM; reset after): only on a server of our own. */
  tune: boolean;
  log?: (message: string) => void;
}

/** Generates the data set into a migrated database (the owner's URL), empty of national tenants. */
export async function generateNational(ownerUrl: string, options: GenerateOptions): Promise<GenerationResult> {
  const log = options.log ?? out;
  const { seed, scale, year, jobs } = options;
  const shape = shapeOf(scale);
  const yearStart = `${year}-01-01`;
  const stamp = `${year + 1}-01-01T00:00:00+08:00`;
  const steps: GenerationStep[] = [];
  const clients: Client[] = [];
  for (let i = 0; i < jobs; i++) {
    const c = new Client({ connectionString: ownerUrl });
    await c.connect();
    await c.query(`SET session_replication_role = replica`);
    await c.query(`SET maintenance_work_mem = '1GB'`);
    await c.query(`SET work_mem = '256MB'`);
    if (jobs > 1) await c.query(`SET max_parallel_maintenance_workers = 0`);
    clients.push(c);
  }
  const [main] = clients;
  const t0 = performance.now();
  const step = async (name: string, work: () => Promise<number>): Promise<void> => {
    const [rows, ms] = await timed(work);
    steps.push({ name, rows, ms });
    log(`  ${name}: ${fmt(rows)} rows in ${secs(ms)} s${rows > 0 ? ` (${fmt(rows / (ms / 1000))} rows/s)` : ''}`);
  };
  try {
    const [{ rolsuper }] = (await main.query(`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`)).rows as { rolsuper: boolean }[];
    if (!rolsuper) throw new Error('the generator writes across tenants past row-level security: connect as a superuser');
    const existing = (await main.query(`SELECT count(*)::int AS n FROM tenants WHERE slug LIKE 'nat-%'`)).rows[0] as { n: number };
    if (existing.n > 0) throw new Error('this database already holds a generated data set: use a fresh one');
    if (options.tune) {
      await main.query(`ALTER SYSTEM SET max_wal_size = '8GB'`);
      await main.query(`ALTER SYSTEM SET checkpoint_timeout = '30min'`);
      await main.query(`SELECT pg_reload_conf()`);
    }

    // The plan in memory: tree, accounts, tasks.
    const [{ base }] = (await main.query(`SELECT nextval('unit_label_seq') AS base`)).rows as { base: string }[];
    let label = Number(base);
    const nextLabel = (): number => label++;
    const plans = Array.from({ length: shape.tenants }, (_, i) => planTree(seed, i, shape, nextLabel));
    planAccounts(seed, plans, scale, year);
    await main.query(`SELECT setval('unit_label_seq', $1)`, [label]);
    const passwordHash = await argon2.hash(BENCH_PASSWORD, {
      type: argon2.argon2id,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
      salt: Buffer.from(md5hex(`${seed}:salt`), 'hex'),
    });

    await main.query(`DROP TABLE IF EXISTS bench_gen_accounts, bench_gen_tasks, bench_gen_tenants`);
    await main.query(`
      CREATE UNLOGGED TABLE bench_gen_accounts (
        tenant_id uuid, id uuid, unit_id uuid, n bigint, status text, opened_on date, closed_on date, first_day int, last_day int,
        p_post int, max_posts int, zombie_stop int, eng bigint, base_followers bigint, growth bigint, video boolean,
        tree_superior uuid, sector_superior uuid, city_id uuid)`);
    await main.query(`
      CREATE UNLOGGED TABLE bench_gen_tasks (tenant_id uuid, k int, id uuid, unit_id uuid, account_id uuid, post_id text, issued int,
        deadline int, city_id uuid)`);
    await main.query(`CREATE UNLOGGED TABLE bench_gen_tenants (id uuid, admin_id uuid, auditor_id uuid)`);

    await step('tenants, units, users, clients', async () => {
      let rows = 0;
      for (const plan of plans) {
        await main.query(`INSERT INTO tenants (id, slug, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`, [
          plan.id,
          plan.slug,
          plan.name,
          stamp,
        ]);
        const u = plan.units;
        await main.query(
          `INSERT INTO units (tenant_id, id, parent_id, path, code, name, short_name, level, division_code, sector, sector_parent_id, supervisor,
             created_at, updated_at)
           SELECT $1, x.id, x.parent_id, x.path::ltree, x.code, x.name, x.short_name, x.level, x.division_code, x.sector, x.sector_parent_id,
                  x.supervisor, $13, $13
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                       $11::uuid[], $12::boolean[])
             AS x(id, parent_id, path, code, name, short_name, level, division_code, sector, sector_parent_id, supervisor)`,
          [
            plan.id,
            arr(u, (x) => x.id),
            arr(u, (x) => x.parentId),
            arr(u, (x) => x.path),
            arr(u, (x) => x.code),
            arr(u, (x) => x.name),
            arr(u, (x) => x.shortName),
            arr(u, (x) => x.level),
            arr(u, (x) => x.divisionCode),
            arr(u, (x) => x.sector),
            arr(u, (x) => x.sectorParentId),
            arr(u, (x) => x.supervisor),
            stamp,
          ],
        );
        await main.query(
          `INSERT INTO users (tenant_id, id, username, display_name, password_hash, role, unit_id, created_at, updated_at)
           SELECT $1, x.id, x.username, x.display_name, $7, x.role, x.unit_id, $8, $8
           FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::uuid[]) AS x(id, username, display_name, role, unit_id)`,
          [
            plan.id,
            arr(plan.users, (x) => x.id),
            arr(plan.users, (x) => x.username),
            arr(plan.users, (x) => x.displayName),
            arr(plan.users, (x) => x.role),
            arr(plan.users, (x) => x.unitId),
            passwordHash,
            stamp,
          ],
        );
        await main.query(
          `INSERT INTO api_clients (tenant_id, id, client_id, name, secret_hash, unit_id, scopes, created_at, updated_at)
           VALUES ($1, $2, $3, $4, sha256(convert_to($5, 'UTF8')), $6, ARRAY['read:own', 'report:metrics', 'report:filings'], $7, $7)`,
          [
            plan.id,
            plan.clientPk,
            plan.clientId,
            `${PROVINCES[plan.index][2]}政务新媒体报送平台`,
            plan.clientSecret,
            plan.units[0].id,
            stamp,
          ],
        );
        const admin = plan.users.find((x) => x.username === 'admin')!;
        const auditor = plan.users.find((x) => x.username === 'auditor')!;
        await main.query(`INSERT INTO bench_gen_tenants VALUES ($1, $2, $3)`, [plan.id, admin.id, auditor.id]);
        rows += 1 + u.length + plan.users.length + 1;
      }
      await main.query('ANALYZE tenants, units, users, api_clients');
      return rows;
    });

    await step('accounts', async () => {
      let rows = 0;
      for (const plan of plans) {
        const a = plan.accounts;
        await main.query(
          `INSERT INTO accounts (tenant_id, id, unit_id, platform, wechat_type, kind, holder_name, holder_position, name, platform_uid, url,
             verified, verified_on, operating_mode, vendor, status, opened_on, opening_due_on, closing_started_on, closure_due_on, closed_on,
             created_at, updated_at)
           SELECT $1, x.id, x.unit_id, x.platform, x.wechat_type, x.kind, x.holder_name, x.holder_position, x.name, x.platform_uid, x.url,
                  x.verified, x.verified_on, x.operating_mode, x.vendor, x.status, x.opened_on, x.opened_on + 14, x.closing_started_on,
                  x.closure_due_on, x.closed_on, (x.opened_on + time '10:00') AT TIME ZONE 'Asia/Shanghai',
                  (coalesce(x.closed_on, x.closing_started_on, x.opened_on) + time '10:00') AT TIME ZONE 'Asia/Shanghai'
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                       $12::boolean[], $13::date[], $14::text[], $15::text[], $16::text[], $17::date[], $18::date[], $19::date[], $20::date[])
             AS x(id, unit_id, platform, wechat_type, kind, holder_name, holder_position, name, platform_uid, url, verified, verified_on,
                  operating_mode, vendor, status, opened_on, closing_started_on, closure_due_on, closed_on)`,
          [
            plan.id,
            arr(a, (x) => x.id),
            arr(a, (x) => x.unitId),
            arr(a, (x) => x.platform),
            arr(a, (x) => x.wechatType),
            arr(a, (x) => x.kind),
            arr(a, (x) => x.holderName),
            arr(a, (x) => x.holderPosition),
            arr(a, (x) => x.name),
            arr(a, (x) => x.platformUid),
            arr(a, (x) => x.url),
            arr(a, (x) => x.verified),
            arr(a, (x) => x.verifiedOn),
            arr(a, (x) => x.operatingMode),
            arr(a, (x) => x.vendor),
            arr(a, (x) => x.status),
            arr(a, (x) => x.openedOn),
            arr(a, (x) => x.closingStartedOn),
            arr(a, (x) => x.closureDueOn),
            arr(a, (x) => x.closedOn),
          ],
        );
        await main.query(
          `INSERT INTO bench_gen_accounts
           SELECT $1, x.* FROM unnest($2::uuid[], $3::uuid[], $4::bigint[], $5::text[], $6::date[], $7::date[], $8::int[], $9::int[],
             $10::int[], $11::int[], $12::int[], $13::bigint[], $14::bigint[], $15::bigint[], $16::boolean[], $17::uuid[], $18::uuid[], $19::uuid[]) x`,
          [
            plan.id,
            arr(a, (x) => x.id),
            arr(a, (x) => x.unitId),
            arr(a, (x) => x.n),
            arr(a, (x) => x.status),
            arr(a, (x) => x.openedOn),
            arr(a, (x) => x.closedOn),
            arr(a, (x) => x.firstDay),
            arr(a, (x) => x.lastDay),
            arr(a, (x) => x.pPost),
            arr(a, (x) => x.maxPosts),
            arr(a, (x) => x.zombieStop),
            arr(a, (x) => x.engagement),
            arr(a, (x) => x.baseFollowers),
            arr(a, (x) => x.growth),
            arr(a, (x) => x.video),
            arr(a, (x) => x.treeSuperior),
            arr(a, (x) => x.sectorSuperior),
            arr(a, (x) => x.cityId),
          ],
        );
        const t = plan.tasks;
        await main.query(
          `INSERT INTO repost_tasks (tenant_id, id, unit_id, scope_path, unit_name, account_id, account_name, post_id, title, issued_on, deadline,
             created_by_kind, created_by, created_at)
           SELECT $1, x.id, x.unit_id, x.scope_path::ltree, x.unit_name, x.account_id, x.account_name, x.post_id, '转发：重要政务信息 ' || x.post_id,
                  $11::date + x.issued, $11::date + x.deadline, 'user', $12, ($11::date + x.issued + time '09:00') AT TIME ZONE 'Asia/Shanghai'
           FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::uuid[], $7::text[], $8::text[], $9::int[], $10::int[])
             AS x(id, unit_id, scope_path, unit_name, account_id, account_name, post_id, issued, deadline)`,
          [
            plan.id,
            arr(t, (x) => x.id),
            arr(t, (x) => x.unitId),
            arr(t, (x) => x.scopePath),
            arr(t, (x) => x.unitName),
            arr(t, (x) => x.accountId),
            arr(t, (x) => x.accountName),
            arr(t, (x) => x.postId),
            arr(t, (x) => x.issued),
            arr(t, (x) => x.deadline),
            yearStart,
            plan.users.find((x) => x.username === 'auditor')!.id,
          ],
        );
        await main.query(
          `INSERT INTO bench_gen_tasks
           SELECT $1, x.* FROM unnest($2::int[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::int[], $8::int[], $9::uuid[]) x`,
          [
            plan.id,
            arr(t, (x) => x.k),
            arr(t, (x) => x.id),
            arr(t, (x) => x.unitId),
            arr(t, (x) => x.accountId),
            arr(t, (x) => x.postId),
            arr(t, (x) => x.issued),
            arr(t, (x) => x.deadline),
            arr(t, (x) => x.cityId),
          ],
        );
        rows += a.length + t.length;
      }
      await main.query('ANALYZE accounts, repost_tasks, bench_gen_accounts, bench_gen_tasks');
      return rows;
    });

    await step('account people (responsibility chains)', async () => {
      const r = await main.query(
        `INSERT INTO account_people (tenant_id, id, account_id, unit_id, role, name, position, phone, valid_from)
         SELECT a.tenant_id, ${uuidSql(`$1 || ':person:' || a.n || ':' || r.k`)}, a.id, a.unit_id, r.role,
                ($2::text[])[1 + ((hh.h & 1023) % cardinality($2::text[]))::int] || ($3::text[])[1 + (((hh.h >> 10) & 1023) % cardinality($3::text[]))::int],
                r.position, '1' || (35 + ((hh.h >> 20) & 15)) || lpad((((hh.h >> 24) & 134217727) % 100000000)::text, 8, '0'),
                (a.opened_on + time '09:00') AT TIME ZONE 'Asia/Shanghai'
         FROM bench_gen_accounts a
         CROSS JOIN (VALUES (1, 'first_responsible', '主要负责同志'), (2, 'main_responsible', '分管负责同志'), (3, 'chief_editor', '总编辑'),
                            (4, 'operator', '运维人员')) r(k, role, position)
         CROSS JOIN LATERAL (SELECT hashint8extended(a.n * 10 + r.k, $4::bigint) AS h) hh`,
        [String(seed), SURNAMES, GIVEN, seed],
      );
      return r.rowCount ?? 0;
    });

    await step('filings', async () => {
      const r = await main.query(
        `INSERT INTO filings (tenant_id, id, account_id, unit_id, kind, status, details, submitted_by_kind, submitted_by, submitted_at,
           reviewed_by, reviewed_at)
         SELECT a.tenant_id, ${uuidSql(`$1 || ':filing:' || a.n || ':opening'`)}, a.id, a.unit_id, 'opening',
                CASE WHEN a.status = 'pending_filing' THEN 'submitted' ELSE 'accepted' END,
                jsonb_build_object('decisionDate', to_char(a.opened_on - 7, 'YYYY-MM-DD'), 'approver', '主要负责同志',
                  'decisionReference', '党组会议纪要〔' || extract(year FROM a.opened_on) || '〕' || (1 + a.n % 40) || '号'),
                'user', t.admin_id, (a.opened_on + 3 + time '10:00') AT TIME ZONE 'Asia/Shanghai',
                CASE WHEN a.status <> 'pending_filing' THEN t.auditor_id END,
                CASE WHEN a.status <> 'pending_filing' THEN (a.opened_on + 8 + time '15:00') AT TIME ZONE 'Asia/Shanghai' END
         FROM bench_gen_accounts a JOIN bench_gen_tenants t ON t.id = a.tenant_id
         WHERE a.status <> 'pending_filing' OR a.n % 2 = 0
         UNION ALL
         SELECT a.tenant_id, ${uuidSql(`$1 || ':filing:' || a.n || ':closure'`)}, a.id, a.unit_id, 'closure',
                CASE WHEN a.status = 'closed' THEN 'accepted' ELSE 'submitted' END,
                jsonb_build_object('announcedOn', to_char(coalesce(a.closed_on, x.closing_started_on), 'YYYY-MM-DD'),
                  'announcementUrl', 'https://example.cn/notice/' || a.n, 'deregisteredOn', to_char(coalesce(a.closed_on, x.closing_started_on), 'YYYY-MM-DD')),
                'user', t.admin_id, (coalesce(a.closed_on, x.closing_started_on) + 1 + time '10:00') AT TIME ZONE 'Asia/Shanghai',
                CASE WHEN a.status = 'closed' THEN t.auditor_id END,
                CASE WHEN a.status = 'closed' THEN (a.closed_on + 4 + time '15:00') AT TIME ZONE 'Asia/Shanghai' END
         FROM bench_gen_accounts a JOIN bench_gen_tenants t ON t.id = a.tenant_id
         JOIN accounts x ON x.tenant_id = a.tenant_id AND x.id = a.id
         WHERE a.status = 'closed' OR (a.status = 'closing' AND a.n % 2 = 0)`,
        [String(seed)],
      );
      return r.rowCount ?? 0;
    });

    await step('findings (zombie accounts)', async () => {
      const r = await main.query(
        `INSERT INTO findings (tenant_id, id, account_id, unit_id, kind, status, detail, evidence, opened_at, closed_at, checked_on)
         SELECT a.tenant_id, ${uuidSql(`$1 || ':finding:' || a.n`)}, a.id, a.unit_id, 'inactive_14d',
                CASE WHEN a.n % 3 = 0 THEN 'closed' ELSE 'open' END, '账号连续14天以上未更新（僵尸号）',
                jsonb_build_object('lastPostOn', to_char($2::date + a.zombie_stop, 'YYYY-MM-DD')),
                ($2::date + a.zombie_stop + 15 + time '02:00') AT TIME ZONE 'Asia/Shanghai',
                CASE WHEN a.n % 3 = 0 THEN ($2::date + a.zombie_stop + 40 + time '02:00') AT TIME ZONE 'Asia/Shanghai' END,
                $2::date + a.zombie_stop + CASE WHEN a.n % 3 = 0 THEN 39 ELSE 15 END
         FROM bench_gen_accounts a WHERE a.zombie_stop < 9999`,
        [String(seed), yearStart],
      );
      return r.rowCount ?? 0;
    });

    // The big tables: keys and indexes off during the load (built once after), autovacuum off.
    const metricsIndexes = await captureIndexes(main, 'daily_metrics');
    const interactionIndexes = await captureIndexes(main, 'interactions');
    for (const table of ['daily_metrics', 'interactions']) await main.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    for (const sql of [...metricsIndexes.drop, ...interactionIndexes.drop]) await main.query(sql);

    const yearDays = daysBetween(yearStart, `${year + 1}-01-01`);
    await step(`daily metrics: ${yearDays} days, day after day (${jobs} connection${jobs > 1 ? 's' : ''})`, async () => {
      let rows = 0;
      const days = Array.from({ length: yearDays }, (_, d) => d);
      await runQueue(clients, days, async (client, d) => {
        const r = await client.query(METRICS_DAY, [addDays(yearStart, d), d, seed]);
        rows += r.rowCount ?? 0;
        if (d % 30 === 29) log(`    day ${d + 1}: ${fmt(rows)} rows so far, ${secs(performance.now() - t0)} s since the start`);
      });
      return rows;
    });

    await step('interactions (upper interaction, repost-task reposts)', async () => {
      let rows = 0;
      await runQueue(clients, plans, async (client, plan) => {
        const r = await client.query(INTERACTIONS_OF_TENANT, [plan.id, yearStart, seed]);
        rows += r.rowCount ?? 0;
      });
      return rows;
    });

    await step('indexes and keys of daily_metrics and interactions', async () => {
      await runQueue(clients, [...metricsIndexes.build, ...interactionIndexes.build], async (client, sql) => {
        const [, ms] = await timed(() => client.query(sql));
        log(`    ${sql.replace(/\s+/g, ' ').slice(0, 110)}: ${secs(ms)} s`);
      });
      return 0;
    });
    for (const table of ['daily_metrics', 'interactions']) await main.query(`ALTER TABLE ${table} RESET (autovacuum_enabled)`);

    // The load ran with triggers off (replica role), the rollup's among them: its months are counted once, as a migration does.
    await step('monthly rollup of daily_metrics (daily_metrics_monthly_rebuild)', async () => {
      const { rows } = await main.query(`SELECT daily_metrics_monthly_rebuild() AS n`);
      return Number((rows[0] as { n: string }).n);
    });

    await step('VACUUM ANALYZE', async () => {
      await main.query(`DROP TABLE bench_gen_accounts, bench_gen_tasks, bench_gen_tenants`);
      await runQueue(clients, ['daily_metrics', 'interactions', 'daily_metrics_monthly'], async (client, table) => {
        await client.query(`VACUUM (ANALYZE) ${table}`);
      });
      await main.query(`VACUUM (ANALYZE) accounts, account_people, filings, findings, units, repost_tasks`);
      await main.query('CHECKPOINT');
      return 0;
    });

    const dataset: Dataset = {
      seed,
      scale,
      year,
      password: BENCH_PASSWORD,
      tenants: plans.map((p) => ({
        id: p.id,
        slug: p.slug,
        name: p.name,
        rootId: p.units[0].id,
        rootPath: p.units[0].path,
        clientId: p.clientId,
        clientSecret: p.clientSecret,
        accounts: p.accounts.length,
      })),
    };
    await main.query(`CREATE TABLE IF NOT EXISTS bench_dataset (id int PRIMARY KEY, dataset jsonb NOT NULL)`);
    await main.query(`INSERT INTO bench_dataset VALUES (1, $1)`, [JSON.stringify(dataset)]);
    const count = async (table: string): Promise<number> =>
      Number(((await main.query(`SELECT count(*) AS n FROM ${table}`)).rows[0] as { n: string }).n);
    const counts: Record<string, number> = {};
    const bytes: Record<string, { heap: number; indexes: number }> = {};
    for (const table of [
      'tenants',
      'units',
      'users',
      'accounts',
      'account_people',
      'filings',
      'findings',
      'repost_tasks',
      'daily_metrics',
      'daily_metrics_monthly',
      'interactions',
    ]) {
      counts[table] = await count(table);
      // A partitioned table's own size is nothing: its partitions' sizes, or the table's.
      const size = (
        await main.query(
          `SELECT coalesce(sum(pg_table_size(r)), 0) AS heap, coalesce(sum(pg_indexes_size(r)), 0) AS indexes
           FROM (SELECT inhrelid::regclass AS r FROM pg_inherits WHERE inhparent = $1::regclass
                 UNION ALL SELECT $1::regclass WHERE NOT EXISTS (SELECT 1 FROM pg_inherits WHERE inhparent = $1::regclass)) t`,
          [table],
        )
      ).rows[0] as {
        heap: string;
        indexes: string;
      };
      bytes[table] = { heap: Number(size.heap), indexes: Number(size.indexes) };
    }
    return { dataset, steps, totalMs: performance.now() - t0, counts, bytes };
  } finally {
    if (options.tune) {
      await main.query(`ALTER SYSTEM RESET max_wal_size`).catch(() => undefined);
      await main.query(`ALTER SYSTEM RESET checkpoint_timeout`).catch(() => undefined);
      await main.query(`SELECT pg_reload_conf()`).catch(() => undefined);
    }
    for (const c of clients) await c.end().catch(() => undefined);
  }
}

/**
 * One day of every account open on it: $1 the day, $2 its index in the year, $3 the seed. Two 64-bit
 * hashes of (account, day) give every counter; the account's profile (activity, engagement, followers,
 * a zombie's last active day) shapes them. Consistent as the table's checks want (originals ≤ posts,
 * answered ≤ received) and as portals report (content classes within posts; plays for video platforms,
 * reads for the others).
 */
const METRICS_DAY = `
  INSERT INTO daily_metrics (tenant_id, account_id, day, unit_id, posts, originals, reposts, comments, likes, reads, plays, followers,
    new_followers, messages_received, messages_answered, median_answer_minutes, posts_government, posts_livelihood, posts_b_class, reported_at)
  SELECT a.tenant_id, a.id, $1::date, a.unit_id, p.posts, (p.posts * (4 + ((hh.h >> 18) & 3))) / 7,
         (p.posts * a.eng * ((hh.h >> 29) & 15)) / 16, (p.posts * a.eng * ((hh.h >> 33) & 15)) / 12,
         (p.posts * a.eng * ((hh.h >> 37) & 63)) / 4 + ((hh.h >> 43) & 3),
         CASE WHEN a.video THEN NULL ELSE p.posts * a.eng * (40 + (hh.g & 255)) + ((hh.g >> 8) & 15) END,
         CASE WHEN a.video THEN p.posts * a.eng * (200 + (hh.g & 1023)) + ((hh.g >> 8) & 15) END,
         a.base_followers + a.growth * $2::int + ((hh.g >> 12) & 63), a.growth + ((hh.g >> 12) & 63) - ((hh.g >> 18) & 63),
         m.received, greatest(m.received - CASE WHEN ((hh.g >> 30) & 7) = 0 THEN 1 ELSE 0 END, 0),
         CASE WHEN m.received > 0 THEN ((hh.g >> 33) & 4095) / 8.0 END,
         c.gov, c.liv, CASE WHEN p.posts > c.gov + c.liv AND ((hh.h >> 24) & 31) = 0 THEN 1 ELSE 0 END,
         ($1::date + 1 + time '02:00' + ((hh.g >> 45) & 4095) * interval '1 second') AT TIME ZONE 'Asia/Shanghai'
  FROM bench_gen_accounts a
  CROSS JOIN LATERAL (SELECT hashint8extended(a.n * 1000 + $2::int, $3::bigint) AS h, hashint8extended(a.n * 1000 + $2::int, $3::bigint + 1) AS g) hh
  CROSS JOIN LATERAL (SELECT CASE WHEN $2::int <= a.zombie_stop AND (hh.h & 1023) < a.p_post THEN 1 + ((hh.h >> 10) & 255)::int % a.max_posts
                                  ELSE 0 END AS posts) p
  CROSS JOIN LATERAL (SELECT CASE WHEN ((hh.g >> 24) & 7) < 2 THEN ((hh.g >> 27) & 7)::int ELSE 0 END AS received) m
  CROSS JOIN LATERAL (SELECT (p.posts * ((hh.h >> 20) & 3)::int) / 4 AS gov) g0
  CROSS JOIN LATERAL (SELECT g0.gov, ((p.posts - g0.gov) * ((hh.h >> 22) & 3)::int) / 4 AS liv) c
  WHERE a.first_day <= $2::int AND a.last_day >= $2::int`;

/**
 * A tenant's interactions of the year, one row per (day, source, target, kind) as the table's key wants:
 * ~18 a year from each account to its superiors' accounts (the tree's, or the sector parent's) and the
 * reposts of the repost tasks by ~80% of the accounts they assign (a few after the deadline). $1 tenant,
 * $2 first day of the year, $3 seed.
 */
const INTERACTIONS_OF_TENANT = `
  INSERT INTO interactions (tenant_id, day, source_account_id, target_account_id, kind, unit_id, target_post_id, count, reported_at)
  SELECT x.tenant_id, $2::date + x.d, x.source, x.target, x.kind, x.unit_id, max(x.post), sum(x.cnt)::int,
         ($2::date + x.d + 1 + time '03:00') AT TIME ZONE 'Asia/Shanghai'
  FROM (
    SELECT a.tenant_id, a.id AS source, a.unit_id, g.d, g.target, g.kind, g.post, g.cnt
    FROM bench_gen_accounts a
    CROSS JOIN generate_series(0, 23) m
    CROSS JOIN LATERAL (SELECT hashint8extended(a.n * 100 + m, $3::bigint + 7) AS h) hh
    CROSS JOIN LATERAL (
      SELECT (m * 365) / 24 + (hh.h & 15)::int AS d,
             CASE WHEN a.sector_superior IS NOT NULL AND ((hh.h >> 4) & 1) = 1 THEN a.sector_superior ELSE a.tree_superior END AS target,
             CASE WHEN ((hh.h >> 5) & 3) = 0 THEN 'comment' ELSE 'repost' END AS kind,
             'p' || ((m * 365) / 24 + (hh.h & 15)::int) || '-' || ((hh.h >> 8) & 7) AS post,
             1 + ((hh.h >> 11) & 3)::int AS cnt) g
    WHERE a.tenant_id = $1 AND a.tree_superior IS NOT NULL AND ((hh.h >> 13) & 3) <> 0 AND g.d BETWEEN a.first_day AND a.last_day
    UNION ALL
    SELECT a.tenant_id, a.id, a.unit_id, g.d, t.account_id, 'repost', t.post_id, 1
    FROM bench_gen_tasks t
    JOIN bench_gen_accounts a ON a.tenant_id = t.tenant_id AND (t.city_id IS NULL OR a.city_id = t.city_id) AND a.id <> t.account_id
    CROSS JOIN LATERAL (SELECT hashint8extended(a.n * 1000 + t.k, $3::bigint + 11) AS h) hh
    CROSS JOIN LATERAL (SELECT t.issued + ((hh.h >> 4) & 1023)::int % (t.deadline - t.issued + 4) AS d) g
    WHERE t.tenant_id = $1 AND (hh.h & 15) < 13 AND g.d BETWEEN a.first_day AND a.last_day
  ) x
  GROUP BY x.tenant_id, x.d, x.source, x.target, x.kind, x.unit_id
  ORDER BY x.d, x.source`;

/** The data set of a database the generator filled (its bench_dataset row). */
export async function describeDataset(ownerUrl: string): Promise<Dataset> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT dataset FROM bench_dataset WHERE id = 1`);
    if (rows.length === 0) throw new Error(`${ownerUrl.replace(/:[^:@/]*@/, ':***@')} holds no generated data set`);
    return (rows[0] as { dataset: Dataset }).dataset;
  } finally {
    await client.end();
  }
}

export interface SampleUnit {
  id: string;
  path: string;
  name: string;
  /** Accounts in the unit's subtree. */
  accounts: number;
}

/** A province, a city and a county to measure with: the median tenant, its median city, that city's median county. */
export interface Sample {
  tenant: DatasetTenant;
  province: SampleUnit;
  city: SampleUnit;
  county: SampleUnit;
}

export async function pickSample(ownerUrl: string, dataset: Dataset): Promise<Sample> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const tenants = [...dataset.tenants].sort((a, b) => a.accounts - b.accounts || a.slug.localeCompare(b.slug));
    const tenant = tenants[Math.floor(tenants.length / 2)];
    const median = async (where: string, params: unknown[]): Promise<SampleUnit> => {
      const { rows } = await client.query(
        `SELECT u.id, u.path::text AS path, u.name,
           (SELECT count(*) FROM accounts a JOIN units x ON x.tenant_id = a.tenant_id AND x.id = a.unit_id
            WHERE a.tenant_id = u.tenant_id AND x.path <@ u.path)::int AS accounts
         FROM units u WHERE u.tenant_id = $1 AND ${where} ORDER BY accounts, u.path`,
        params,
      );
      return rows[Math.floor(rows.length / 2)] as SampleUnit;
    };
    const province = await median(`u.parent_id IS NULL`, [tenant.id]);
    const city = await median(`u.level = 'city'`, [tenant.id]);
    const county = await median(`u.level = 'county' AND u.path <@ $2::ltree`, [tenant.id, city.path]);
    return { tenant, province, city, county };
  } finally {
    await client.end();
  }
}

/** Row counts and a hash of every row of the generated tables: equal for equal seeds and scales. */
export async function datasetChecksum(ownerUrl: string): Promise<Record<string, string>> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const result: Record<string, string> = {};
    for (const table of [
      'tenants',
      'units',
      'users',
      'api_clients',
      'accounts',
      'account_people',
      'filings',
      'findings',
      'repost_tasks',
      'daily_metrics',
      'daily_metrics_monthly',
      'interactions',
    ]) {
      const { rows } = await client.query(`SELECT count(*) AS n, coalesce(sum(hashtext(t::text)::numeric), 0) AS h FROM ${table} t`);
      const r = rows[0] as { n: string; h: string };
      result[table] = `${r.n} rows, Σhash ${r.h}`;
    }
    return result;
  } finally {
    await client.end();
  }
}

/** The "generate" section of docs/BENCHMARKS.md. */
export function generationSection(result: GenerationResult, options: CommonOptions, machine: string, command: string): string {
  const { counts, bytes, steps } = result;
  const gb = (n: number): string => (n / 1024 ** 3).toFixed(2);
  const rows = steps.reduce((s, x) => s + x.rows, 0);
  const metrics = steps.find((s) => s.name.startsWith('daily metrics'))!;
  const shape = shapeOf(options.scale);
  return `## National-scale data set: generation

Generated by \`${command}\` (bench/generate.ts): seed ${options.seed}, scale ${options.scale}, year ${options.year}, ${options.jobs}
connection${options.jobs > 1 ? 's' : ''}. Set-based SQL as the owner into the migrated schema (\`INSERT … SELECT\` over
\`generate_series\`-style inputs and \`unnest\` of the planned tree; every value from md5 / \`hashint8extended\` of the seed),
foreign-key triggers off, the keys and indexes of \`daily_metrics\` and \`interactions\` dropped for the load and built again
from their catalogue definitions after it, the triggers off (the monthly rollup counted once after the load, as its
migration does for existing rows). The same seed and scale give the same rows on a fresh database.

${machine}

| table | rows | heap | indexes |
|---|---|---|---|
${Object.entries(counts)
  .map(([t, n]) => `| ${t} | ${fmt(n)} | ${gb(bytes[t].heap)} GB | ${gb(bytes[t].indexes)} GB |`)
  .join('\n')}

Shape: ${shape.tenants} tenants, each a province → 8–12 cities → 8–12 counties → ~${shape.bureausPerCounty} bureaus and towns per county,
a supervising office in every region and 12 sector systems with sector parents; accounts on distinct platforms per unit (a
people's government ~4× a bureau), a status mix, 4 people of the responsibility chain each, filings, zombie findings; every
account open in ${options.year} reports every day of it (closed accounts until their closure); interactions: ~18 a year from
each account to a superior's account plus the reposts of repost tasks (12 a year per province, 4 per city).

| step | rows | time | rows/s |
|---|---|---|---|
${steps.map((s) => `| ${s.name} | ${fmt(s.rows)} | ${secs(s.ms)} s | ${s.rows > 0 ? fmt(s.rows / (s.ms / 1000)) : '—'} |`).join('\n')}
| **total** | **${fmt(rows)}** | **${secs(result.totalMs)} s** | **${fmt(rows / (result.totalMs / 1000))}** |

The daily metrics alone: **${fmt(metrics.rows / (metrics.ms / 1000))} rows/s** into the table without its indexes; the
whole generation, indexes and VACUUM included, ${fmt(counts.daily_metrics / (result.totalMs / 1000))} metric rows per second of wall clock.`;
}

/** A generated data set a bench runs on. */
export interface DatasetContext {
  ownerUrl: string;
  /** The server is an embedded one started by the bench (its settings may be tuned, its files deleted). */
  embedded: boolean;
  dataset: Dataset;
  options: CommonOptions;
  close(): Promise<void>;
}

/**
 * BENCH_DATABASE_URL's data set (left as it is), or a new one: a database on DATABASE_URL's server or on an
 * embedded cluster, migrated and generated at --scale (the "generate" section is written too), dropped
 * (or the cluster deleted) by close() unless BENCH_KEEP is set.
 */
export async function openDataset(args: readonly string[], machine: Machine): Promise<DatasetContext> {
  const options = commonOptions(args);
  const given = process.env.BENCH_DATABASE_URL;
  if (given) {
    const dataset = await describeDataset(given);
    return {
      ownerUrl: given,
      embedded: false,
      dataset,
      options: { ...options, scale: dataset.scale, seed: dataset.seed, year: dataset.year },
      close: async () => undefined,
    };
  }
  const server = await openServer();
  const dbName = `gm_national_${Date.now().toString(36)}`;
  const ownerUrl = withDatabase(server.serverUrl, dbName);
  const close = async (): Promise<void> => {
    if (process.env.BENCH_KEEP) out(`kept: BENCH_DATABASE_URL=${ownerUrl}`);
    else if (server.embedded) await server.close();
    else await dropDatabase(server.serverUrl, dbName);
  };
  try {
    await ensureDatabase(ownerUrl);
    await migrate(ownerUrl, { manageAppRolePassword: true });
    out(`generating the national data set at scale ${options.scale} (seed ${options.seed})`);
    const result = await generateNational(ownerUrl, { ...options, tune: server.embedded });
    const client = new Client({ connectionString: ownerUrl });
    await client.connect();
    const table = await machineTable(client, machine, server.embedded);
    await client.end();
    writeSection('generate', generationSection(result, options, table, `npm run bench:generate -- --scale ${options.scale}`));
    return { ownerUrl, embedded: server.embedded, dataset: result.dataset, options, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options = commonOptions(args);
  const keep = args.includes('--keep');
  const machine = machineNow();
  const server = await openServer();
  const dbName = `gm_national_${Date.now().toString(36)}`;
  const ownerUrl = withDatabase(server.serverUrl, dbName);
  let kept = false;
  try {
    await ensureDatabase(ownerUrl);
    await migrate(ownerUrl, { manageAppRolePassword: true });
    out(`generating the national data set at scale ${options.scale} (seed ${options.seed}) into ${dbName}`);
    const result = await generateNational(ownerUrl, { ...options, tune: server.embedded });
    out(`done in ${secs(result.totalMs)} s: ${fmt(result.counts.daily_metrics)} metric rows, ${fmt(result.counts.accounts)} accounts`);
    if (args.includes('--checksum')) {
      for (const [table, sum] of Object.entries(await datasetChecksum(ownerUrl))) out(`  ${table}: ${sum}`);
    }
    const client = new Client({ connectionString: ownerUrl });
    await client.connect();
    const table = await machineTable(client, machine, server.embedded);
    await client.end();
    const command = `npm run bench:generate -- --scale ${options.scale}`;
    out(`wrote ${writeSection('generate', generationSection(result, options, table, command))}`);
    if (keep) {
      kept = true;
      out(`kept: BENCH_DATABASE_URL=${ownerUrl}`);
    }
  } finally {
    if (!kept) {
      if (server.embedded) await server.close();
      else await dropDatabase(server.serverUrl, dbName);
    }
  }
}

if (require.main === module) runCli(main);
