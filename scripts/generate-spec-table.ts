import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installedSpecExtract, installedSpecTable, SPEC_EXTRACT_FILE, SPEC_TABLE_FILE } from './spec-table';

// `pnpm spec-table` writes config/aws-service-spec-table.txt and the local CloudFormation's spec-extract.txt from the
// installed @aws-cdk/aws-service-spec (the one @aws-cdk/cloudformation-diff loads); `--check` only says whether either
// is stale.

const check = process.argv.includes('--check');
let stale = false;
for (const [file, generate] of [
  [SPEC_TABLE_FILE, installedSpecTable],
  [SPEC_EXTRACT_FILE, installedSpecExtract],
] as const) {
  const text = generate();
  let current: string | undefined;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    current = undefined;
  }
  const name = path.relative(process.cwd(), file);
  if (current === text) {
    process.stdout.write(`${name} is up to date\n`);
  } else if (check) {
    process.stderr.write(`stale ${name} (run pnpm spec-table)\n`);
    stale = true;
  } else {
    writeFileSync(file, text);
    process.stdout.write(`wrote ${name}\n`);
  }
}
if (stale) process.exitCode = 1;
