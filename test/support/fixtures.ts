import { randomBytes } from 'node:crypto';
import { TestApp, OPERATOR_PASSWORD } from './test-app';

export interface Session {
  token: string;
  refreshToken?: string;
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function expectOk<T>(res: { status: number; body: unknown }, status: number, what: string): Promise<T> {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as T;
}

export async function loginOperator(t: TestApp): Promise<Session> {
  const res = await t.http.post('/v1/auth/login').send({ username: 'operator', password: OPERATOR_PASSWORD });
  const body = await expectOk<{ accessToken: string; refreshToken: string }>(res, 200, 'operator login');
  return { token: body.accessToken, refreshToken: body.refreshToken };
}

export async function login(t: TestApp, tenant: string, username: string, password: string): Promise<Session> {
  const res = await t.http.post('/v1/auth/login').send({ tenant, username, password });
  const body = await expectOk<{ accessToken: string; refreshToken: string }>(res, 200, `login ${tenant}/${username}`);
  return { token: body.accessToken, refreshToken: body.refreshToken };
}

export interface TenantFixture {
  id: string;
  slug: string;
  rootUnitId: string;
  admin: Session;
  adminPassword: string;
}

/** A tenant (a province) with its admin logged in. */
export async function createTenant(
  t: TestApp,
  operator: Session,
  overrides: { slug?: string; name?: string; divisionCode?: string } = {},
): Promise<TenantFixture> {
  const slug = overrides.slug ?? `t-${randomBytes(3).toString('hex')}`;
  const adminPassword = 'admin-password-123';
  const res = await t.http
    .post('/v1/tenants')
    .set(bearer(operator.token))
    .send({
      slug,
      name: overrides.name ?? '湖南省',
      root: { name: overrides.name ?? '湖南省', level: 'province', divisionCode: overrides.divisionCode ?? '430000' },
      admin: { username: 'admin', displayName: '管理员', password: adminPassword },
    });
  const body = await expectOk<{ id: string; rootUnitId: string }>(res, 201, 'create tenant');
  const admin = await login(t, slug, 'admin', adminPassword);
  return { id: body.id, slug, rootUnitId: body.rootUnitId, admin, adminPassword };
}

export interface UnitRow {
  code: string;
  parentCode?: string;
  name: string;
  shortName?: string;
  level: 'province' | 'city' | 'county' | 'bureau';
  divisionCode?: string;
  sector?: string;
  sectorParentCode?: string;
  supervisor?: boolean;
}

/** Imports rows and returns the ids of the units by code. */
export async function importUnits(t: TestApp, tenant: TenantFixture, units: UnitRow[]): Promise<Record<string, string>> {
  const res = await t.http.post('/v1/units/import').set(bearer(tenant.admin.token)).send({ units });
  await expectOk(res, 201, 'import units');
  const ids: Record<string, string> = {};
  let cursor: string | undefined;
  do {
    const page = await t.http
      .get('/v1/units')
      .query({ limit: 500, ...(cursor ? { cursor } : {}) })
      .set(bearer(tenant.admin.token));
    const body = await expectOk<{ items: { id: string; code: string }[]; nextCursor?: string }>(page, 200, 'list units');
    body.items.forEach((u) => (ids[u.code] = u.id));
    cursor = body.nextCursor;
  } while (cursor);
  return ids;
}

/** Two cities, each with a supervising office and a county with a bureau. */
export const TWO_CITY_TREE: UnitRow[] = [
  { code: 'cs', name: '长沙市', shortName: '长沙', level: 'city', divisionCode: '430100' },
  { code: 'cs-wxb', parentCode: 'cs', name: '长沙市委网信办', level: 'bureau', sector: 'cyberspace', supervisor: true },
  { code: 'tx', parentCode: 'cs', name: '长沙市天心区', shortName: '天心', level: 'county', divisionCode: '430103' },
  { code: 'tx-gaj', parentCode: 'tx', name: '长沙市公安局天心分局', shortName: '天心公安', level: 'bureau', sector: 'public_security' },
  { code: 'zz', name: '株洲市', shortName: '株洲', level: 'city', divisionCode: '430200' },
  { code: 'zz-wxb', parentCode: 'zz', name: '株洲市委网信办', level: 'bureau', sector: 'cyberspace', supervisor: true },
  { code: 'hd', parentCode: 'zz', name: '株洲市荷塘区', shortName: '荷塘', level: 'county', divisionCode: '430202' },
  { code: 'hd-gaj', parentCode: 'hd', name: '株洲市公安局荷塘分局', shortName: '荷塘公安', level: 'bureau', sector: 'public_security' },
];

export async function createUser(
  t: TestApp,
  tenant: TenantFixture,
  user: { username: string; role: string; unitId: string; password?: string },
): Promise<{ id: string; session: Session }> {
  const password = user.password ?? 'user-password-123';
  const res = await t.http
    .post('/v1/users')
    .set(bearer(tenant.admin.token))
    .send({ username: user.username, displayName: user.username, password, role: user.role, unitId: user.unitId });
  const body = await expectOk<{ id: string }>(res, 201, `create user ${user.username}`);
  return { id: body.id, session: await login(t, tenant.slug, user.username, password) };
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  requestId: string;
  code?: string;
  errors?: { pointer: string; reason: string }[];
}

/** Asserts an RFC 9457 problem-details answer with the given status and returns its body. */
export function expectProblem(
  res: { status: number; headers: Record<string, string>; body: unknown; text?: string },
  status: number,
): ProblemBody {
  if (res.status !== status) throw new Error(`expected a ${status} problem, got ${res.status} ${res.text ?? JSON.stringify(res.body)}`);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = (res.body && Object.keys(res.body as object).length > 0 ? res.body : JSON.parse(res.text ?? '{}')) as ProblemBody;
  expect(body).toMatchObject({
    type: expect.stringMatching(/^https:\/\/govmatrix\.dev\/problems\/[a-z-]+$/),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    requestId: expect.any(String),
  });
  expect(res.headers['x-request-id']).toBe(body.requestId);
  return body;
}

/** The pointers named by a problem's errors[]. */
export const pointersOf = (problem: ProblemBody): string[] => (problem.errors ?? []).map((e) => e.pointer);

export interface UnitItem {
  id: string;
  parentId: string | null;
  code: string | null;
  name: string;
  level: string;
  depth: number;
  active: boolean;
  sector: string;
  sectorParentId: string | null;
  divisionCode: string | null;
  supervisor: boolean;
  shortName: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Every unit of a listing, following the cursor through all pages. */
export async function listAllUnits(t: TestApp, token: string, query: Record<string, string | number | boolean> = {}): Promise<UnitItem[]> {
  const items: UnitItem[] = [];
  let cursor: string | undefined;
  do {
    const res = await t.http
      .get('/v1/units')
      .query({ limit: 500, ...query, ...(cursor ? { cursor } : {}) })
      .set(bearer(token));
    const body = await expectOk<{ items: UnitItem[]; nextCursor?: string }>(res, 200, 'list units');
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return items;
}

export interface ClientFixture {
  id: string;
  clientId: string;
  clientSecret: string;
}

/** A machine client registered by the tenant admin (the secret is only in this answer). */
export async function createClient(
  t: TestApp,
  tenant: TenantFixture,
  client: { name: string; unitId: string; scopes?: string[] },
): Promise<ClientFixture> {
  const res = await t.http
    .post('/v1/clients')
    .set(bearer(tenant.admin.token))
    .send({ name: client.name, unitId: client.unitId, scopes: client.scopes ?? ['read:own'] });
  const body = await expectOk<ClientFixture>(res, 201, `create client ${client.name}`);
  return { id: body.id, clientId: body.clientId, clientSecret: body.clientSecret };
}

/** Client credentials for an access token. */
export async function clientLogin(t: TestApp, client: ClientFixture): Promise<Session> {
  const res = await t.http.post('/v1/auth/token').send({ clientId: client.clientId, clientSecret: client.clientSecret });
  const body = await expectOk<{ accessToken: string }>(res, 200, `client token ${client.clientId}`);
  return { token: body.accessToken };
}

/** The same rows with every unit name marked, so that two tenants' trees are told apart in responses. */
export const markUnitNames = (rows: UnitRow[], mark: string): UnitRow[] => rows.map((row) => ({ ...row, name: `${row.name}${mark}` }));
