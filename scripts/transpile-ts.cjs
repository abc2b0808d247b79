// One TypeScript → CommonJS transpile for the project's runners (scripts/run-ts.cjs, the jest transform): esbuild,
// file by file (isolatedModules), for the Node version the project runs on; types are checked by `pnpm typecheck`.
const TARGET = 'node20';

let esbuild;

const path = require('node:path');

/**
 * The file's JavaScript, with an inline source map (no sources content) so traces name the TypeScript lines. The map
 * names its source by base name, which resolves next to the file itself: the same text in another folder (a build's
 * copy of the source) transpiles to the same output, and the caches key it so.
 */
const transpile = (source, filename) => {
  esbuild ??= require('esbuild');
  return esbuild.transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: TARGET,
    platform: 'node',
    sourcefile: path.basename(filename),
    sourcemap: 'inline',
    sourcesContent: false,
  }).code;
};

/** What a transpiled file depends on: the transpiler's version and settings, the file's base name and its text. */
const transpileKey = (source, filename) =>
  require('node:crypto')
    .createHash('sha256')
    .update(`${require('esbuild/package.json').version}\0${TARGET}\0${path.basename(filename)}\0${source}`)
    .digest('hex');

module.exports = { transpile, transpileKey, TARGET };
