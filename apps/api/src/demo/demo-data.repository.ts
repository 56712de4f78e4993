import { Injectable } from '@nestjs/common';
import { TransactionHost } from '@govmatrix/database';
import { DemoAccount, DemoUnit } from './demo-accounts';

/** Uniform numbers in [0, 1) from the bits of one 64-bit hash: four per row, one hash. */
const UNIFORMS = `(h & 65535)::float8 / 65536 AS u1, ((h >> 16) & 65535)::float8 / 65536 AS u2,
  ((h >> 32) & 65535)::float8 / 65536 AS u3, ((h >> 48) & 32767)::float8 / 32768 AS u4`;

/**
 * The demo accounts' plan as a relation ($2…$10, $13, $14): ids, the key of their generated values
 * and the activity profile, with the days of the window ($16–$17) they have metrics for: within the
 * generated year ($11–$12), from opening to closure.
 */
const PLAN = `
  SELECT p.*, greatest(p.opened_on, $11::date, $16::date) AS first_day,
         least(coalesce(p.closed_on, $12::date), $12::date, $17::date) AS last_day
  FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::float8[], $7::float8[], $8::int[], $9::float8[], $10::float8[],
              $13::date[], $14::date[])
    AS p(account_id, unit_id, uid, platform, posts_per_day, followers0, silent_days, answer_share, engagement, opened_on, closed_on)`;

/** A slice of the generated year: its days from `from` to `to`, all derived from `seed`. */
export interface DemoWindow {
  /** The first and last day of the generated year (growth and zombies count from them). */
  yearFrom: string;
  yearTo: string;
  from: string;
  to: string;
  seed: number;
}

/**
 * The demo tenant's generated history, written set-based: one statement per table, whatever the
 * number of accounts. Every value derives from the seed and the accounts' platform uids, so the
 * same seed and end day give the same data.
 */
@Injectable()
export class DemoDataRepository {
  constructor(private readonly tx: TransactionHost) {}

  /** The generated year is written in a few big statements: more than the pool's 30 s limit is allowed for them. */
  async allowLongStatements(): Promise<void> {
    await this.tx.manager.query(`SET LOCAL statement_timeout = '10min'`);
  }

  async units(tenantId: string, rootPath: string): Promise<DemoUnit[]> {
    return this.tx.manager.query(
      `SELECT u.id, u.code, u.name, u.short_name AS "shortName", u.level, u.sector, u.supervisor
       FROM units u WHERE u.tenant_id = $1 AND u.path <@ $2::ltree AND u.active ORDER BY u.path`,
      [tenantId, rootPath],
    );
  }

  /** Inserts the accounts (opened, filed and accepted long ago) and returns their ids by platform uid. */
  async insertAccounts(tenantId: string, accounts: DemoAccount[]): Promise<Map<string, string>> {
    const rows: { id: string; uid: string }[] = await this.tx.manager.query(
      `INSERT INTO accounts (tenant_id, unit_id, platform, wechat_type, kind, name, platform_uid, url, verified, verified_on,
         operating_mode, vendor, status, opened_on, opening_due_on, closing_started_on, closure_due_on, closed_on, created_at)
       SELECT $1::uuid, a.unit_id, a.platform, a.wechat_type, 'institutional', a.name, a.uid, a.url, a.verified_on IS NOT NULL, a.verified_on,
              CASE WHEN a.vendor IS NULL THEN 'self' ELSE 'outsourced' END, a.vendor, a.status, a.opened_on, a.opened_on + 14,
              a.closed_on - 3, a.closed_on + 4, a.closed_on, a.opened_on::timestamptz
       FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[], $9::text[], $10::text[], $11::date[], $12::date[])
         AS a(unit_id, platform, wechat_type, name, uid, url, verified_on, vendor, status, opened_on, closed_on)
       RETURNING id, platform_uid AS uid`,
      [
        tenantId,
        accounts.map((a) => a.unitId),
        accounts.map((a) => a.platform),
        accounts.map((a) => a.wechatType),
        accounts.map((a) => a.name),
        accounts.map((a) => a.platformUid),
        accounts.map((a) => a.url),
        accounts.map((a) => a.verifiedOn),
        accounts.map((a) => a.vendor),
        accounts.map((a) => a.status),
        accounts.map((a) => a.openedOn),
        accounts.map((a) => a.closedOn),
      ],
    );
    return new Map(rows.map((r) => [r.uid, r.id]));
  }

  /** The responsibility chain of every account (R6): three leaders and one operator each. */
  async insertPeople(tenantId: string, accounts: DemoAccount[], ids: Map<string, string>): Promise<number> {
    const roles = ['first_responsible', 'main_responsible', 'chief_editor', 'operator'] as const;
    const keys = ['firstResponsible', 'mainResponsible', 'chiefEditor', 'operator'] as const;
    const rows = accounts.flatMap((a) => roles.map((role, i) => ({ a, role, person: a.people[keys[i]] })));
    await this.tx.manager.query(
      `INSERT INTO account_people (tenant_id, account_id, unit_id, role, name, position, phone, valid_from)
       SELECT $1::uuid, p.account_id, p.unit_id, p.role, p.name, p.position, p.phone, p.opened_on::timestamptz
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[])
         AS p(account_id, unit_id, role, name, position, phone, opened_on)`,
      [
        tenantId,
        rows.map((r) => ids.get(r.a.platformUid)),
        rows.map((r) => r.a.unitId),
        rows.map((r) => r.role),
        rows.map((r) => r.person.name),
        rows.map((r) => r.person.position),
        rows.map((r) => r.person.phone),
        rows.map((r) => r.a.openedOn),
      ],
    );
    return rows.length;
  }

  /** The accepted opening filing of every account (R1), and the accepted closure filing of the closed ones (R2). */
  async insertFilings(
    tenantId: string,
    accounts: DemoAccount[],
    ids: Map<string, string>,
    submitter: string,
    reviewer: string,
  ): Promise<number> {
    const [row]: { count: number }[] = await this.tx.manager.query(
      `WITH a AS (
         SELECT * FROM unnest($2::uuid[], $3::uuid[], $4::date[], $5::date[], $6::text[], $7::text[])
           AS a(account_id, unit_id, opened_on, closed_on, approver, url)
       ),
       written AS (
         INSERT INTO filings (tenant_id, account_id, unit_id, kind, status, details, submitted_by_kind, submitted_by, submitted_at,
                              reviewed_by, reviewed_at)
         SELECT $1::uuid, a.account_id, a.unit_id, 'opening', 'accepted',
                jsonb_build_object('decisionDate', to_char(a.opened_on - 7, 'YYYY-MM-DD'), 'approver', a.approver,
                                   'decisionReference', '党组会议纪要〔' || extract(year FROM a.opened_on) || '〕' || (1 + abs(hashtext(a.account_id::text)) % 40) || '号'),
                'user', $8::uuid, (a.opened_on + 3)::timestamptz, $9::uuid, (a.opened_on + 6)::timestamptz
         FROM a
         UNION ALL
         SELECT $1::uuid, a.account_id, a.unit_id, 'closure', 'accepted',
                jsonb_build_object('announcedOn', to_char(a.closed_on - 3, 'YYYY-MM-DD'), 'announcementUrl', coalesce(a.url, 'https://gov.example.cn/notice'),
                                   'deregisteredOn', to_char(a.closed_on, 'YYYY-MM-DD')),
                'user', $8::uuid, (a.closed_on + 1)::timestamptz, $9::uuid, (a.closed_on + 2)::timestamptz
         FROM a WHERE a.closed_on IS NOT NULL
         RETURNING 1)
       SELECT count(*)::int AS count FROM written`,
      [
        tenantId,
        accounts.map((a) => ids.get(a.platformUid)),
        accounts.map((a) => a.unitId),
        accounts.map((a) => a.openedOn),
        accounts.map((a) => a.closedOn),
        accounts.map((a) => a.people.firstResponsible.name),
        accounts.map((a) => a.url),
        submitter,
        reviewer,
      ],
    );
    return row.count;
  }

  /**
   * A day of metrics for every account and day of the window it was open: posts by platform, level
   * and the unit's diligence, fewer at weekends, a seasonal swing and a year of growth; engagement
   * in proportion to followers; zombies fall silent before the end of the year.
   */
  async insertMetrics(tenantId: string, accounts: DemoAccount[], ids: Map<string, string>, window: DemoWindow): Promise<number> {
    const [row]: { count: number }[] = await this.tx.manager.query(
      `WITH plan AS (${PLAN}),
       d AS (
         SELECT p.account_id, p.unit_id, p.platform, p.posts_per_day, p.followers0, p.answer_share, g::date AS day,
                (g::date - $11::date)::float8 AS age,
                g::date > $12::date - p.silent_days AS silent,
                hashtextextended(p.uid || ':' || g::date::text, $15) AS h
         FROM plan p CROSS JOIN LATERAL generate_series(p.first_day, p.last_day, interval '1 day') AS g
       ),
       r AS (
         SELECT d.*, ${UNIFORMS},
                CASE WHEN extract(isodow FROM d.day) >= 6 THEN 0.55::float8 ELSE 1 END * (0.85 + 0.3 * d.age / 365)
                  * (1 + 0.15 * sin(2 * pi() * extract(doy FROM d.day)::float8 / 365)) AS season,
                round(d.followers0 * (1 + 0.3 * d.age / 365))::bigint AS followers
         FROM d
       ),
       v AS (
         SELECT r.*, CASE WHEN r.silent THEN 0 ELSE floor(r.posts_per_day * r.season * (0.3 + 1.4 * r.u1))::int END AS posts,
                CASE WHEN r.platform IN ('wechat', 'weibo', 'douyin', 'app') THEN floor(r.u3 * r.u3 * 4 * r.followers / 50000 + r.u4)::int ELSE 0 END AS messages
         FROM r
       ),
       written AS (
         INSERT INTO daily_metrics (tenant_id, account_id, day, unit_id, posts, originals, reposts, comments, likes, reads, plays,
                                    followers, new_followers, messages_received, messages_answered, median_answer_minutes,
                                    posts_government, posts_livelihood, posts_b_class)
         SELECT $1::uuid, v.account_id, v.day, v.unit_id, v.posts, floor(v.posts * (0.45 + 0.4 * v.u2))::int,
                floor(v.posts * sqrt(v.followers) * 0.05 * (0.3 + v.u3))::int,
                floor(v.posts * sqrt(v.followers) * 0.04 * (0.3 + v.u2))::int + least(v.posts, 1),
                floor(v.posts * sqrt(v.followers) * 0.4 * (0.3 + v.u4))::int,
                CASE WHEN v.platform IN ('wechat', 'app', 'toutiao', 'website_column') THEN floor(v.posts * v.followers * 0.04 * (0.5 + v.u3))::bigint END,
                CASE WHEN v.platform IN ('douyin', 'kuaishou', 'video_channel', 'bilibili') THEN floor(v.posts * v.followers * 0.3 * (0.5 + v.u4))::bigint END,
                v.followers, round(v.followers0 * 0.3 / 365 * (0.4 + 1.2 * v.u2))::int,
                v.messages, floor(v.messages * v.answer_share)::int,
                CASE WHEN v.messages > 0 THEN round((20 + 400 * v.u4 * v.u4)::numeric, 2) END,
                floor(v.posts * 0.5)::int, floor(v.posts * 0.3)::int, CASE WHEN v.posts >= 3 AND v.u4 > 0.97 THEN 1 ELSE 0 END
         FROM v
         RETURNING 1)
       SELECT count(*)::int AS count FROM written`,
      this.params(tenantId, accounts, ids, window),
    );
    return row.count;
  }

  /**
   * Reposts and comments of the year: each account acts on posts of its unit's parent and sector
   * parent on the same platform (upper interaction; lower linkage seen from above), the more often
   * the more diligent it is; now and then a parent shares a subordinate's post.
   */
  async insertInteractions(
    tenantId: string,
    rootPath: string,
    accounts: DemoAccount[],
    ids: Map<string, string>,
    window: DemoWindow,
  ): Promise<number> {
    const [row]: { count: number }[] = await this.tx.manager.query(
      `WITH plan AS (${PLAN}),
       pairs AS (
         SELECT DISTINCT ON (s.account_id, t.account_id) s.account_id AS source_id, s.unit_id, s.uid AS source_uid, t.account_id AS target_id,
                t.uid AS target_uid, greatest(s.first_day, t.first_day) AS first_day,
                least(s.last_day, t.last_day, $12::date - s.silent_days) AS last_day, s.engagement * rel.weight AS odds
         FROM plan s
         JOIN units su ON su.tenant_id = $1 AND su.id = s.unit_id AND su.path <@ $18::ltree
         CROSS JOIN LATERAL (VALUES (su.parent_id, 1.0::float8), (su.sector_parent_id, 0.8::float8)) AS rel(superior_id, weight)
         JOIN plan t ON t.unit_id = rel.superior_id AND t.platform = s.platform
         UNION ALL
         SELECT t.account_id, t.unit_id, t.uid, s.account_id, s.uid, greatest(s.first_day, t.first_day),
                least(s.last_day, t.last_day, $12::date - t.silent_days), 0.12::float8 * t.engagement
         FROM plan s
         JOIN units su ON su.tenant_id = $1 AND su.id = s.unit_id AND su.path <@ $18::ltree AND su.level IN ('county', 'city')
         JOIN plan t ON t.unit_id = su.parent_id AND t.platform = s.platform
       ),
       d AS (
         SELECT p.*, g::date AS day, hashtextextended(p.source_uid || '>' || p.target_uid || ':' || g::date::text, $15) AS h
         FROM pairs p CROSS JOIN LATERAL generate_series(p.first_day, p.last_day, interval '1 day') AS g
       ),
       r AS (SELECT d.*, ${UNIFORMS}, CASE WHEN extract(isodow FROM d.day) >= 6 THEN 0.5::float8 ELSE 1 END AS weekday FROM d),
       -- One hash a pair and day: its low bits decide the repost, the high bits the comment.
       acts AS (
         SELECT r.day, r.source_id, r.target_id, r.unit_id, 'repost' AS kind, 1 + floor(r.u2 * r.u2 * 4)::int AS count
         FROM r WHERE r.u1 < 0.22 * r.odds * r.weekday
         UNION ALL
         SELECT r.day, r.source_id, r.target_id, r.unit_id, 'comment', 1 + floor(r.u4 * r.u4 * 3)::int
         FROM r WHERE r.u3 < 0.09 * r.odds * r.weekday
       ),
       written AS (
         INSERT INTO interactions (tenant_id, day, source_account_id, target_account_id, kind, unit_id, count)
         SELECT $1::uuid, a.day, a.source_id, a.target_id, a.kind, a.unit_id, a.count FROM acts a
         RETURNING 1)
       SELECT count(*)::int AS count FROM written`,
      [...this.params(tenantId, accounts, ids, window), rootPath],
    );
    return row.count;
  }

  private params(tenantId: string, accounts: DemoAccount[], ids: Map<string, string>, window: DemoWindow): unknown[] {
    return [
      tenantId,
      accounts.map((a) => ids.get(a.platformUid)),
      accounts.map((a) => a.unitId),
      accounts.map((a) => a.platformUid),
      accounts.map((a) => a.platform),
      accounts.map((a) => a.postsPerDay),
      accounts.map((a) => a.followers),
      accounts.map((a) => a.silentDays),
      accounts.map((a) => a.answerShare),
      accounts.map((a) => a.engagement),
      window.yearFrom,
      window.yearTo,
      accounts.map((a) => a.openedOn),
      accounts.map((a) => a.closedOn),
      window.seed,
      window.from,
      window.to,
    ];
  }
}
