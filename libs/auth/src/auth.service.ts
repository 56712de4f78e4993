import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, AppConfig, UnauthorizedError, ValidationError } from '@govmatrix/common';
import { AuthContext } from './auth-context';
import { ClientTokenDto, LoginDto, MeDto, TokenResponseDto } from './auth.dto';
import { AuthRepository } from './auth.repository';
import { JWT_ALGORITHM, JwtKeyRing } from './jwt-key-ring';
import { AccessTokenClaims } from './jwt.strategy';
import { hashOpaqueToken, newOpaqueToken, PasswordHasher } from './password-hasher';
import { ClientScope } from './permissions';

const INVALID_LOGIN = 'Invalid tenant, username or password';

@Injectable()
export class AuthService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: AuthRepository,
    private readonly hasher: PasswordHasher,
    private readonly jwt: JwtService,
    private readonly keyRing: JwtKeyRing,
  ) {}

  async login(dto: LoginDto): Promise<TokenResponseDto> {
    if (dto.tenant === undefined) {
      const operator = await this.repository.findOperator(dto.username);
      if (!(await this.hasher.verify(operator?.password_hash, dto.password)) || !operator) throw new UnauthorizedError(INVALID_LOGIN);
      return this.issueSession(null, 'operator', operator.operator_id);
    }
    const user = await this.repository.findUser(dto.tenant, dto.username);
    if (!(await this.hasher.verify(user?.password_hash, dto.password)) || !user) throw new UnauthorizedError(INVALID_LOGIN);
    return this.issueSession(user.tenant_id, 'user', user.user_id);
  }

  async refresh(refreshToken: string): Promise<TokenResponseDto> {
    const next = newOpaqueToken('gmr');
    const session = await this.repository.rotateRefresh(hashOpaqueToken(refreshToken), hashOpaqueToken(next), this.refreshExpiry());
    if (!session) throw new UnauthorizedError('The refresh token is invalid, expired or already used');
    return {
      ...this.accessToken(session.session_id, session.subject_kind as AuthContext['kind'], session.subject_id, session.tenant_id),
      refreshToken: next,
    };
  }

  async logout(auth: AuthContext): Promise<void> {
    await this.repository.revokeSession(auth.sessionId);
  }

  /** OAuth2 client-credentials for subordinate portals: no refresh token, just ask again. */
  async clientToken(dto: ClientTokenDto): Promise<TokenResponseDto> {
    const client = await this.repository.findClient(dto.clientId);
    const presented = hashOpaqueToken(dto.clientSecret);
    if (!client || !timingSafeEqual(client.secret_hash, presented)) throw new UnauthorizedError('Invalid client id or secret');
    const expiresAt = new Date(Date.now() + this.config.accessTokenTtlSeconds * 1000);
    const sessionId = await this.repository.openSession(client.tenant_id, 'client', client.client_pk, null, expiresAt);
    const context = await this.repository.sessionContext(sessionId);
    const granted = (context?.scopes ?? []) as ClientScope[];
    const requested = dto.scopes ?? granted;
    const refused = requested.filter((s) => !granted.includes(s));
    if (refused.length > 0) {
      await this.repository.revokeSession(sessionId);
      throw new ValidationError(`The client does not hold the scopes ${refused.join(', ')}`, [
        { pointer: '/scopes', reason: `not granted to this client: ${refused.join(', ')}` },
      ]);
    }
    return { ...this.accessToken(sessionId, 'client', client.client_pk, client.tenant_id, requested), scopes: requested };
  }

  me(auth: AuthContext): MeDto {
    return {
      kind: auth.kind,
      subjectId: auth.subjectId,
      tenantId: auth.tenantId ?? undefined,
      unitId: auth.unitId ?? undefined,
      role: auth.role ?? undefined,
      scopes: [...auth.scopes],
      permissions: [...auth.permissions].sort(),
    };
  }

  private async issueSession(tenantId: string | null, kind: 'operator' | 'user', subjectId: string): Promise<TokenResponseDto> {
    const refreshToken = newOpaqueToken('gmr');
    const sessionId = await this.repository.openSession(tenantId, kind, subjectId, hashOpaqueToken(refreshToken), this.refreshExpiry());
    return { ...this.accessToken(sessionId, kind, subjectId, tenantId), refreshToken };
  }

  private accessToken(
    sessionId: string,
    kind: AuthContext['kind'],
    subjectId: string,
    tenantId: string | null,
    scopes?: ClientScope[],
  ): TokenResponseDto {
    const claims: Omit<AccessTokenClaims, 'exp'> = {
      sub: subjectId,
      sid: sessionId,
      knd: kind,
      ...(tenantId ? { tid: tenantId } : {}),
      ...(scopes ? { scp: scopes } : {}),
    };
    const key = this.keyRing.signingKey;
    const accessToken = this.jwt.sign(claims, {
      secret: key.secret,
      algorithm: JWT_ALGORITHM,
      keyid: key.kid,
      expiresIn: this.config.accessTokenTtlSeconds,
      issuer: this.config.jwtIssuer,
      audience: this.config.jwtAudience,
    });
    return { accessToken, tokenType: 'Bearer', expiresIn: this.config.accessTokenTtlSeconds };
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.config.refreshTokenTtlSeconds * 1000);
  }
}
