// Lets Node require .ts files (the repo runs TypeScript without a build step): each file is transpiled by esbuild
// (scripts/transpile-ts.cjs; types are `pnpm typecheck`'s job) and kept by content hash in the temp folder, so a
// rerun starts no compiler at all. Stack traces point at the TypeScript lines: a frame in a .ts file is mapped through
// that file's inline source map when a stack is formatted (not Node's source map support, which reads and parses the
// map of every module as it loads, node_modules' included: ~10 % of a process's module loading).
const { Buffer } = require('node:buffer');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const { transpile, transpileKey } = require('./transpile-ts.cjs');
// Every module of a TypeScript command (its .ts files as transpiled, node_modules') compiles from the V8 code cache.
require('./code-cache.cjs').install();
const { SPEC_PACKAGE, EMBEDDED_SPEC_MODULE } = require('../config/aws-service-spec-table.cjs');

const cacheDir = path.join(os.tmpdir(), `glue-cd-transpiled-${os.userInfo().uid}`);

/** The transpiled code of each .ts file loaded, by file name: its inline source map is parsed on a first trace. */
const transpiled = new Map();
const sourceMaps = new Map();
const INLINE_MAP = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;

/** `file:line:column` of a generated position in a .ts file, as its TypeScript; undefined when not mapped. */
const tsPosition = (file, line, column) => {
  if (!sourceMaps.has(file)) {
    const payload = INLINE_MAP.exec(transpiled.get(file) ?? '')?.[1];
    sourceMaps.set(file, payload && new Module.SourceMap(JSON.parse(Buffer.from(payload, 'base64').toString('utf8'))));
  }
  const entry = sourceMaps.get(file)?.findEntry(line - 1, column - 1);
  return entry && entry.originalLine !== undefined
    ? `${file}:${entry.originalLine + 1}:${entry.originalColumn + 1}`
    : undefined;
};

/** V8's frame text, with a .ts file's generated position replaced by its TypeScript one (as is if it cannot be). */
const mappedFrame = (callSite) => {
  const text = String(callSite);
  try {
    const file = callSite.getFileName();
    if (!file || !transpiled.has(file)) return text;
    const generated = `${file}:${callSite.getLineNumber()}:${callSite.getColumnNumber()}`;
    const mapped = tsPosition(file, callSite.getLineNumber(), callSite.getColumnNumber());
    const at = text.lastIndexOf(generated);
    return mapped && at >= 0 ? text.slice(0, at) + mapped + text.slice(at + generated.length) : text;
  } catch {
    return text;
  }
};

/**
 * Node's own formatter (Error.prepareStackTrace's default since Node 20: the head, `TypeError [ERR_…]: …` for Node's
 * errors, then the frames joined as text), handed the frames mapped.
 */
const nodePrepareStackTrace = Error.prepareStackTrace;
const prepareStackTrace = (error, callSites) =>
  nodePrepareStackTrace(
    error,
    callSites.map((callSite) => {
      const text = mappedFrame(callSite);
      return { toString: () => text };
    }),
  );

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
  transpiled.set(filename, code);
  module._compile(code, filename);
};

if (!require.extensions['.ts']) {
  // Unless Node maps every frame itself already (--enable-source-maps), and where it has the default formatter.
  if (typeof nodePrepareStackTrace === 'function' && !process.sourceMapsEnabled)
    Error.prepareStackTrace = prepareStackTrace;
  require.extensions['.ts'] = load;
  // cloudformation-diff's service spec database: the verified table instead, as in jest (its moduleNameMapper) and in
  // the bundles (config/aws-service-spec-embedded.cjs).
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request === SPEC_PACKAGE ? EMBEDDED_SPEC_MODULE : resolveFilename.call(this, request, ...rest);
  };
}
