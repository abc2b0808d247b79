// The jest transform of every .ts file: the same esbuild transpile as scripts/run-ts.cjs (types are `pnpm typecheck`).
const { transpile, transpileKey } = require('./transpile-ts.cjs');

module.exports = {
  process: (source, filename) => ({ code: transpile(source, filename) }),
  getCacheKey: (source, filename) => transpileKey(source, filename),
};
