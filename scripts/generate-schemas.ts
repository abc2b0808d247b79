import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { GENERATED_SCHEMAS, REPO_ROOT, SCHEMAS_DIR, renderSchema } from './config-schemas';

// `pnpm schemas` writes schemas/*.schema.json from the zod schemas; `pnpm schemas --check` only says which are stale.

const check = process.argv.includes('--check');
const unknown = process.argv.slice(2).filter((arg) => arg !== '--check');
if (unknown.length > 0) {
  process.stderr.write(`generate-schemas: unknown argument ${unknown.join(' ')}\nusage: pnpm schemas [--check]\n`);
  process.exit(2);
}

const read = (file: string): string | undefined => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
};

mkdirSync(SCHEMAS_DIR, { recursive: true });
const stale: string[] = [];
for (const entry of GENERATED_SCHEMAS) {
  const file = path.join(SCHEMAS_DIR, entry.file);
  const text = renderSchema(entry);
  if (read(file) === text) continue;
  stale.push(path.relative(REPO_ROOT, file));
  if (!check) writeFileSync(file, text);
}
if (check && stale.length > 0) {
  process.stderr.write(`stale JSON Schemas (run pnpm schemas): ${stale.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(
  stale.length === 0 ? 'schemas/ is up to date\n' : `${check ? 'stale' : 'wrote'} ${stale.join(', ')}\n`,
);
