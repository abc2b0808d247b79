// An osls plugin of every glue-cd service: a V8 code cache for the configuration validator osls generates. osls keeps
// that validator as an 8 MB module of ajv code (~/.serverless/artifacts) and compiles it again in every `sls` run,
// ~0.6 CPU-s of each packaging, before a line of it runs. Node 20 has no compile cache of its own (Node 22's
// module.enableCompileCache), so this plugin compiles that one module with the code V8 made for it last time, taken
// after it ran (V8's cache then holds the functions compiled lazily, which are most of the cost). It changes no
// output: the module is the same source, run the same way; V8 rejects a cache made by another V8 or other flags.
// The cache is a tool cache, like osls's own: node_modules/.cache/osls-code-cache/ of this checkout, built by the
// first packaging of each configuration schema (a fresh clone's first) and reused by the next (GLUE_CD_CODE_CACHE_DIR
// puts it elsewhere); GLUE_CD_CACHE_DIR=off (no caches at all) turns it off.
const { createHash, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** The module osls compiles from the validator's source (lib/classes/config-schema-handler/resolve-ajv-validate.js). */
const GENERATED_VALIDATOR = '[generated-ajv-validate]';
/** Caches kept: one per configuration schema (services with other plugins have other schemas); the oldest go. */
const KEEP = 8;
/** The process's main module: what `require.main` is in every module Node compiles. */
const MAIN = require.main;

/** GLUE_CD_CODE_CACHE_DIR, else node_modules/.cache/osls-code-cache of the checkout (undefined: no caches). */
const cacheDir = (env = process.env) =>
  env.GLUE_CD_CACHE_DIR === 'off' || env.GLUE_CD_CACHE_DIR === ''
    ? undefined
    : path.resolve(
        env.GLUE_CD_CODE_CACHE_DIR || path.join(__dirname, '..', 'node_modules', '.cache', 'osls-code-cache'),
      );

/**
 * The cache file of a source: its content hash, this Node's version and architecture, and its flags (V8 rejects a
 * cache made under other flags: runs with other flags keep caches of their own instead of replacing each other's).
 */
const cacheFile = (dir, source) => {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join('\0');
  const key = createHash('sha256').update(`${process.version}\0${process.arch}\0${flags}\0${source}`).digest('hex');
  return path.join(dir, `${key}.v8`);
};

const readCache = (file) => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

/** Written whole under a unique name and renamed: packagings running at once never read half a cache. */
const writeCache = (dir, file, data) => {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(temp, data);
    fs.renameSync(temp, file);
    const kept = fs
      .readdirSync(dir)
      .filter((name) => name.endsWith('.v8'))
      .map((name) => ({ name, at: fs.statSync(path.join(dir, name)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
    for (const { name } of kept.slice(KEEP)) fs.rmSync(path.join(dir, name), { force: true });
  } catch {
    // A cache that cannot be written costs the next run its compile time, nothing else (and never fails the run).
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // Left for the folder's owner.
    }
  }
};

/** Compiles the generated validator from its code cache; every other module as Node does. */
const install = (dir) => {
  const compile = Module.prototype._compile;
  if (compile.oslsCodeCache) return;
  const made = [];
  const cachedCompile = function (content, filename, format) {
    if (format === 'module' || !path.basename(filename).startsWith(GENERATED_VALIDATOR))
      return compile.call(this, content, filename, format);
    const file = cacheFile(dir, content);
    const cachedData = readCache(file);
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    if (cachedData === undefined || script.cachedDataRejected) made.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true });
    // The module's own require, as Node gives it: resolved from the module's paths (osls sets them to its own).
    const require = (id) => this.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, this, false, options);
    require.cache = Module._cache;
    require.main = MAIN;
    return wrapper.call(this.exports, this.exports, require, this, filename, path.dirname(filename));
  };
  cachedCompile.oslsCodeCache = true;
  Module.prototype._compile = cachedCompile;
  // At exit, when the validator has run: the cache then holds the functions V8 compiled as it ran.
  process.once('exit', () => {
    for (const { script, file } of made) writeCache(dir, file, script.createCachedData());
  });
};

class OslsCodeCache {
  constructor() {
    const dir = cacheDir();
    if (dir) install(dir);
  }
}

module.exports = OslsCodeCache;
module.exports.cacheDir = cacheDir;
