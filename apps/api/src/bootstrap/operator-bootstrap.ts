import { randomBytes } from 'node:crypto';
import * as argon2 from 'argon2';
import { Client } from 'pg';
import { AppConfig } from '@govmatrix/common';

/**
 * Makes sure the SaaS operator account exists, on the owner connection (the app role cannot
 * touch operators). OPERATOR_PASSWORD sets or resets its password; without it a first start
 * generates one and prints it once.
 */
export async function ensureOperator(ownerUrl: string, config: AppConfig, log: (message: string) => void): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT id FROM operators WHERE username = $1', [config.operatorUsername]);
    if (rows.length > 0 && config.operatorPassword === undefined) return;
    const password = config.operatorPassword ?? randomBytes(12).toString('base64url');
    const hash = await argon2.hash(password, { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await client.query(
      `INSERT INTO operators (username, password_hash) VALUES ($1, $2)
       ON CONFLICT (username) DO UPDATE SET password_hash = EXCLUDED.password_hash, active = true`,
      [config.operatorUsername, hash],
    );
    if (config.operatorPassword === undefined) {
      log(
        `created the operator account "${config.operatorUsername}" with password: ${password} (shown once; set OPERATOR_PASSWORD to choose it)`,
      );
    }
  } finally {
    await client.end();
  }
}
