import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { DbScope, OPERATOR_SCOPE, tenantScope } from '@govmatrix/database';
import { UnauthorizedError } from '@govmatrix/common';
import { ClientScope, Permission, Role } from './permissions';

/** Who is calling, resolved once per request from the token and the live session. */
export interface AuthContext {
  kind: 'operator' | 'user' | 'client';
  subjectId: string;
  sessionId: string;
  tenantId: string | null;
  unitId: string | null;
  /** ltree path of the subtree the caller may act on (a supervising office: its region's). */
  scopePath: string | null;
  role: Role | null;
  scopes: readonly ClientScope[];
  permissions: ReadonlySet<Permission>;
}

/** A caller that belongs to a tenant (every caller but the operator). */
export interface TenantAuthContext extends AuthContext {
  tenantId: string;
  unitId: string;
  scopePath: string;
}

export function isTenantCaller(auth: AuthContext): auth is TenantAuthContext {
  return auth.tenantId !== null && auth.scopePath !== null && auth.unitId !== null;
}

/** The row-level-security scope matching the caller. */
export function dbScopeOf(auth: AuthContext): DbScope {
  if (auth.kind === 'operator') return OPERATOR_SCOPE;
  if (!isTenantCaller(auth)) throw new UnauthorizedError();
  return tenantScope(auth.tenantId, auth.scopePath);
}

/** Injects the caller's AuthContext into a controller method. */
export const Auth = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthContext => {
  const user = ctx.switchToHttp().getRequest<{ user?: AuthContext }>().user;
  if (!user) throw new UnauthorizedError();
  return user;
});
