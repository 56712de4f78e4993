import { createHash } from 'node:crypto';

/** The role the application runs as: owns nothing, cannot bypass row-level security. */
export const APP_ROLE = 'govmatrix_app';
/** Owns the authentication functions: reads across tenants, logs in never. */
export const AUTH_ROLE = 'govmatrix_auth';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/**
 * The app role's password when no APP_DATABASE_URL is given: derived from the owner's server
 * credentials, so every replica (and every database of one server: roles are server-wide)
 * computes the same one, as secret as the owner's password.
 */
export function derivedAppPassword(ownerUrl: string): string {
  const { username, password, host } = new URL(ownerUrl);
  return createHash('sha256').update(`${APP_ROLE}:${username}:${password}@${host}`).digest('base64url');
}

export function deriveAppUrl(ownerUrl: string): string {
  const parsed = new URL(ownerUrl);
  parsed.username = APP_ROLE;
  parsed.password = derivedAppPassword(ownerUrl);
  return parsed.toString();
}
