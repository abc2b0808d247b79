#!/usr/bin/env node
// Runs a TypeScript entry point without a build step: each .ts file is transpiled by esbuild (types are tsc's job,
// `pnpm typecheck`), and the result is kept by content hash in the temp folder, so a rerun starts no compiler at all.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { transpile, transpileKey } = require('./transpile-ts.cjs');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-ts.cjs <entry.ts> [args...]');
  process.exit(2);
}

// Stack traces point at the TypeScript lines (each transpiled file carries an inline map).
process.setSourceMapsEnabled(true);
const cacheDir = path.join(os.tmpdir(), `glue-cd-run-ts-${os.userInfo().uid}`);

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const cached = path.join(cacheDir, `${transpileKey(source, filename)}.js`);
  let code;
  try {
    code = fs.readFileSync(cached, 'utf8');
  } catch {
    code = transpile(source, filename);
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const temp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(temp, code);
      fs.renameSync(temp, cached);
    } catch {
      // A read-only temp folder only costs the next run a transpile.
    }
  }
  module._compile(code, filename);
};

require('./promise-with-resolvers.ts');
process.argv = [process.argv[0], path.resolve(entry), ...args];
require(path.resolve(entry));
