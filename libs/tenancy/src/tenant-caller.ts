import { AuthContext, isTenantCaller, TenantAuthContext } from '@govmatrix/auth';
import { ForbiddenError } from '@govmatrix/common';

/** Tenant routes serve tenant callers only; the SaaS operator sees no tenant's data. */
export function requireTenantCaller(auth: AuthContext): TenantAuthContext {
  if (!isTenantCaller(auth)) throw new ForbiddenError('Only users and clients of a tenant may do this');
  return auth;
}
