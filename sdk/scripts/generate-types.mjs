// Generates the SDK's TypeScript types (sdk/src/generated/schema.ts) from the committed OpenAPI document
// (sdk/openapi.json) with openapi-typescript.
//
//   node sdk/scripts/generate-types.mjs           writes sdk/src/generated/schema.ts
//   node sdk/scripts/generate-types.mjs --check   regenerates into a temporary file and fails when the
//                                                 committed schema.ts differs from it
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';

const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(sdkDir, 'openapi.json');
const target = join(sdkDir, 'src', 'generated', 'schema.ts');
const shown = (path) => relative(process.cwd(), path) || path;

async function generate() {
  const ast = await openapiTS(pathToFileURL(source), { silent: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

function firstDifference(a, b) {
  const left = a.split('\n');
  const right = b.split('\n');
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    if (left[i] !== right[i]) return { line: i + 1, committed: left[i], expected: right[i] };
  }
  return undefined;
}

async function main() {
  const check = process.argv.includes('--check');
  const generated = await generate();
  if (!check) {
    writeFileSync(target, generated);
    process.stdout.write(`wrote ${shown(target)} from ${shown(source)}\n`);
    return;
  }

  const dir = mkdtempSync(join(tmpdir(), 'govmatrix-sdk-'));
  try {
    const fresh = join(dir, 'schema.ts');
    writeFileSync(fresh, generated);
    const expected = readFileSync(fresh, 'utf8');
    let committed;
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      process.stderr.write(`${shown(target)} is missing: run \`npm run sdk:generate\` and commit the result.\n`);
      process.exitCode = 1;
      return;
    }
    if (committed !== expected) {
      const diff = firstDifference(committed, expected);
      process.stderr.write(
        `${shown(target)} is out of date with ${shown(source)}: run \`npm run sdk:generate\` (or \`npm run openapi\`) and commit the result.\n` +
          (diff
            ? `  first difference at line ${diff.line}:\n    committed: ${JSON.stringify(diff.committed ?? '<end of file>')}\n    expected:  ${JSON.stringify(diff.expected ?? '<end of file>')}\n`
            : ''),
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(`${shown(target)} matches ${shown(source)}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`SDK type generation failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
