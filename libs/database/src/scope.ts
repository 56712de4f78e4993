/**
 * What one transaction may see. Row-level security reads these settings; services also put the same
 * tenant and path into their queries, so isolation holds twice.
 */
export interface DbScope {
  tenantId: string | null;
  /** ltree path of the subtree the caller acts on. */
  scopePath: string | null;
  /** The SaaS operator: sees the tenants list, no tenant's data. */
  operator: boolean;
}

export const tenantScope = (tenantId: string, scopePath: string): DbScope => ({ tenantId, scopePath, operator: false });
export const OPERATOR_SCOPE: DbScope = { tenantId: null, scopePath: null, operator: true };
