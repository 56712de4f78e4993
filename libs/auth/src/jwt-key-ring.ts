import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppConfig } from '@govmatrix/common';

export interface JwtKey {
  kid: string;
  secret: string;
}

/**
 * HS256 signing keys by key id: the first signs, all verify, so a key can be rotated in by
 * prepending it and rotated out once its tokens have expired. Outside production a key is
 * generated once into the data folder so that restarts keep sessions valid.
 */
export class JwtKeyRing {
  /**
   * Verification keys as KeyObjects, made once: given a string, jsonwebtoken first tries to parse it as a
   * PEM public key, fails with an exception, then makes the secret key — ~1 ms of CPU on every request.
   */
  private readonly verificationKeys: Map<string, KeyObject>;

  constructor(readonly keys: JwtKey[]) {
    if (keys.length === 0) throw new Error('JwtKeyRing needs at least one key');
    this.verificationKeys = new Map(keys.map((k) => [k.kid, createSecretKey(Buffer.from(k.secret, 'utf8'))]));
  }

  get signingKey(): JwtKey {
    return this.keys[0];
  }

  verificationKeyFor(kid: unknown): KeyObject | undefined {
    return typeof kid === 'string' ? this.verificationKeys.get(kid) : undefined;
  }

  static fromConfig(config: AppConfig): JwtKeyRing {
    if (config.jwtKeys.length > 0) return new JwtKeyRing(config.jwtKeys);
    const file = join(config.dataDir, 'jwt-keys.json');
    if (existsSync(file)) return new JwtKeyRing(JSON.parse(readFileSync(file, 'utf8')) as JwtKey[]);
    const keys = [{ kid: `dev-${randomBytes(4).toString('hex')}`, secret: randomBytes(48).toString('base64url') }];
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
    return new JwtKeyRing(keys);
  }
}

export const JWT_ALGORITHM = 'HS256' as const;
