import createClient, { type Client } from 'openapi-fetch';
import { type GovMatrixAuth, TokenManager } from './auth';
import { GovMatrixApiError, GovMatrixError } from './errors';
import type { components, paths } from './generated/schema';
import {
  type FilingRow,
  type FilingsReportResult,
  type FilingsReportSummary,
  type InteractionRow,
  mergeFilingsResults,
  type MetricRow,
  type PostRow,
  REPORT_BATCH_LIMITS,
  type ReportBatchAnswer,
  type ReportOptions,
  type ReportResult,
  type ReportSummary,
  sendReport,
} from './reports';
import { discard, type FetchLike, fetchWithRetry, resolveRetryOptions, type RetryOptions } from './retry';

export type Me = components['schemas']['MeDto'];
export type Unit = components['schemas']['UnitDto'];
export type UnitPage = components['schemas']['UnitPageDto'];
export type UnitsQuery = NonNullable<paths['/v1/units']['get']['parameters']['query']>;
/** Filters of `listAllUnits`/`iterateUnits`; `pageSize` is the `limit` of each page request. */
export type AllUnitsQuery = Omit<UnitsQuery, 'cursor' | 'limit'> & { pageSize?: number };

/** The typed openapi-fetch client over every route of the API. */
export type GovMatrixApi = Client<paths>;

export interface GovMatrixClientOptions {
  /** Where the API lives, e.g. `https://govmatrix.example.gov.cn` (the routes start with `/v1/`). */
  baseUrl: string;
  auth: GovMatrixAuth;
  /** Retries of 429/503 answers and network errors. */
  retry?: Partial<RetryOptions>;
  /** The fetch to send requests with; default `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
  /** Renew a token this long before it expires (capped at half its lifetime). Default 60 s. */
  tokenRenewalMarginSeconds?: number;
  /** The clock used for token expiry; replace it in tests. */
  now?: () => number;
  /** Waits between resends of a report batch answered `409 request_in_progress`; replace it in tests. */
  sleep?: (ms: number) => Promise<void>;
}

const MAX_PAGE_SIZE = 500;

/** The request each final response answered, so that errors can name it. */
const requests = new WeakMap<Response, Request>();

interface ApiResult<D> {
  data?: D;
  error?: unknown;
  response: Response;
}

/**
 * The data of an openapi-fetch call, or a thrown `GovMatrixApiError` carrying the problem details.
 *
 * ```ts
 * const unit = await unwrap(gm.api.GET('/v1/units/{id}', { params: { path: { id } } }));
 * ```
 */
export async function unwrap<D>(pending: Promise<ApiResult<D>> | ApiResult<D>): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) {
    const request = requests.get(response);
    throw GovMatrixApiError.fromResponse(response, error, { method: request?.method, url: request?.url ?? (response.url || undefined) });
  }
  return data as D;
}

function withBearer(request: Request, token: string): Request {
  const copy = request.clone();
  copy.headers.set('Authorization', `Bearer ${token}`);
  return copy;
}

/**
 * A GovMatrix API client: typed routes (`api`), authentication with cached and renewed tokens, retries
 * with backoff, and convenience methods for what portals do most.
 */
export class GovMatrixClient {
  /**
   * Every route, typed from the OpenAPI document. Authenticated and retried; answers
   * `{ data, error, response }` — pass it to `unwrap()` to get the data or a thrown `GovMatrixApiError`.
   */
  readonly api: GovMatrixApi;
  private readonly tokens: TokenManager;
  private readonly retrying: FetchLike;
  private readonly authApi: GovMatrixApi;
  private readonly sleep?: (ms: number) => Promise<void>;

  constructor(options: GovMatrixClientOptions) {
    if (!options.baseUrl) throw new TypeError('createGovMatrixClient: baseUrl is required');
    if (!options.auth) throw new TypeError('createGovMatrixClient: auth is required');
    const now = options.now ?? Date.now;
    const baseFetch: FetchLike = options.fetch ?? ((request) => globalThis.fetch(request));
    const retry = resolveRetryOptions({ now, ...options.retry });
    this.retrying = (request) => fetchWithRetry(baseFetch, request, retry);
    const baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.authApi = createClient<paths>({ baseUrl, fetch: this.retrying, headers: options.headers });
    this.tokens = new TokenManager(options.auth, this.authApi, now, (options.tokenRenewalMarginSeconds ?? 60) * 1000);
    this.api = createClient<paths>({ baseUrl, fetch: (request) => this.send(request), headers: options.headers });
    this.sleep = options.sleep ?? options.retry?.sleep;
  }

  /** Sends an API request: with a valid token, retried; on a 401, once more with a renewed token. */
  private async send(request: Request): Promise<Response> {
    const token = await this.tokens.accessToken();
    let response = await this.retrying(withBearer(request, token));
    if (response.status === 401 && this.tokens.renewable) {
      const renewed = await this.tokens.renewAfterRejection(token);
      if (renewed !== undefined) {
        await discard(response);
        response = await this.retrying(withBearer(request, renewed));
      }
    }
    requests.set(response, request);
    return response;
  }

  /** A current access token (obtained or renewed as needed), e.g. to hand to another tool. */
  getAccessToken(): Promise<string> {
    return this.tokens.accessToken();
  }

  /** Who the credentials belong to: kind, tenant, unit, role or scopes, and permissions. */
  me(): Promise<Me> {
    return unwrap(this.api.GET('/v1/auth/me'));
  }

  /** Ends the session on the server and forgets the token. Later calls log in again. */
  async logout(): Promise<void> {
    const token = this.tokens.peek();
    this.tokens.clear();
    if (token === undefined) return;
    const { error, response } = await this.authApi.POST('/v1/auth/logout', { headers: { Authorization: `Bearer ${token}` } });
    // 401: the session had already ended, which is what was asked for.
    if (!response.ok && response.status !== 401)
      throw GovMatrixApiError.fromResponse(response, error, { method: 'POST', url: response.url });
  }

  /** One unit of the caller's scope; a unit outside it is a 404 `GovMatrixApiError`. */
  getUnit(id: string): Promise<Unit> {
    return unwrap(this.api.GET('/v1/units/{id}', { params: { path: { id } } }));
  }

  /** One page of units (in tree order); pass `nextCursor` back as `cursor` for the next. */
  listUnits(query: UnitsQuery = {}): Promise<UnitPage> {
    return unwrap(this.api.GET('/v1/units', { params: { query } }));
  }

  /** Every page of units matching the filters, following `nextCursor`. */
  async *unitPages(query: AllUnitsQuery = {}): AsyncGenerator<UnitPage> {
    const { pageSize = MAX_PAGE_SIZE, ...filters } = query;
    let cursor: string | undefined;
    do {
      const page = await this.listUnits({ ...filters, limit: pageSize, ...(cursor ? { cursor } : {}) });
      yield page;
      if (page.nextCursor !== undefined && page.nextCursor === cursor) {
        throw new GovMatrixError(`Paging /v1/units did not advance (cursor ${cursor})`);
      }
      cursor = page.nextCursor;
    } while (cursor);
  }

  /** Every unit matching the filters, one at a time, fetching pages as needed. */
  async *iterateUnits(query: AllUnitsQuery = {}): AsyncGenerator<Unit> {
    for await (const page of this.unitPages(query)) yield* page.items;
  }

  /** Every unit of the caller's scope (or of the filters), across all pages. */
  async listAllUnits(query: AllUnitsQuery = {}): Promise<Unit[]> {
    const units: Unit[] = [];
    for await (const page of this.unitPages(query)) units.push(...page.items);
    return units;
  }

  /**
   * Daily metrics per account and day (`POST /v1/reports/metrics`), in batches of up to 5,000 rows, each
   * with its own `Idempotency-Key` (reused on every retry). A day reported again replaces the stored one
   * (the replaced values are kept in history). Answers the merged batch results; `errors[].index` is the
   * index in `rows`. Needs the `report:metrics` scope (or the reports.write permission).
   */
  reportMetrics(rows: readonly MetricRow[], options: ReportOptions<MetricRow> = {}): Promise<ReportSummary> {
    return sendReport(
      rows,
      REPORT_BATCH_LIMITS.metrics,
      options,
      (batch, query, headers) =>
        this.batchAnswer(this.api.POST('/v1/reports/metrics', { body: { rows: batch }, params: { query }, headers })),
      this.sleep,
    );
  }

  /** Interactions (`POST /v1/reports/interactions`): account A reposted or commented on account B's post on a day. */
  reportInteractions(rows: readonly InteractionRow[], options: ReportOptions<InteractionRow> = {}): Promise<ReportSummary> {
    return sendReport(
      rows,
      REPORT_BATCH_LIMITS.interactions,
      options,
      (batch, query, headers) =>
        this.batchAnswer(this.api.POST('/v1/reports/interactions', { body: { rows: batch }, params: { query }, headers })),
      this.sleep,
    );
  }

  /** Posts (`POST /v1/reports/posts`), for content classification and inspection. */
  reportPosts(rows: readonly PostRow[], options: ReportOptions<PostRow> = {}): Promise<ReportSummary> {
    return sendReport(
      rows,
      REPORT_BATCH_LIMITS.posts,
      options,
      (batch, query, headers) =>
        this.batchAnswer(this.api.POST('/v1/reports/posts', { body: { rows: batch }, params: { query }, headers })),
      this.sleep,
    );
  }

  /**
   * Opening, change and closure filings (`POST /v1/reports/filings`), in batches of up to 500, under the
   * same rules as one by one. `filings` maps each accepted row to the filing created. Needs `report:filings`.
   */
  async reportFilings(rows: readonly FilingRow[], options: ReportOptions<FilingRow> = {}): Promise<FilingsReportSummary> {
    const summary = await sendReport<FilingRow, FilingsReportResult>(
      rows,
      REPORT_BATCH_LIMITS.filings,
      options,
      (batch, query, headers) =>
        this.batchAnswer(this.api.POST('/v1/reports/filings', { body: { rows: batch }, params: { query }, headers })),
      this.sleep,
    );
    return mergeFilingsResults(summary.received, summary.batches);
  }

  private async batchAnswer<R extends ReportResult>(pending: Promise<ApiResult<R>>): Promise<ReportBatchAnswer<R>> {
    const answer = await pending;
    const result = await unwrap(answer);
    return { result, replayed: answer.response.headers.get('idempotency-replayed') === 'true' };
  }
}

/**
 * Creates a client. `auth` is one of
 * - `{ kind: 'client', clientId, clientSecret, scopes? }` — a portal's machine client (client credentials);
 * - `{ kind: 'user', tenant, username, password }` — a tenant user (login, refresh, re-login);
 * - `{ kind: 'token', accessToken }` — a token obtained elsewhere (not renewed).
 */
export function createGovMatrixClient(options: GovMatrixClientOptions): GovMatrixClient {
  return new GovMatrixClient(options);
}
