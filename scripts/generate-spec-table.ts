import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { installedSpecTable, SPEC_TABLE_FILE } from './spec-table';

// `pnpm spec-table` writes config/aws-service-spec-table.txt from the installed @aws-cdk/aws-service-spec (the one
// @aws-cdk/cloudformation-diff loads); `--check` only says whether it is stale.

const check = process.argv.includes('--check');
const table = installedSpecTable();
let current: string | undefined;
try {
  current = readFileSync(SPEC_TABLE_FILE, 'utf8');
} catch {
  current = undefined;
}
const name = path.relative(process.cwd(), SPEC_TABLE_FILE);
if (current === table) {
  process.stdout.write(`${name} is up to date\n`);
} else if (check) {
  process.stderr.write(`stale ${name} (run pnpm spec-table)\n`);
  process.exit(1);
} else {
  writeFileSync(SPEC_TABLE_FILE, table);
  process.stdout.write(`wrote ${name}\n`);
}
