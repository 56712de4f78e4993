import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { ROLE_PERMISSIONS } from '@govmatrix/auth';
import { withClient } from '../support/database';
import {
  bearer,
  ClientFixture,
  createClient,
  createTenant,
  createUser,
  expectProblem,
  importUnits,
  login,
  loginOperator,
  markUnitNames,
  pointersOf,
  Session,
  TenantFixture,
  UnitRow,
} from '../support/fixtures';
import { acceptFiling, accountBody, createAccount, expectStatus, fullChain, LEDGER_TREE, submitFiling } from '../support/ledger-fixtures';
import {
  describeRequest,
  FuzzContext,
  FuzzRequest,
  OpenApiDocument,
  Operation,
  operationsOf,
  queryString,
  RequestArbitraries,
  ResponseSchemas,
} from '../support/openapi-fuzz';
import { reportInteractions, reportMetrics, runScoring } from '../support/scoring-fixtures';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Property-based fuzzing of every operation of the OpenAPI document (sdk/openapi.json): requests built
 * from each operation's parameters and body schema, well-formed values mixed with hostile ones (wrong
 * types, edges, NUL bytes, SQL- and ltree-ish strings, foreign tenants' ids, malformed JSON), sent as
 * tenant A's admin (or the auditor / operator / nobody, as the route's permission asks). Every answer:
 * - is never a 5xx;
 * - is problem details when it is not a 2xx;
 * - is a status the document declares when it is a 2xx, and its JSON body validates against the declared
 *   schema (objects closed: an undeclared field fails too);
 * - never contains an id or a marked name of tenant B that the request did not carry;
 * - never succeeds on a path that names a row of tenant B.
 * Each route first gets a few fixed sweeps (every text field NUL / SQL-ish / 3,000 characters long,
 * every optional field null), then FUZZ_RUNS random requests (default 20; fixed seed FUZZ_SEED,
 * default 20261206, so CI replays the same requests). A failure prints fast-check's seed and path,
 * the request and the answer. FUZZ_TRACE=1 prints every request, FUZZ_VERBOSE=1 the statuses per
 * route, FUZZ_LOG_LEVEL=error the app's log (the stack of a 500).
 *
 * Bugs it found (fixed): over-deep JSON, NUL characters, `null` in optional fields, missing nested
 * objects and out-of-range calendar years were 500s; settings updates dropped the fields they did
 * not name; the ledger and inspection settings were undocumented; a URL over Node's header limit was
 * answered without problem details. The `regressions` block below pins each of them.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const doc = JSON.parse(readFileSync(join(__dirname, '../../sdk/openapi.json'), 'utf8')) as OpenApiDocument;

/** Writes first, then the routes that take things away (deactivate, close, revoke …), so that the others still find live rows. */
const destructive = (op: Operation): boolean =>
  op.method === 'delete' || /\/(deactivate|close|cancel|transition|rotate-secret|logout|move)$/.test(op.path);
const rank = (op: Operation): number => (op.method === 'get' ? 0 : destructive(op) ? 2 : 1);
const OPERATIONS = operationsOf(doc).sort((a, b) => rank(a) - rank(b));

/** Marks every name of tenant B, so that any of them in an answer to A is seen. */
const B_MARK = 'Qzxmark乙';
const A_MARK = '甲';

type Actor = 'anonymous' | 'admin' | 'auditor' | 'operator' | 'throwaway';

/** The caller for a route: tenant A's admin where the role holds the permission, else its auditor, else the SaaS operator. */
function actorFor(op: Operation): Actor {
  if (op.key === 'POST /v1/auth/logout') return 'throwaway'; // revokes the caller's own session
  if (!op.permission) return 'anonymous';
  const holds = (role: keyof typeof ROLE_PERMISSIONS) => (ROLE_PERMISSIONS[role] as readonly string[]).includes(op.permission!);
  if (holds('tenant_admin')) return 'admin';
  if (holds('auditor')) return 'auditor';
  if (holds('operator')) return 'operator';
  throw new Error(`${op.key}: no role holds ${op.permission}`);
}

/** A tenant built through the API: the ledger tree with a provincial supervising office, users, accounts and their history. */
interface Side {
  tenant: TenantFixture;
  units: Record<string, string>;
  auditor: { id: string; session: Session; password: string };
  client: ClientFixture;
  accounts: { gaj: string; jyj: string; hd: string };
  /** Open findings: of gaj (in a case), of hd (in none). */
  findingId: string;
  hdFindingId: string;
}

const TREE: UnitRow[] = [...LEDGER_TREE, { code: 'wxb', name: '湖南省委网信办', level: 'bureau', sector: 'cyberspace', supervisor: true }];

const day = (offset: number): string => new Date(Date.now() + 8 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);

async function buildSide(t: TestApp, operator: Session, mark: string, usernamePrefix: string): Promise<Side> {
  const tenant = await createTenant(t, operator, { name: `湖南省${mark}` });
  const units: Record<string, string> = { ...(await importUnits(t, tenant, markUnitNames(TREE, mark))), root: tenant.rootUnitId };
  const auditorPassword = 'auditor-password-123';
  // The fuzz acts as the admin and the auditor; the others are there to be changed and deactivated.
  const [auditor] = await Promise.all([
    createUser(t, tenant, { username: `${usernamePrefix}auditor`, role: 'auditor', unitId: units.wxb, password: auditorPassword }),
    createUser(t, tenant, { username: `${usernamePrefix}operator-tx`, role: 'unit_operator', unitId: units['tx-gaj'] }),
    createUser(t, tenant, { username: `${usernamePrefix}lead-cs`, role: 'matrix_lead', unitId: units.cs }),
  ]);
  const client = await createClient(t, tenant, {
    name: `天心区政务公开平台${mark}`,
    unitId: units['tx-gaj'],
    scopes: ['read:own', 'report:metrics'],
  });
  const admin = tenant.admin;
  const chain = fullChain();
  chain.firstResponsible.name = `李局长${mark}`;
  const open = (unitId: string, name: string) =>
    createAccount(t, admin, { unitId, name: `${name}${mark}`, openedOn: day(-60), people: chain });
  const [gaj, jyj, hd] = await Promise.all([
    open(units['tx-gaj'], '天心公安'),
    open(units['tx-jyj'], '天心教育'),
    open(units['hd-gaj'], '荷塘公安'),
  ]);
  const opening = { decisionDate: day(-65), approver: `李局长${mark}`, decisionReference: `纪要${mark}` };
  for (const id of [gaj.id, hd.id]) await acceptFiling(t, auditor.session, (await submitFiling(t, admin, id, 'opening', opening)).id);
  await submitFiling(t, admin, jyj.id, 'opening', opening);

  const findingId = expectStatus<{ id: string }>(
    await t.http
      .post('/v1/findings')
      .set(bearer(auditor.session.token))
      .send({ accountId: gaj.id, kind: 'content_error', detail: `发布内容存在错误${mark}` }),
    201,
    'finding',
  ).id;
  const hdFinding = expectStatus<{ id: string }>(
    await t.http
      .post('/v1/findings')
      .set(bearer(auditor.session.token))
      .send({ accountId: hd.id, kind: 'other', detail: `其他问题${mark}` }),
    201,
    'finding',
  ).id;
  expectStatus(
    await t.http
      .post('/v1/cases')
      .set(bearer(auditor.session.token))
      .send({ accountId: gaj.id, findingIds: [findingId], measure: 'warning', decision: `责令整改${mark}`, decidedOn: day(-20) }),
    201,
    'case',
  );
  expectStatus(
    await t.http
      .post('/v1/webhooks')
      .set(bearer(admin.token))
      .send({ url: 'http://127.0.0.1:9/hook', description: `省平台${mark}` }),
    201,
    'webhook',
  );
  expectStatus(
    await t.http
      .post('/v1/repost-tasks')
      .set(bearer(admin.token))
      .send({ unitId: units.tx, accountId: hd.id, postId: 'post-1', title: `防汛通知${mark}`, deadline: day(10) }),
    201,
    'repost task',
  );
  const days = [-3, -2, -1].map(day);
  await reportMetrics(
    t,
    admin,
    days.flatMap((d, i) =>
      [gaj.id, hd.id].map((accountId) => ({ accountId, day: d, posts: i + 1, reposts: 2, comments: 3, followers: 100 + i })),
    ),
  );
  await reportInteractions(t, admin, [
    { day: days[0], sourceAccountId: gaj.id, targetAccountId: hd.id, kind: 'repost', count: 1, targetPostId: 'post-1' },
  ]);
  expectStatus(
    await t.http
      .post('/v1/reports/posts')
      .set(bearer(admin.token))
      .send({ rows: [{ accountId: gaj.id, postId: 'p-1', publishedAt: `${days[0]}T08:00:00+08:00`, title: `通知${mark}` }] }),
    200,
    'posts',
  );
  await runScoring(t, auditor.session, { from: day(-30), to: day(-1) });
  // A second weibo account of 天心公安, waiting for the supervising office's approval (R4).
  await createAccount(t, admin, {
    unitId: units['tx-gaj'],
    name: `天心公安应急${mark}`,
    openedOn: day(-10),
    people: chain,
    secondAccountJustification: '用于突发事件应急信息发布的第二账号',
  });
  return {
    tenant,
    units,
    auditor: { ...auditor, password: auditorPassword },
    client,
    accounts: { gaj: gaj.id, jyj: jyj.id, hd: hd.id },
    findingId,
    hdFindingId: hdFinding,
  };
}

/** Every id of a tenant's rows, by table (read as the owner, beside the API). */
async function idsByTable(t: TestApp, tenantId: string): Promise<Record<string, string[]>> {
  return withClient(t.db.ownerUrl, async (db) => {
    const tables = await db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'id'
       INTERSECT SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tenant_id'`,
    );
    const out: Record<string, string[]> = {};
    for (const { table_name: table } of tables.rows) {
      const rows = await db.query<{ id: string }>(`SELECT id::text AS id FROM "${table}" WHERE tenant_id = $1`, [tenantId]);
      out[table] = rows.rows.map((r) => r.id);
    }
    out.tenants = [tenantId];
    return out;
  });
}

/** The table behind a path's resource (`/v1/cases/{id}` → sanction_cases) or a field (`accountId` → accounts). */
const RESOURCE_TABLES: Record<string, string> = {
  accounts: 'accounts',
  units: 'units',
  users: 'users',
  clients: 'api_clients',
  filings: 'filings',
  findings: 'findings',
  cases: 'sanction_cases',
  notices: 'notices',
  'repost-tasks': 'repost_tasks',
  webhooks: 'webhook_endpoints',
  tenants: 'tenants',
  'scoring/models': 'score_models',
  'scoring/runs': 'score_runs',
};
const FIELD_TABLES: Record<string, string> = {
  accountId: 'accounts',
  sourceAccountId: 'accounts',
  targetAccountId: 'accounts',
  unitId: 'units',
  parentId: 'units',
  under: 'units',
  sectorParentId: 'units',
  findingId: 'findings',
  findingIds: 'findings',
  caseId: 'sanction_cases',
  modelId: 'score_models',
  personId: 'account_people',
  userId: 'users',
};

interface Answer {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  raw: Buffer;
}

/** The words of an xlsx workbook, so that an export can be searched like a text. */
async function workbookText(raw: Buffer): Promise<string> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(raw as unknown as ArrayBuffer);
  const cells: string[] = [];
  workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => cells.push(String(cell.text)))));
  return cells.join('\n');
}

const safeDecode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

const excerpt = (text: string, max = 600): string => (text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text);

describe('API fuzz: every operation of the OpenAPI document', () => {
  let t: TestApp;
  let A: Side;
  let B: Side;
  let sessions: Record<Exclude<Actor, 'anonymous' | 'throwaway'>, Session>;
  let arbitraries: RequestArbitraries;
  const schemas = new ResponseSchemas(doc);
  /** Lower-cased ids, slug and marker of tenant B. */
  let forbidden: string[];
  let foreignSet: Set<string>;
  const statuses = new Map<string, Map<number, number>>();

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: process.env.FUZZ_LOG_LEVEL ?? 'silent' });
    const operator = await loginOperator(t);
    [A, B] = await Promise.all([buildSide(t, operator, A_MARK, ''), buildSide(t, operator, B_MARK, 'qzxmark-')]);
    sessions = { admin: A.tenant.admin, auditor: A.auditor.session, operator };

    const [aIds, bIds] = await Promise.all([idsByTable(t, A.tenant.id), idsByTable(t, B.tenant.id)]);
    const foreignIds = [...new Set(Object.values(bIds).flat())];
    forbidden = [...foreignIds, B.tenant.slug, B.client.clientId, 'qzxmark'].map((s) => s.toLowerCase());
    foreignSet = new Set(foreignIds.map((id) => id.toLowerCase()));

    // Real cursors of every listing, so that pages beyond the first are fuzzed too.
    const cursors: Record<string, string> = {};
    for (const op of OPERATIONS) {
      if (op.method !== 'get' || op.path.includes('{') || !op.parameters.some((p) => p.name === 'cursor')) continue;
      const session = actorFor(op) === 'auditor' ? sessions.auditor : sessions.admin;
      const res = await t.http.get(`${op.path}?limit=1`).set(bearer(session.token));
      const next = (res.body as { nextCursor?: string }).nextCursor;
      if (next) cursors[op.key] = next;
    }
    const refreshTokens: string[] = [];
    for (let i = 0; i < 3; i += 1) refreshTokens.push((await login(t, A.tenant.slug, 'admin', A.tenant.adminPassword)).refreshToken!);

    const admin = (await t.http.get('/v1/auth/me').set(bearer(A.tenant.admin.token))).body as { subjectId: string };
    // The fuzz acts as these: a write never gets them (it would leave nothing to fuzz with).
    const protectedIds = new Set([A.tenant.rootUnitId, A.units.wxb, admin.subjectId, A.auditor.id]);

    const idsFor = (name: string, op: Operation): readonly string[] => {
      let table = FIELD_TABLES[name];
      if (name === 'id') {
        const resource = /^\/v1\/(scoring\/(?:models|runs)|[a-z-]+)\/\{id\}/.exec(op.path)?.[1];
        table = resource ? RESOURCE_TABLES[resource] : '';
      }
      const ids = table ? (aIds[table] ?? []) : [];
      return op.method === 'get' ? ids : ids.filter((id) => !protectedIds.has(id));
    };
    const WORDS: Record<string, string[]> = {
      job: ['daily_inspection', 'case_escalation', 'yearly_assessment', 'no_such_job'],
      sector: ['public_security', 'education', 'government', 'cyberspace', 'court'],
      code: ['tx-gaj', 'cs', 'new-unit-1', 'wxb'],
      parentCode: ['tx', 'cs', 'missing'],
      username: ['admin', 'auditor', 'operator-tx', 'fuzz-user-1'],
      tenant: [A.tenant.slug, B.tenant.slug, 'no-such-tenant'],
      slug: ['fuzz-tenant-1', A.tenant.slug],
      password: [A.tenant.adminPassword, 'wrong-password-123'],
      refreshToken: refreshTokens,
      clientId: [A.client.clientId, B.client.clientId],
      clientSecret: [A.client.clientSecret, 'wrong-secret-123456'],
      seed: ['2026Q4', 'x'],
      year: ['2031', '2026', '1999'],
      key: ['six_index', 'wci_v14_2', 'bci', 'custom_model'],
      modelKey: ['six_index', 'bci', 'no_such_model'],
      preset: ['six_index', 'bci'],
      postId: ['post-1', 'p-1'],
      targetPostId: ['post-1'],
      q: ['天心', '公安', '长沙'],
      objectKey: ['weibo', 'wechat', 'douyin', 'warning', 'talk', 'forced_closure'],
    };
    const TEXT = ['天心公安', '天心教育', '长沙发布', '长沙市天心区第九局', '天心区政务公开平台', '李局长', '已删除错误内容并发布更正说明'];
    const FREE_TEXT =
      /^(name|shortName|title|description|decision|detail|summary|note|reason|reasons|text|approver|displayName|source|position|decisionReference|announcementText|body)$/;
    const wordsFor = (name: string, op: Operation): readonly string[] => {
      // its own cursor, and one of another listing
      if (name === 'cursor') return [cursors[op.key], cursors['GET /v1/units']].filter((c) => c !== undefined);
      return WORDS[name] ?? (FREE_TEXT.test(name) ? TEXT : []);
    };

    const u = A.units;
    const acc = A.accounts;
    const EXAMPLES: Record<string, unknown[]> = {
      accountsCreate: ['weibo', 'douyin', 'wechat'].map((platform) =>
        accountBody({
          unitId: u['tx-jyj'],
          platform,
          name: '天心教育',
          openedOn: day(-5),
          ...(platform === 'wechat' ? { wechatType: 'service' } : {}),
        }),
      ),
      accountsUpdate: [
        { name: '天心公安发布' },
        { verified: true, verifiedOn: day(-3) },
        { operatingMode: 'outsourced', vendor: '某公司' },
      ],
      accountsApproveSecondAccount: [{ note: '同意' }, {}],
      accountsClose: [{ closedOn: day(-1), announcedOn: day(-2), announcementUrl: 'https://weibo.com/notice/1' }],
      filingsSubmitChange: [{ summary: '更换运维人员', effectiveOn: day(-1) }],
      filingsSubmitClosure: [{ announcedOn: day(-2), deregisteredOn: day(-1), announcementUrl: 'https://weibo.com/notice/1' }],
      filingsSubmitOpening: [{ decisionDate: day(-70), approver: '李局长', decisionReference: '纪要1号' }],
      accountsAddOperator: [{ name: '赵运维', position: '科员', phone: '13900003333' }],
      accountsSetHolder: [{ name: '王副局长', position: '副局长', phone: '13900002222', email: 'wang@example.gov.cn' }],
      accountsTransition: ['rectifying', 'active', 'force_closed'].map((to) => ({ to, reason: '检查发现问题' })),
      authLogin: [
        { tenant: A.tenant.slug, username: 'admin', password: A.tenant.adminPassword },
        { tenant: A.tenant.slug, username: 'admin', password: 'wrong-password' },
        { username: 'operator', password: 'wrong-password' },
      ],
      authRefresh: refreshTokens.map((refreshToken) => ({ refreshToken })),
      authClientToken: [
        { clientId: A.client.clientId, clientSecret: A.client.clientSecret },
        { clientId: A.client.clientId, clientSecret: A.client.clientSecret, scopes: ['read:own'] },
      ],
      calendarLoadYear: [{ holidays: ['2031-01-01', '2031-10-01'], workdays: ['2031-10-11'], source: '国办发明电〔2030〕7号' }],
      casesOpen: [
        { accountId: acc.gaj, findingIds: [A.findingId], measure: 'talk', decision: '约谈', decidedOn: day(-1) },
        { accountId: acc.hd, findingIds: [A.hdFindingId], measure: 'warning', decision: '警告', deadlineDays: 5 },
      ],
      casesAccept: [{ note: '整改到位' }, {}],
      casesSubmitRectification: [{ text: '已删除错误内容', rectifiedOn: day(-1), evidenceUrls: ['https://weibo.com/notice/2'] }],
      casesReturnRectification: [{ reasons: ['整改不到位'], deadlineDays: 3 }],
      clientsCreate: [{ name: '天心区平台', unitId: u.tx, scopes: ['read:own', 'report:filings'] }],
      filingsAccept: [{ note: '同意' }, {}],
      filingsReturnFiling: [{ reasons: ['缺少会议纪要'] }],
      findingsCreate: [{ accountId: acc.hd, kind: 'faked_influence', detail: '刷粉', evidence: { url: 'https://weibo.com/1' } }],
      findingsClose: [{ note: '已整改' }],
      jobsTrigger: [{ date: day(-1) }, { date: day(-1), force: true }, {}],
      reportsFileBatch: [{ rows: [{ accountId: acc.jyj, kind: 'opening', filing: { decisionDate: day(-70), approver: '李局长' } }] }],
      reportsInteractions: [{ rows: [{ day: day(-2), sourceAccountId: acc.hd, targetAccountId: acc.gaj, kind: 'comment', count: 2 }] }],
      reportsMetrics: [{ rows: [{ accountId: acc.gaj, day: day(-4), posts: 3, followers: 120, newFollowers: -2 }] }],
      reportsPosts: [
        { rows: [{ accountId: acc.hd, postId: 'p-2', publishedAt: `${day(-2)}T09:30:00+08:00`, contentClass: 'government' }] },
      ],
      repostTasksCreate: [{ unitId: u.cs, accountId: acc.gaj, postId: 'post-2', title: '转发', deadline: day(5) }],
      repostTasksCancel: [{ reason: '任务取消' }],
      scoringModelsCreate: [{ key: 'custom_model', name: '自定义', preset: 'bci' }],
      scoringRunsCreate: [
        { from: day(-30), to: day(-1) },
        { from: day(-30), to: day(-1), unitId: u.tx },
      ],
      inspectionSettingsUpdate: [{ monthlyPostAllowance: { weibo: 30 } }],
      ledgerSettingsUpdate: [{ openingFilingDays: 10, closureFilingDays: 5, naming: { mode: 'unit_or_region', extraKeywords: ['湖南'] } }],
      sanctionsSettingsUpdate: [
        { deadlineDays: { warning: 5 }, ladder: ['order_deletion', 'talk', 'warning', 'public_notice', 'forced_closure'] },
      ],
      scoringSettingsUpdate: [{ assessmentDate: '01-15', modelKey: 'six_index' }],
      tenantsCreate: [
        {
          slug: 'fuzz-tenant-1',
          name: '江西省',
          root: { name: '江西省', level: 'province', divisionCode: '360000' },
          admin: { username: 'admin', displayName: '管理员', password: 'admin-password-123' },
        },
      ],
      unitsCreate: [
        { parentId: u.tx, code: 'tx-new', name: '长沙市天心区新局', shortName: '天心新局', level: 'bureau', sector: 'government' },
      ],
      unitsImportUnits: [
        { units: [{ code: 'imp-1', parentCode: 'tx', name: '长沙市天心区导入局', level: 'bureau', sector: 'transport' }] },
      ],
      unitsUpdate: [{ name: '长沙市天心区教育局', shortName: '天心教育' }, { sectorParentId: null }, { sectorParentId: u['hd-gaj'] }],
      unitsDeactivate: [{ cascade: true }, {}],
      unitsMove: [{ parentId: u.hd }, { parentId: u.tx, divisionCode: '430103' }],
      usersCreate: [
        { username: 'fuzz-user-1', displayName: '用户', password: 'user-password-123', role: 'unit_operator', unitId: u['tx-gaj'] },
      ],
      usersUpdate: [{ displayName: '新名字' }, { role: 'matrix_lead', unitId: u.cs }, { password: 'new-password-1234' }],
      webhooksCreate: [{ url: 'http://127.0.0.1:9/other', description: '市平台', unitId: u.cs }],
    };

    const ctx: FuzzContext = {
      idsFor,
      foreignIds,
      wordsFor,
      examplesFor: (op) => EXAMPLES[op.operationId] ?? [],
    };
    arbitraries = new RequestArbitraries(doc, ctx);
  }, 120_000);
  afterAll(async () => t?.close());

  /** Logs an actor in again when the fuzz took its session away (a token of the fuzz tenant revoked by a write). */
  async function sessionOf(actor: Actor): Promise<Session | undefined> {
    if (actor === 'anonymous') return undefined;
    if (actor === 'throwaway') return login(t, A.tenant.slug, 'admin', A.tenant.adminPassword);
    const current = sessions[actor];
    if ((await t.http.get('/v1/auth/me').set(bearer(current.token))).status === 200) return current;
    sessions[actor] =
      actor === 'admin'
        ? await login(t, A.tenant.slug, 'admin', A.tenant.adminPassword)
        : actor === 'auditor'
          ? await login(t, A.tenant.slug, 'auditor', A.auditor.password)
          : await loginOperator(t);
    return sessions[actor];
  }

  async function send(req: FuzzRequest, session: Session | undefined): Promise<Answer> {
    let call = t.http[req.method](`${req.path}${queryString(req.query)}`);
    if (session) call = call.set(bearer(session.token));
    for (const [name, value] of Object.entries(req.headers)) call = call.set(name, value);
    if (req.body) call = call.set('content-type', req.body.contentType).send(req.body.text);
    const res = await call.buffer(true).parse((stream, done) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => done(null, Buffer.concat(chunks)));
    });
    const headers = res.headers as Record<string, string>;
    return { status: res.status, headers, contentType: headers['content-type'] ?? '', raw: res.body as Buffer };
  }

  /** Everything wrong with an answer; empty when it keeps every property. */
  async function problemsOf(op: Operation, req: FuzzRequest, res: Answer, actor: Actor): Promise<string[]> {
    const problems: string[] = [];
    const text = res.raw.toString('utf8');
    const isJson = /^application\/(problem\+)?json/.test(res.contentType);
    let body: unknown;
    if (isJson) {
      try {
        body = JSON.parse(text);
      } catch {
        problems.push('a JSON content type with a body that is not JSON');
      }
    }
    // No 5xx; and no 429 either: the test app's rate limits are out of reach.
    if (res.status >= 500 || res.status === 429) problems.push(`a ${res.status}`);
    if (res.status < 200 || res.status >= 300) {
      if (!/^application\/problem\+json/.test(res.contentType))
        problems.push(`a ${res.status} that is not problem details (${res.contentType})`);
      const p = body as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown; requestId?: unknown } | undefined;
      if (
        !p ||
        typeof p.type !== 'string' ||
        typeof p.title !== 'string' ||
        p.status !== res.status ||
        typeof p.detail !== 'string' ||
        typeof p.requestId !== 'string'
      )
        problems.push('problem details without type/title/status/detail/requestId');
    } else {
      const declared = op.responses[String(res.status)];
      if (!declared) problems.push(`status ${res.status} is not declared (declared: ${Object.keys(op.responses).join(', ')})`);
      else if (declared.contentTypes.length === 0) {
        if (res.raw.length > 0) problems.push(`a body where the document declares none`);
      } else if (!declared.contentTypes.some((ct) => res.contentType.startsWith(ct.split(';')[0]))) {
        problems.push(`content type ${res.contentType}, declared ${declared.contentTypes.join(' | ')}`);
      } else if (declared.schema && isJson && body !== undefined) {
        problems.push(...schemas.violations(`${op.key} ${res.status}`, declared.schema, body).map((v) => `schema: ${v}`));
      }
    }
    // The operator sees every tenant by design (GET /v1/tenants); everyone else sees one.
    if (actor !== 'operator') {
      const named = req.path.split('/').map((segment) => safeDecode(segment).toLowerCase());
      if (res.status < 300 && named.some((segment) => foreignSet.has(segment)))
        problems.push(`a ${res.status} for a path naming tenant B's row`);
      const requestText = `${req.path} ${JSON.stringify(req.query)} ${JSON.stringify(req.headers)} ${req.body?.text ?? ''}`.toLowerCase();
      let answerText = `${JSON.stringify(res.headers)}\n${text}`;
      if (res.contentType.includes('spreadsheetml') && res.status === 200) answerText += await workbookText(res.raw);
      const lower = answerText.toLowerCase();
      const leaked = forbidden.filter((f) => lower.includes(f) && !requestText.includes(f));
      if (leaked.length > 0) problems.push(`tenant B's ${leaked.join(', ')} in an answer to tenant A`);
    }
    return problems;
  }

  // Each bug the fuzz found, as a plain example (run before the fuzz, on the tenants as built).
  describe('regressions', () => {
    it('refuses a body nested 5,000 levels deep with a 400 (validation overflowed its stack: a 500)', async () => {
      const res = await t.http
        .post('/v1/auth/refresh')
        .set('content-type', 'application/json')
        .send(`{"refreshToken":${'['.repeat(5000)}${']'.repeat(5000)}}`);
      expect(expectProblem(res, 400)).toMatchObject({ code: 'body_too_deep', detail: 'The request body nests deeper than 64 levels' });
      // 64 levels still parse (and then fail validation like any wrong value)
      const deep = await t.http
        .post('/v1/auth/refresh')
        .set('content-type', 'application/json')
        .send(`{"refreshToken":${'['.repeat(63)}${']'.repeat(63)}}`);
      expect(expectProblem(deep, 400).code).toBe('bad_request');
    });

    it('refuses NUL characters in a body or a query with a 400 naming the fields (PostgreSQL refused them: a 500)', async () => {
      const body = await t.http
        .post('/v1/findings')
        .set(bearer(A.auditor.session.token))
        .send({ accountId: A.accounts.hd, kind: 'other', detail: 'a\u0000b', evidence: { 'k\u0000': ['x', 'y\u0000'] } });
      expect(pointersOf(expectProblem(body, 400))).toEqual(['/detail', '/evidence/k\u0000', '/evidence/k\u0000/1']);
      const query = await t.http.get('/v1/units').query({ q: 'a\u0000b' }).set(bearer(A.tenant.admin.token));
      expect(pointersOf(expectProblem(query, 400))).toEqual(['/q']);
    });

    it('refuses null in a field the document does not declare nullable (PATCH {"name": null} was a 500)', async () => {
      const res = await t.http.patch(`/v1/accounts/${A.accounts.gaj}`).set(bearer(A.tenant.admin.token)).send({ name: null, vendor: null });
      expect(pointersOf(expectProblem(res, 400))).toEqual(['/name', '/name', '/vendor', '/vendor']);
      // where null is declared (it clears the sector parent), it still is taken
      const unit = await t.http.patch(`/v1/units/${A.units['tx-jyj']}`).set(bearer(A.tenant.admin.token)).send({ sectorParentId: null });
      expect(unit.status).toBe(200);
    });

    it('refuses a missing nested object with a 400 (a tenant without its admin was a 500)', async () => {
      const res = await t.http
        .post('/v1/tenants')
        .set(bearer(sessions.operator.token))
        .send({ slug: 'no-admin', name: '江西省', root: { name: '江西省', level: 'province', divisionCode: '360000' } });
      expect(pointersOf(expectProblem(res, 400))).toEqual(['/admin']);
      const account = await t.http
        .post('/v1/accounts')
        .set(bearer(A.tenant.admin.token))
        .send(
          accountBody({ unitId: A.units['tx-jyj'], name: '天心教育', people: { ...fullChain(), mainResponsible: undefined } as never }),
        );
      expect(pointersOf(expectProblem(account, 400))).toEqual(['/people/mainResponsible']);
    });

    it('refuses a calendar year outside 2000–2100 with a 400 (the database refused it: a 500)', async () => {
      const arrangement = { holidays: [], workdays: [], source: '国办发明电' };
      for (const year of ['1999', '2101', '%20', '20x1']) {
        const res = await t.http.put(`/v1/calendar/${year}`).set(bearer(sessions.operator.token)).send(arrangement);
        expect({ year, pointers: pointersOf(expectProblem(res, 400)) }).toEqual({ year, pointers: ['/year'] });
      }
      expect((await t.http.get('/v1/calendar/1999').set(bearer(A.tenant.admin.token))).body).toMatchObject({ source: 'weekends_only' });
    });

    it('keeps the settings an update does not name (they fell back to the defaults) and answers them all', async () => {
      const admin = bearer(A.tenant.admin.token);
      await t.http.put('/v1/settings/scoring').set(admin).send({ assessmentDate: '02-01' }).expect(200);
      const scoring = await t.http.put('/v1/settings/scoring').set(admin).send({ modelKey: 'bci' });
      expect(scoring.body).toEqual({ assessmentDate: '02-01', modelKey: 'bci' });
      expect((await t.http.get('/v1/settings/scoring').set(admin)).body).toEqual({ assessmentDate: '02-01', modelKey: 'bci' });
      await t.http.put('/v1/settings/inspection').set(admin).send({ inactiveDays: 20 }).expect(200);
      const inspection = await t.http.put('/v1/settings/inspection').set(admin).send({ spotCheckShare: 0.25 });
      expect(inspection.body).toMatchObject({ inactiveDays: 20, unansweredMessageDays: 3, noInteractionDays: 30, spotCheckShare: 0.25 });
      expect((await t.http.get('/v1/settings/inspection').set(admin)).body).toMatchObject({ inactiveDays: 20, spotCheckShare: 0.25 });
    });

    it('documents the ledger and inspection settings (the document had no fields for them)', () => {
      const fields = (name: string) => Object.keys(doc.components.schemas[name]?.properties ?? {}).sort();
      expect(fields('LedgerSettingsDto')).toEqual(['closureFilingDays', 'naming', 'openingFilingDays']);
      expect(fields('UpdateLedgerSettingsDto')).toEqual(['closureFilingDays', 'naming', 'openingFilingDays']);
      expect(fields('InspectionSettingsDto')).toEqual([
        'inactiveDays',
        'monthlyPostAllowance',
        'noInteractionDays',
        'spotCheckShare',
        'unansweredMessageDays',
      ]);
    });

    it('answers a URL over the header size limit with problem details (Node answered a bare 431)', async () => {
      const res = await t.http.get(`/v1/units?q=${'x'.repeat(20_000)}`).set(bearer(A.tenant.admin.token));
      expect(expectProblem(res, 431).code).toBe('headers_too_large');
    });
  });

  it.each(OPERATIONS.map((op) => [op.key, op] as const))(
    '%s: no 5xx, problem details, the declared schema, no cross-tenant leak',
    async (_key, op) => {
      const actor = actorFor(op);
      const seen = new Map<number, number>();
      statuses.set(op.key, seen);
      const seed = SEED ^ createHash('sha256').update(op.key).digest().readInt32BE(0);
      // Checked once per route: the routes that revoke sessions or change users never get the actors' own.
      const session = actor === 'throwaway' ? undefined : await sessionOf(actor);
      await fc.assert(
        fc.asyncProperty(arbitraries.request(op), async (req) => {
          // logout revokes what it is sent: a fresh session each time
          const res = await send(req, actor === 'throwaway' ? await sessionOf(actor) : session);
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          if (process.env.FUZZ_TRACE)
            process.stderr.write(`${res.status} ${describeRequest(req)} → ${excerpt(res.raw.toString('utf8'), 300)}\n`);
          const problems = await problemsOf(op, req, res, actor);
          if (problems.length > 0) {
            throw new Error(
              `${op.key} as ${actor}: ${problems.join('; ')}\n` +
                `request: ${describeRequest(req)}\n` +
                `answer: ${res.status} ${res.contentType} ${res.contentType.includes('spreadsheetml') ? '(xlsx)' : excerpt(res.raw.toString('utf8'))}`,
            );
          }
        }),
        { numRuns: RUNS, seed, examples: arbitraries.sweeps(op, seed).map((req) => [req] as [FuzzRequest]) },
      );
    },
    120_000,
  );

  it('reached the handlers: most routes answered a 2xx at least once, not only validation errors', () => {
    const reached = OPERATIONS.filter((op) => [...(statuses.get(op.key)?.keys() ?? [])].some((s) => s >= 200 && s < 300));
    if (process.env.FUZZ_VERBOSE) {
      const lines = OPERATIONS.map((op) => `${op.key}: ${JSON.stringify(Object.fromEntries(statuses.get(op.key) ?? []))}`);
      process.stderr.write(`${lines.join('\n')}\n`);
    }
    expect(statuses.size).toBe(OPERATIONS.length);
    // 105 of 115 with the default seed; a drop means the requests stopped being well-formed enough.
    expect(reached.length / OPERATIONS.length).toBeGreaterThanOrEqual(0.8);
  });
});
