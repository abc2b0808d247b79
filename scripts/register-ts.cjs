// Lets Node require .ts files (the repo runs TypeScript without a build step): each file is transpiled by esbuild
// (scripts/transpile-ts.cjs; types are `pnpm typecheck`'s job) and kept by content hash in the temp folder, so a
// rerun starts no compiler at all. Stack traces point at the TypeScript lines.
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const { transpile, transpileKey } = require('./transpile-ts.cjs');
const { SPEC_PACKAGE, EMBEDDED_SPEC_MODULE } = require('../config/aws-service-spec-table.cjs');

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
  // cloudformation-diff's service spec database: the verified table instead, as in jest (its moduleNameMapper) and in
  // the bundles (config/aws-service-spec-embedded.cjs).
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === SPEC_PACKAGE ? EMBEDDED_SPEC_MODULE : resolveFilename.call(this, request, ...rest);
  };
}
