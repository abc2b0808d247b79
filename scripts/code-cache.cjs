// A V8 code cache for the CommonJS modules of this repo's tool processes: sls (preloaded by the release's packagings
// and scripts/package-stages.js, and installed by the osls plugin config/osls-code-cache.js where sls runs without
// it), and every TypeScript command run from the checkout (scripts/register-ts.cjs: the release, the CLI, the bench).
// Each module is compiled with the code V8 made for it the last time that source ran, instead of parsed and compiled
// anew: a packaging loads ~1,000–1,700 modules (osls, its plugins, the SDK, serverless-esbuild), and compiling them is
// ~0.4 CPU-s of each sls. Node 22 has a compile cache of its own (module.enableCompileCache); Node 20 has none, and
// this is the same idea with Node's public pieces: vm.Script with `cachedData`.
//
// It changes no output: a module is the same source, run as Node runs it (its own require, exports, __filename,
// __dirname, `this`, the same line and column in stack traces; one that calls import() is Node's to compile); V8
// rejects a cache made by another V8 or under other flags, and the module is then compiled as before. A cache is
// taken when the process exits, after the module ran, so it holds the functions V8 compiled lazily as they were
// called (most of the cost).
//
// A tool cache like osls's own ~/.serverless: node_modules/.cache/glue-cd-code-cache/ of this checkout, one file per
// module (file name, content, Node version, architecture and V8 flags), written whole under a unique name and renamed
// (processes running at once never read half a file); the newest 8,000 are kept (GLUE_CD_CODE_CACHE_ENTRIES: another
// number). GLUE_CD_CODE_CACHE_DIR puts it elsewhere; GLUE_CD_CACHE_DIR=off (no caches at all) turns it off, and so
// does a cache folder inside a CodeBuild build's source (never read again: see cacheDir). It never fails a process:
// a cache that cannot be read or written costs a compile.
'use strict';
const { createHash, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/** Cache files kept (a release reaches ~2,500 distinct modules); past it, the oldest written go. */
const MAX_ENTRIES = 8000;
/** GLUE_CD_CODE_CACHE_ENTRIES (a positive integer) keeps another number of entries. */
const maxEntries = (env = process.env) =>
  /^[1-9][0-9]*$/.test(env.GLUE_CD_CODE_CACHE_ENTRIES ?? '') ? Number(env.GLUE_CD_CODE_CACHE_ENTRIES) : MAX_ENTRIES;
const SUFFIX = '.v8';

/** The real path of `file`, or of its nearest folder that exists with the rest appended (links resolved). */
const realPath = (file) => {
  try {
    return fs.realpathSync(file);
  } catch {
    const parent = path.dirname(file);
    return parent === file ? file : path.join(realPath(parent), path.basename(file));
  }
};

/**
 * GLUE_CD_CODE_CACHE_DIR, else node_modules/.cache/glue-cd-code-cache of the checkout; undefined (no cache) when
 * caches are off, or when it would be inside a CodeBuild build's source folder (CODEBUILD_SRC_DIR): a build starts
 * from a new source folder, so a cache there would be written (~1 s of each process that loads a tool) and never
 * read. The local release's builds link the checkout's packages into their source but not node_modules/.cache, so
 * they run as on CodeBuild.
 */
const cacheDir = (env = process.env) => {
  if (env.GLUE_CD_CACHE_DIR === 'off' || env.GLUE_CD_CACHE_DIR === '') return undefined;
  const dir = path.resolve(
    env.GLUE_CD_CODE_CACHE_DIR || path.join(__dirname, '..', 'node_modules', '.cache', 'glue-cd-code-cache'),
  );
  if (env.CODEBUILD_SRC_DIR) {
    const relative = path.relative(realPath(path.resolve(env.CODEBUILD_SRC_DIR)), realPath(dir));
    if (relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative))) return undefined;
  }
  return dir;
};

/**
 * The process's flags as V8 sees them: its execArgv and NODE_OPTIONS without the modules they preload (`--require`
 * changes no V8 flag; the release preloads this file into sls, and sls and the release then share their entries).
 */
const v8Flags = () =>
  [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
    .filter((flag, index, flags) => {
      if (flag === '' || /^(--require|-r)=/.test(flag) || flag === '--require' || flag === '-r') return false;
      return !(flags[index - 1] === '--require' || flags[index - 1] === '-r');
    })
    .join('\0');

/**
 * The cache file of a module: the hash of its file name and content with this Node's version, architecture and V8
 * flags. The name counts: V8 keeps the script name of the compile that made a cache, and stack traces would name
 * another copy of the same text (the Build's copy of the source, say).
 */
const cacheFile = (dir, filename, source, flags = v8Flags()) =>
  path.join(
    dir,
    `${createHash('sha1').update(`${process.version}\0${process.arch}\0${flags}\0${filename}\0`).update(source).digest('hex')}${SUFFIX}`,
  );

const readCache = (file) => {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
};

/** The entries past the number kept, oldest written first, are removed (only when a process wrote some). */
const prune = (dir) => {
  const keep = maxEntries();
  const names = fs.readdirSync(dir).filter((name) => name.endsWith(SUFFIX));
  if (names.length <= keep) return;
  const dated = [];
  for (const name of names) {
    try {
      dated.push({ name, at: fs.statSync(path.join(dir, name)).mtimeMs });
    } catch {
      // Removed by another process meanwhile.
    }
  }
  dated.sort((a, b) => b.at - a.at);
  for (const { name } of dated.slice(keep)) fs.rmSync(path.join(dir, name), { force: true });
};

const writeCaches = (dir, made) => {
  if (made.length === 0) return;
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch {
    return;
  }
  for (const { script, file } of made) {
    const temp = `${file}.${randomUUID()}.tmp`;
    try {
      fs.writeFileSync(temp, script.createCachedData());
      fs.renameSync(temp, file);
    } catch {
      try {
        fs.rmSync(temp, { force: true });
      } catch {
        // Left for the folder's owner: an exit handler that throws would change the process's exit code.
      }
    }
  }
  try {
    prune(dir);
  } catch {
    // Left for the next process that writes.
  }
};

/** The `require` Node gives a module (lib/internal/modules/helpers.js makeRequireFunction). */
const requireOf = (module) => {
  const require = (id) => module.require(id);
  const resolve = (request, options) => Module._resolveFilename(request, module, false, options);
  resolve.paths = (request) => Module._resolveLookupPaths(request, module);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
};

/** An import() call, or text that looks like one (a string, a comment): such a module is left to Node. */
const DYNAMIC_IMPORT = /\bimport\s*\(/;

/** The wrapper's first line is code too: frames on a module's first line keep the column Node reports. */
const WRAPPER_COLUMNS = Module.wrapper[0].length;

/** Installs the cache in this process (once; later calls do nothing). Returns whether it is on. */
const install = (dir = cacheDir()) => {
  const compile = Module.prototype._compile;
  if (compile.glueCdCodeCache) return true;
  if (dir === undefined) return false;
  const made = [];
  const flags = v8Flags();
  const cachedCompile = function (content, filename, format) {
    // ES modules (require(esm)), type-stripped TypeScript, anything but a string, and a module that may call
    // import(): Node's own compile (on Node 20 a vm.Script's import() needs an experimental loader, and a script
    // compiled from a code cache loses it).
    if ((format !== undefined && format !== 'commonjs') || typeof content !== 'string' || DYNAMIC_IMPORT.test(content))
      return compile.call(this, content, filename, format);
    // Node strips a hashbang line only at the start of a file; inside the wrapper it becomes a comment.
    const source = content.startsWith('#!') ? `//${content.slice(2)}` : content;
    const file = cacheFile(dir, filename, source, flags);
    const cachedData = readCache(file);
    let script;
    try {
      script = new vm.Script(Module.wrap(source), {
        filename,
        columnOffset: -WRAPPER_COLUMNS,
        cachedData,
      });
    } catch {
      // A syntax error (or ESM syntax Node may detect): Node's compile reports or handles it as it would.
      return compile.call(this, content, filename, format);
    }
    if (cachedData === undefined || script.cachedDataRejected) made.push({ script, file });
    const wrapper = script.runInThisContext({ displayErrors: true });
    return Reflect.apply(wrapper, this.exports, [
      this.exports,
      requireOf(this),
      this,
      filename,
      path.dirname(filename),
    ]);
  };
  cachedCompile.glueCdCodeCache = true;
  Module.prototype._compile = cachedCompile;
  // At exit, when the modules have run: V8's cache then holds the functions it compiled as they were called.
  process.once('exit', () => writeCaches(dir, made));
  return true;
};

module.exports = { install, cacheDir, cacheFile };

// Preloaded (`node --require scripts/code-cache.cjs`, Node's own preload parent): on before any other module loads.
if (module.parent?.id === 'internal/preload') install();
