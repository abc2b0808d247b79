// One TypeScript → CommonJS transpile for the project's runners (scripts/run-ts.cjs, the jest transform): esbuild,
// file by file (isolatedModules), for the Node version the project runs on; types are checked by `pnpm typecheck`.
const TARGET = 'node20';

let esbuild;

/** The file's JavaScript, with an inline source map (no sources content) so traces name the TypeScript lines. */
const transpile = (source, filename) => {
  esbuild ??= require('esbuild');
  return esbuild.transformSync(source, {
    loader: 'ts',
    format: 'cjs',
    target: TARGET,
    platform: 'node',
    sourcefile: filename,
    sourcemap: 'inline',
    sourcesContent: false,
  }).code;
};

/** What a transpiled file depends on: the transpiler's version and settings, the file's name and its text. */
const transpileKey = (source, filename) =>
  require('node:crypto')
    .createHash('sha256')
    .update(`${require('esbuild/package.json').version}\0${TARGET}\0${filename}\0${source}`)
    .digest('hex');

module.exports = { transpile, transpileKey, TARGET };
