import { resolve } from 'node:path';

/** Validated runtime configuration. Built once at boot from the environment. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Owner connection (migrations, provisioning). Absent: start the embedded PostgreSQL. */
  databaseUrl?: string;
  /** Runtime connection as the non-owner role; derived from databaseUrl when absent. */
  appDatabaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  dbPoolSize: number;
  /** Signing keys, first one signs; all verify (rotation). */
  jwtKeys: { kid: string; secret: string }[];
  jwtIssuer: string;
  jwtAudience: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  bodyLimitBytes: number;
  operatorUsername: string;
  operatorPassword?: string;
  /** Run the job schedule in this process (the API by default; set false when workers run it). */
  runScheduler: boolean;
  /** Requests per minute per user or machine client. */
  rateLimitPerMinute: number;
  /** Requests per minute per address without a token (login, client token). */
  anonymousRateLimitPerMinute: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Parses and validates the environment; reports every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const url = (name: string): string | undefined => {
    const raw = env[name];
    if (!raw) return undefined;
    try {
      const parsed = new URL(raw);
      if (!['postgres:', 'postgresql:'].includes(parsed.protocol)) {
        problems.push(`${name} must be a postgres:// URL`);
      }
    } catch {
      problems.push(`${name} is not a valid URL`);
    }
    return raw;
  };

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const nodeEnvRaw = env.NODE_ENV ?? 'development';
  const nodeEnv = (['development', 'production', 'test'] as const).find((e) => e === nodeEnvRaw);
  if (!nodeEnv) problems.push(`NODE_ENV must be development, production or test (got "${nodeEnvRaw}")`);

  const logLevelRaw = env.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info');
  const logLevel = LOG_LEVELS.find((l) => l === logLevelRaw);
  if (!logLevel) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevelRaw}")`);

  const jwtKeys = parseJwtKeys(env.JWT_KEYS, problems);
  if (nodeEnv === 'production' && jwtKeys.length === 0) {
    problems.push('JWT_KEYS is required in production (format "kid:secret[,kid:secret]", secrets of 32+ characters)');
  }

  const config: AppConfig = {
    nodeEnv: nodeEnv ?? 'development',
    host: env.HOST || '0.0.0.0',
    port: int('PORT', 3000, 0, 65535),
    logLevel: logLevel ?? 'info',
    databaseUrl: url('DATABASE_URL'),
    appDatabaseUrl: url('APP_DATABASE_URL'),
    dataDir: resolve(env.DATA_DIR || '.data'),
    embeddedPgPort: int('EMBEDDED_PG_PORT', 54329, 1024, 65535),
    dbPoolSize: int('DB_POOL_SIZE', 10, 1, 200),
    jwtKeys,
    jwtIssuer: env.JWT_ISSUER || 'govmatrix',
    jwtAudience: env.JWT_AUDIENCE || 'govmatrix-api',
    accessTokenTtlSeconds: int('ACCESS_TOKEN_TTL_SECONDS', 900, 30, 86_400),
    refreshTokenTtlSeconds: int('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 256 * 1024 * 1024),
    operatorUsername: env.OPERATOR_USERNAME || 'operator',
    operatorPassword: env.OPERATOR_PASSWORD || undefined,
    runScheduler: bool('RUN_SCHEDULER', nodeEnv !== 'test'),
    rateLimitPerMinute: int('RATE_LIMIT_PER_MINUTE', 1200, 1, 1_000_000),
    anonymousRateLimitPerMinute: int('ANONYMOUS_RATE_LIMIT_PER_MINUTE', 60, 1, 1_000_000),
  };
  if (config.operatorPassword !== undefined && config.operatorPassword.length < 12) {
    problems.push('OPERATOR_PASSWORD must be at least 12 characters');
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function parseJwtKeys(raw: string | undefined, problems: string[]): { kid: string; secret: string }[] {
  if (!raw) return [];
  const keys = raw.split(',').map((entry) => {
    const at = entry.indexOf(':');
    return { kid: entry.slice(0, at).trim(), secret: entry.slice(at + 1).trim() };
  });
  keys.forEach((key, i) => {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(key.kid)) problems.push(`JWT_KEYS entry ${i + 1}: key id must match [A-Za-z0-9._-]{1,64}`);
    if (key.secret.length < 32) problems.push(`JWT_KEYS entry ${i + 1}: secret must be at least 32 characters`);
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) problems.push('JWT_KEYS: key ids must be unique');
  return keys;
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');
