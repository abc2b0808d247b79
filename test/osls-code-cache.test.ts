import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// config/osls-code-cache.js, the osls plugin every service lists: each case runs in a node process of its own, as sls
// does, with a module named as osls names its generated configuration validator.

const PLUGIN = path.resolve(__dirname, '../config/osls-code-cache.js');

// A validator-shaped module: it requires a module of its own, keeps state on its function, and reports its filename.
const VALIDATOR_SOURCE = `const self = this === module.exports;
const sep = require('node:path').sep;
module.exports = function validate(config) {
  validate.errors = config.size > 1 ? [{ message: 'size must be <= 1' }] : null;
  return validate.errors === null;
};
module.exports.meta = { sep, file: __filename, dir: __dirname, self };`;

/** Compiles `name` (in `dir`) as osls compiles its validator, with the plugin loaded; what the module did. */
const SCRIPT = `const Module = require('node:module');
const path = require('node:path');
const Plugin = require(${JSON.stringify(PLUGIN)});
new Plugin();
const [dir, name, source] = process.argv.slice(1);
const filename = path.join(dir, name);
const generated = new Module(filename);
generated.filename = filename;
generated.paths = Module._nodeModulePaths(dir);
generated._compile(source, filename);
const validate = generated.exports;
process.stdout.write(JSON.stringify({ small: validate({ size: 1 }), big: validate({ size: 2 }), errors: validate.errors, meta: validate.meta }));`;

let work: string;
let cache: string;
beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'osls-code-cache-'));
  cache = path.join(work, 'cache');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const compileIn = (name: string, env: Record<string, string> = {}, source = VALIDATOR_SOURCE): unknown => {
  const { GLUE_CD_CACHE_DIR: _packageCache, ...inherited } = process.env;
  const result = spawnSync(process.execPath, ['-e', SCRIPT, work, name, source], {
    env: { ...inherited, GLUE_CD_CODE_CACHE_DIR: cache, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`node exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
};

const cacheFiles = (): string[] => {
  try {
    return readdirSync(cache).sort();
  } catch {
    return [];
  }
};

const VALIDATOR = '[generated-ajv-validate]0123abcd.js';
const expected = (name: string) => ({
  small: true,
  big: false,
  errors: [{ message: 'size must be <= 1' }],
  meta: { sep: path.sep, file: path.join(work, name), dir: work, self: true },
});

describe('osls code cache plugin', () => {
  test('the generated validator runs as Node runs it, and leaves one code cache behind', () => {
    expect(compileIn(VALIDATOR)).toEqual(expected(VALIDATOR));
    expect(cacheFiles()).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.v8$/)]);
  });

  test('the next run compiles from that cache (V8 accepts it: it is not written again) and runs the same', () => {
    compileIn(VALIDATOR);
    const [file] = cacheFiles();
    const made = statSync(path.join(cache, file!)).mtimeMs;
    const bytes = readFileSync(path.join(cache, file!));
    expect(compileIn(VALIDATOR)).toEqual(expected(VALIDATOR));
    expect(cacheFiles()).toEqual([file]);
    expect(statSync(path.join(cache, file!)).mtimeMs).toBe(made);
    expect(readFileSync(path.join(cache, file!)).equals(bytes)).toBe(true);
  });

  test('a cache V8 rejects (here, garbage) costs a compile, then is replaced by a good one', () => {
    compileIn(VALIDATOR);
    const [file] = cacheFiles();
    writeFileSync(path.join(cache, file!), 'not a V8 code cache');
    expect(compileIn(VALIDATOR)).toEqual(expected(VALIDATOR));
    expect(readFileSync(path.join(cache, file!)).length).toBeGreaterThan(100);
  });

  test('another source gets a cache of its own', () => {
    compileIn(VALIDATOR);
    compileIn(VALIDATOR, {}, `${VALIDATOR_SOURCE}\nmodule.exports.other = true;`);
    expect(cacheFiles()).toHaveLength(2);
  });

  test('runs under other V8 flags keep a cache of their own, each accepted by its own kind of run', () => {
    const otherFlags = { NODE_OPTIONS: '--max-semi-space-size=32' };
    compileIn(VALIDATOR);
    compileIn(VALIDATOR, otherFlags);
    const files = cacheFiles();
    expect(files).toHaveLength(2);
    const made = files.map((file) => statSync(path.join(cache, file)).mtimeMs);
    expect(compileIn(VALIDATOR, otherFlags)).toEqual(expected(VALIDATOR));
    expect(compileIn(VALIDATOR)).toEqual(expected(VALIDATOR));
    expect(cacheFiles()).toEqual(files);
    expect(files.map((file) => statSync(path.join(cache, file)).mtimeMs)).toEqual(made);
  });

  test('any other module is compiled by Node alone, with no cache', () => {
    expect(compileIn('validator.js')).toEqual(expected('validator.js'));
    expect(cacheFiles()).toEqual([]);
  });

  test('GLUE_CD_CACHE_DIR=off (no caches) turns it off', () => {
    expect(compileIn(VALIDATOR, { GLUE_CD_CACHE_DIR: 'off' })).toEqual(expected(VALIDATOR));
    expect(cacheFiles()).toEqual([]);
  });
});
