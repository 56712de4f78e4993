/** Every permission a route can require. A route declares exactly one (or is @Public). */
export const Permission = {
  TenantsCreate: 'tenants.create',
  TenantsRead: 'tenants.read',
  UnitsRead: 'units.read',
  UnitsWrite: 'units.write',
  UsersRead: 'users.read',
  UsersWrite: 'users.write',
  ClientsRead: 'clients.read',
  ClientsWrite: 'clients.write',
  SelfRead: 'self.read',
  AccountsRead: 'accounts.read',
  AccountsWrite: 'accounts.write',
  AccountsExport: 'accounts.export',
  AccountsApprove: 'accounts.approve',
  FilingsSubmit: 'filings.submit',
  FilingsReview: 'filings.review',
  FindingsRead: 'findings.read',
  AuditRead: 'audit.read',
  AuditVerify: 'audit.verify',
  SettingsRead: 'settings.read',
  SettingsWrite: 'settings.write',
  CalendarWrite: 'calendar.write',
  ReportsWrite: 'reports.write',
  MetricsRead: 'metrics.read',
  JobsRead: 'jobs.read',
  JobsRun: 'jobs.run',
  FindingsWrite: 'findings.write',
  MatrixRead: 'matrix.read',
  CasesRead: 'cases.read',
  CasesWrite: 'cases.write',
  RectificationSubmit: 'rectifications.submit',
  NoticesRead: 'notices.read',
  WebhooksManage: 'webhooks.manage',
  ScoresRead: 'scores.read',
  ScoresWrite: 'scores.write',
  ModelsWrite: 'score_models.write',
  RepostTasksRead: 'repost_tasks.read',
  RepostTasksWrite: 'repost_tasks.write',
  SupervisionReportsRead: 'supervision_reports.read',
} as const;
export type Permission = (typeof Permission)[keyof typeof Permission];

export const ROLES = ['operator', 'tenant_admin', 'auditor', 'unit_operator', 'matrix_lead'] as const;
export type Role = (typeof ROLES)[number];
/** Roles a tenant user can hold; `operator` belongs to the SaaS, not to a tenant. */
export const TENANT_ROLES = ['tenant_admin', 'auditor', 'unit_operator', 'matrix_lead'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

export const CLIENT_SCOPES = ['read:own', 'report:filings', 'report:metrics', 'report:rectifications'] as const;
export type ClientScope = (typeof CLIENT_SCOPES)[number];

const P = Permission;

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  operator: [P.TenantsCreate, P.TenantsRead, P.CalendarWrite, P.SelfRead],
  tenant_admin: [
    P.UnitsRead,
    P.UnitsWrite,
    P.UsersRead,
    P.UsersWrite,
    P.ClientsRead,
    P.ClientsWrite,
    P.AccountsRead,
    P.AccountsWrite,
    P.AccountsExport,
    P.FilingsSubmit,
    P.FindingsRead,
    P.AuditRead,
    P.AuditVerify,
    P.SettingsRead,
    P.SettingsWrite,
    P.ReportsWrite,
    P.MetricsRead,
    P.JobsRead,
    P.JobsRun,
    P.MatrixRead,
    P.CasesRead,
    P.RectificationSubmit,
    P.NoticesRead,
    P.WebhooksManage,
    P.ScoresRead,
    P.ScoresWrite,
    P.ModelsWrite,
    P.RepostTasksRead,
    P.RepostTasksWrite,
    P.SupervisionReportsRead,
    P.SelfRead,
  ],
  // The supervising office: reviews filings, approves second accounts, keeps the ledger of its region.
  auditor: [
    P.UnitsRead,
    P.UsersRead,
    P.AccountsRead,
    P.AccountsExport,
    P.AccountsApprove,
    P.FilingsReview,
    P.FindingsRead,
    P.AuditRead,
    P.AuditVerify,
    P.SettingsRead,
    P.MetricsRead,
    P.JobsRead,
    P.FindingsWrite,
    P.MatrixRead,
    P.CasesRead,
    P.CasesWrite,
    P.NoticesRead,
    P.ScoresRead,
    P.ScoresWrite,
    P.ModelsWrite,
    P.RepostTasksRead,
    P.RepostTasksWrite,
    P.SupervisionReportsRead,
    P.SelfRead,
  ],
  // The unit that opened an account manages it (谁开设、谁主管).
  unit_operator: [
    P.UnitsRead,
    P.AccountsRead,
    P.AccountsWrite,
    P.FilingsSubmit,
    P.FindingsRead,
    P.AuditRead,
    P.ReportsWrite,
    P.MetricsRead,
    P.CasesRead,
    P.RectificationSubmit,
    P.NoticesRead,
    P.ScoresRead,
    P.RepostTasksRead,
    P.SelfRead,
  ],
  matrix_lead: [
    P.UnitsRead,
    P.AccountsRead,
    P.AccountsExport,
    P.FindingsRead,
    P.MetricsRead,
    P.CasesRead,
    P.MatrixRead,
    P.ScoresRead,
    P.RepostTasksRead,
    P.RepostTasksWrite,
    P.SupervisionReportsRead,
    P.SelfRead,
  ],
};

export const CLIENT_SCOPE_PERMISSIONS: Record<ClientScope, readonly Permission[]> = {
  'read:own': [P.UnitsRead, P.AccountsRead, P.FindingsRead, P.MetricsRead, P.CasesRead, P.NoticesRead, P.ScoresRead, P.RepostTasksRead],
  'report:filings': [P.AccountsWrite, P.FilingsSubmit],
  'report:metrics': [P.ReportsWrite],
  'report:rectifications': [P.RectificationSubmit],
};

export function permissionsOf(role: Role | null, scopes: readonly ClientScope[]): ReadonlySet<Permission> {
  const granted = new Set<Permission>([P.SelfRead]);
  if (role) ROLE_PERMISSIONS[role].forEach((p) => granted.add(p));
  scopes.forEach((scope) => CLIENT_SCOPE_PERMISSIONS[scope]?.forEach((p) => granted.add(p)));
  return granted;
}
