import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

/** OWASP's argon2id minimum (19 MiB, t=2, p=1): ~30 ms here, enough against offline guessing. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  /** Verified against when the account does not exist, so timing does not reveal usernames. */
  private readonly decoy: Promise<string> = argon2.hash(randomBytes(16).toString('hex'), ARGON2_OPTIONS);

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    if (hash === undefined) {
      await argon2.verify(await this.decoy, password).catch(() => false);
      return false;
    }
    return argon2.verify(hash, password).catch(() => false);
  }
}

/** Random tokens and secrets carry 256 bits, so a fast hash is enough to store them. */
export const newOpaqueToken = (prefix: string): string => `${prefix}_${randomBytes(32).toString('base64url')}`;
export const hashOpaqueToken = (token: string): Buffer => createHash('sha256').update(token).digest();
