import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { APP_CONFIG, AppConfig, UnauthorizedError } from '@govmatrix/common';
import { AuthContext } from './auth-context';
import { AuthRepository } from './auth.repository';
import { JWT_ALGORITHM, JwtKeyRing } from './jwt-key-ring';
import { ClientScope, permissionsOf, Role } from './permissions';

export interface AccessTokenClaims {
  sub: string;
  sid: string;
  knd: AuthContext['kind'];
  tid?: string;
  /** Client tokens: the scopes asked for at issue (at most the client's). */
  scp?: string[];
  exp?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verifies access tokens: the algorithm, issuer and audience are pinned at the top level (inside
 * jsonWebTokenOptions passport-jwt ignores them) and `exp` is required. The session behind the
 * token is then looked up, so logout and deactivation take effect at once.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    keyRing: JwtKeyRing,
    private readonly authRepository: AuthRepository,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms: [JWT_ALGORITHM],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      ignoreExpiration: false,
      secretOrKeyProvider: (_req: unknown, rawJwt: string, done: (err: Error | null, key?: string | Buffer) => void) => {
        const key = keyRing.verificationKeyFor(decodeHeader(rawJwt)?.kid);
        // passport-jwt hands the key to jsonwebtoken as it is, which takes a KeyObject; its types predate that.
        if (key) done(null, key as unknown as Buffer);
        else done(new UnauthorizedError('Unknown signing key'));
      },
    });
  }

  async validate(claims: AccessTokenClaims): Promise<AuthContext> {
    // A session id that is not a UUID would fail in SQL (a 400), not as the 401 it is.
    if (typeof claims.exp !== 'number' || typeof claims.sid !== 'string' || !UUID.test(claims.sid) || typeof claims.sub !== 'string') {
      throw new UnauthorizedError('The token lacks required claims');
    }
    const session = await this.authRepository.sessionContext(claims.sid);
    if (!session || session.subject_id !== claims.sub || session.subject_kind !== claims.knd) {
      throw new UnauthorizedError('The session has ended');
    }
    const role = session.role as Role | null;
    const granted = (session.scopes ?? []) as ClientScope[];
    // A narrowed client token keeps only the scopes it was issued with (and the client still holds).
    const scopes = Array.isArray(claims.scp) ? granted.filter((s) => claims.scp!.includes(s)) : granted;
    return {
      kind: session.subject_kind,
      subjectId: session.subject_id,
      sessionId: claims.sid,
      tenantId: session.tenant_id,
      unitId: session.unit_id,
      scopePath: session.scope_path,
      role,
      scopes,
      permissions: permissionsOf(role, scopes),
    };
  }
}

function decodeHeader(rawJwt: string): { kid?: unknown } | undefined {
  try {
    return JSON.parse(Buffer.from(rawJwt.split('.')[0], 'base64url').toString('utf8')) as { kid?: unknown };
  } catch {
    return undefined;
  }
}
