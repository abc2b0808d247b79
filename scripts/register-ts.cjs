// Lets Node require .ts files (the repo runs TypeScript without a build step): each file is transpiled by esbuild
// (scripts/transpile-ts.cjs; types are `pnpm typecheck`'s job) and kept by content hash in the temp folder, so a
// rerun starts no compiler at all. Stack traces point at the TypeScript lines.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { transpile, transpileKey } = require('./transpile-ts.cjs');

const cacheDir = path.join(os.tmpdir(), `glue-cd-transpiled-${os.userInfo().uid}`);

const load = (module, filename) => {
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

if (!require.extensions['.ts']) {
  process.setSourceMapsEnabled(true);
  require.extensions['.ts'] = load;
}
