import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '@govmatrix/common';
import { buildOpenApiDocument, createApp } from '../apps/api/src/bootstrap/create-app';

/**
 * Writes the OpenAPI document to sdk/openapi.json, or with --check fails when the committed copy
 * differs from what the code declares. Runs on the built output (the swagger plugin's metadata)
 * and needs no database: the app is built in preview mode.
 */
async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const target = resolve(__dirname, '../../sdk/openapi.json');
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', JWT_KEYS: `openapi:${'x'.repeat(32)}` });
  const app = await createApp({ config, appDatabaseUrl: 'postgres://unused@127.0.0.1:1/unused', preview: true });
  const document = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
  if (check) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      // reported below
    }
    if (committed !== document) {
      process.stderr.write('sdk/openapi.json is out of date with the API: run `npm run openapi` and commit the result.\n');
      process.exit(1);
    }
    process.stdout.write('sdk/openapi.json matches the API\n');
  } else {
    writeFileSync(target, document);
    process.stdout.write(`wrote ${target}\n`);
  }
  process.exit(0);
}

void main();
