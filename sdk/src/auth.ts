import type { Client } from 'openapi-fetch';
import { GovMatrixApiError, GovMatrixAuthError } from './errors';
import type { components, paths } from './generated/schema';

export type ClientScope = NonNullable<components['schemas']['ClientTokenDto']['scopes']>[number];
export type TokenResponse = components['schemas']['TokenResponseDto'];

/** A subordinate portal's machine client: OAuth2 client credentials at `POST /v1/auth/token`. */
export interface ClientCredentialsAuth {
  kind: 'client';
  clientId: string;
  clientSecret: string;
  /** Narrow the token to some of the client's scopes; all of them when omitted. */
  scopes?: ClientScope[];
}

/** A tenant user: `POST /v1/auth/login`, renewed through `POST /v1/auth/refresh`, logged in again when that fails. */
export interface UserAuth {
  kind: 'user';
  /** The tenant's slug. */
  tenant: string;
  username: string;
  password: string;
}

/** A ready-made access token. It cannot be renewed: once it expires or is revoked, calls fail with 401. */
export interface StaticTokenAuth {
  kind: 'token';
  accessToken: string;
}

export type GovMatrixAuth = ClientCredentialsAuth | UserAuth | StaticTokenAuth;

interface CachedToken {
  accessToken: string;
  refreshToken?: string;
  /** When to stop using the token and get a new one (ms since the epoch): a margin before it expires. */
  renewAt: number;
}

/** Statuses of the token endpoints that mean "these credentials will not work", as opposed to "try later". */
const REFUSED = new Set([400, 401, 403, 404, 422]);

/**
 * Obtains, caches and renews access tokens. Renewal is single-flight: concurrent calls that find the
 * token expiring (or rejected) share one request to the token endpoint.
 */
export class TokenManager {
  private current?: CachedToken;
  private pending?: Promise<CachedToken>;

  constructor(
    private readonly auth: GovMatrixAuth,
    /** Unauthenticated, retrying client for the token endpoints. */
    private readonly authApi: Client<paths>,
    private readonly now: () => number,
    private readonly renewalMarginMs: number,
  ) {}

  /** Can a token rejected with 401 be replaced? Not for a static token. */
  get renewable(): boolean {
    return this.auth.kind !== 'token';
  }

  /** A token that is valid for a while yet: the cached one, or a new one. */
  async accessToken(): Promise<string> {
    if (this.auth.kind === 'token') return this.auth.accessToken;
    const cached = this.current;
    if (cached && this.now() < cached.renewAt) return cached.accessToken;
    return (await this.renew(cached)).accessToken;
  }

  /** The server rejected `rejected` (401): replace it, unless a concurrent call already did. */
  async renewAfterRejection(rejected: string): Promise<string | undefined> {
    if (this.auth.kind === 'token') return undefined;
    const cached = this.current;
    if (cached && cached.accessToken !== rejected && this.now() < cached.renewAt) return cached.accessToken;
    return (await this.renew(cached)).accessToken;
  }

  /** The cached token, if any, without obtaining one. */
  peek(): string | undefined {
    return this.auth.kind === 'token' ? this.auth.accessToken : this.current?.accessToken;
  }

  /** Forget the cached token (after logout). */
  clear(): void {
    this.current = undefined;
  }

  private renew(from: CachedToken | undefined): Promise<CachedToken> {
    if (!this.pending) {
      this.pending = this.obtain(from)
        .then(
          (token) => {
            this.current = token;
            return token;
          },
          (error: unknown) => {
            this.current = undefined;
            throw error;
          },
        )
        .finally(() => {
          this.pending = undefined;
        });
    }
    return this.pending;
  }

  private async obtain(from: CachedToken | undefined): Promise<CachedToken> {
    const auth = this.auth;
    switch (auth.kind) {
      case 'client':
        return this.clientCredentials(auth);
      case 'user':
        if (from?.refreshToken) {
          try {
            return await this.refresh(from.refreshToken);
          } catch (error) {
            // An ended session (logout, revocation, expiry) refuses its refresh token: log in again.
            // Anything else (the server unreachable, overloaded) is not solved by a login.
            if (!(error instanceof GovMatrixApiError && REFUSED.has(error.status))) throw error;
          }
        }
        return this.login(auth);
      case 'token':
        return { accessToken: auth.accessToken, renewAt: Number.POSITIVE_INFINITY };
    }
  }

  private async clientCredentials(auth: ClientCredentialsAuth): Promise<CachedToken> {
    const { data, error, response } = await this.authApi.POST('/v1/auth/token', {
      body: { clientId: auth.clientId, clientSecret: auth.clientSecret, ...(auth.scopes ? { scopes: auth.scopes } : {}) },
    });
    if (!data) {
      throw this.refusal(
        response,
        error,
        '/v1/auth/token',
        `Could not obtain an access token for client ${auth.clientId}`,
        'the client id or secret is wrong, the secret was rotated, the client was deactivated, or it lacks the requested scopes',
      );
    }
    return this.cache(data);
  }

  private async login(auth: UserAuth): Promise<CachedToken> {
    const { data, error, response } = await this.authApi.POST('/v1/auth/login', {
      body: { tenant: auth.tenant, username: auth.username, password: auth.password },
    });
    if (!data) {
      throw this.refusal(
        response,
        error,
        '/v1/auth/login',
        `Could not log in as ${auth.tenant}/${auth.username}`,
        'the tenant, username or password is wrong, or the user was deactivated',
      );
    }
    return this.cache(data);
  }

  private async refresh(refreshToken: string): Promise<CachedToken> {
    const { data, error, response } = await this.authApi.POST('/v1/auth/refresh', { body: { refreshToken } });
    if (!data) throw GovMatrixApiError.fromResponse(response, error, { method: 'POST', url: response.url || '/v1/auth/refresh' });
    return this.cache(data);
  }

  private cache(token: TokenResponse): CachedToken {
    const lifetimeMs = Math.max(0, token.expiresIn * 1000);
    const margin = Math.min(this.renewalMarginMs, lifetimeMs / 2);
    return { accessToken: token.accessToken, refreshToken: token.refreshToken, renewAt: this.now() + lifetimeMs - margin };
  }

  private refusal(response: Response, body: unknown, path: string, what: string, hint: string): GovMatrixApiError {
    const request = { method: 'POST', url: response.url || path };
    const plain = GovMatrixApiError.fromResponse(response, body, request);
    if (!REFUSED.has(response.status)) return plain;
    const detail = plain.detail ? `: ${plain.detail}` : '';
    const id = plain.requestId ? ` [request ${plain.requestId}]` : '';
    return new GovMatrixAuthError(plain.problem, request, `${what} (${plain.status} ${plain.title}${detail}); ${hint}${id}`);
  }
}
