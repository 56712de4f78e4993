// The API client of the console: tokens in sessionStorage (gone with the tab), one refresh on 401,
// problem details (RFC 9457) turned into errors with a Chinese-friendly message.

const SESSION_KEY = 'govmatrix.session';

/** @typedef {{ accessToken: string, refreshToken?: string, tenant: string, username: string }} Session */

/** @returns {Session | null} */
export function currentSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
}

function saveSession(session) {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }

  /** The message to show: the detail, and each offending field. */
  get display() {
    const fields = (this.problem.errors ?? []).map((e) => `${e.pointer ?? ''} ${e.reason ?? ''}`.trim());
    const prefix = STATUS_TEXT[this.status] ?? `请求失败（${this.status}）`;
    return [prefix, this.message, ...fields].filter(Boolean).join('：');
  }
}

const STATUS_TEXT = {
  0: '无法连接服务器',
  400: '请求有误',
  401: '登录已失效',
  403: '无权限',
  404: '未找到',
  409: '状态冲突',
  422: '数据校验未通过',
  429: '请求过于频繁',
  503: '服务暂不可用',
};

let onSignedOut = () => {};
/** Called when the session ends (refresh refused): the app shows the login page again. */
export function whenSignedOut(handler) {
  onSignedOut = handler;
}

async function send(method, path, { query, body, token, accept } = {}) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  const headers = { Accept: accept ?? 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    return await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new ApiError(0, { detail: String(error?.message ?? error) });
  }
}

async function problemOf(res) {
  try {
    return await res.json();
  } catch {
    return { title: res.statusText };
  }
}

let refreshing = null;
/** One refresh at a time, whatever the number of requests that hit the expiry together. */
async function refresh() {
  const session = currentSession();
  if (!session?.refreshToken) return false;
  refreshing ??= (async () => {
    const res = await send('POST', '/v1/auth/refresh', { body: { refreshToken: session.refreshToken } });
    if (!res.ok) return false;
    const tokens = await res.json();
    saveSession({ ...session, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken ?? session.refreshToken });
    return true;
  })().finally(() => {
    setTimeout(() => (refreshing = null), 0);
  });
  return refreshing;
}

/** A raw authorised request, refreshed once on 401. */
async function authorised(method, path, options = {}) {
  let res = await send(method, path, { ...options, token: currentSession()?.accessToken });
  if (res.status === 401 && (await refresh())) res = await send(method, path, { ...options, token: currentSession()?.accessToken });
  if (res.status === 401) {
    saveSession(null);
    onSignedOut();
  }
  return res;
}

/** JSON in, JSON out; a problem answer throws ApiError. */
export async function api(method, path, options = {}) {
  const res = await authorised(method, path, options);
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  if (res.status === 204) return null;
  return res.json();
}

export const get = (path, query) => api('GET', path, { query });
export const post = (path, body, query) => api('POST', path, { body, query });

/** Downloads a file the API streams (the ledger export): fetched with the token, saved as a blob. */
export async function download(path, query, fallbackName) {
  const res = await authorised('GET', path, { query, accept: '*/*' });
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const match = /filename\*=UTF-8''([^;]+)|filename="?([^";]+)"?/i.exec(disposition);
  const name = match ? decodeURIComponent(match[1] ?? match[2]) : fallbackName;
  const blob = await res.blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return name;
}

export async function login(tenant, username, password) {
  const res = await send('POST', '/v1/auth/login', { body: { tenant, username, password } });
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  const tokens = await res.json();
  saveSession({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, tenant, username });
}

export async function logout() {
  try {
    await send('POST', '/v1/auth/logout', { token: currentSession()?.accessToken });
  } finally {
    saveSession(null);
  }
}

/** Every page of a keyset listing, up to `max` items. */
export async function getAll(path, query = {}, max = 5000) {
  const items = [];
  let cursor;
  do {
    const page = await get(path, { ...query, limit: 500, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && items.length < max);
  return items;
}

let documentPaths = null;
/** The operations the server offers (from its OpenAPI document): the console adapts to the modules present. */
export async function apiPaths() {
  if (!documentPaths) {
    const res = await fetch('/openapi.json');
    documentPaths = res.ok ? ((await res.json()).paths ?? {}) : {};
  }
  return documentPaths;
}
