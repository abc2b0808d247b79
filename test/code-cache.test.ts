import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// scripts/code-cache.cjs (a V8 code cache for the CommonJS modules of the repo's tool processes) and the osls plugin
// that installs it, config/osls-code-cache.js: each case runs node processes of its own, as sls and run-ts do.

const CODE_CACHE = path.resolve(__dirname, '../scripts/code-cache.cjs');
const PLUGIN = path.resolve(__dirname, '../config/osls-code-cache.js');

// A module that shows what Node gives a module: its require (relative, builtin, resolve, paths, main, cache), its
// `this`, __filename and __dirname, a hashbang, and the line and column of a frame on line 1; and a module of its
// that calls import().
const MODULE_SOURCE = `#!/usr/bin/env node
const helper = require('./helper.cjs'); const where = () => new Error('here').stack.split('\\n')[1].trim();
const sep = require('node:path').sep; const self = this === module.exports;
module.exports = async () => ({
  helper,
  sep,
  self,
  file: __filename,
  dir: __dirname,
  resolved: require.resolve('./helper.cjs'),
  paths: Array.isArray(require.resolve.paths('x')),
  main: require.main === process.mainModule,
  cached: require.cache[require.resolve('./helper.cjs')].exports === helper,
  imported: await require('./dynamic.cjs')(),
  frame: where(),
  firstLineFrame: require('./first-line.cjs')(),
});`;

const DYNAMIC_SOURCE = `module.exports = async () => (await import('./helper.mjs')).default;`;

/** Runs `entry` (in `dir`) from a runner module in a new node, the cache preloaded unless `preload` is false. */
const run = (
  dir: string,
  cache: string,
  {
    env = {},
    preload = true,
    entry = 'main.cjs',
  }: { env?: Record<string, string>; preload?: boolean; entry?: string } = {},
) => {
  const { GLUE_CD_CACHE_DIR: _packageCache, NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
  const runner = path.join(path.dirname(dir), 'run.cjs');
  writeFileSync(
    runner,
    `require(${JSON.stringify(path.join(dir, entry))})().then((report) => process.stdout.write(JSON.stringify(report)))`,
  );
  const result = spawnSync(process.execPath, [...(preload ? ['--require', CODE_CACHE] : []), runner], {
    env: { ...inherited, GLUE_CD_CODE_CACHE_DIR: cache, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`node exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Record<string, unknown>;
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { cacheFile } = require(CODE_CACHE) as {
  cacheFile: (dir: string, filename: string, source: string, flags?: string) => string;
};
/** The entries kept in the pruning case (GLUE_CD_CODE_CACHE_ENTRIES), fewer than the default to keep it quick. */
const MAX_ENTRIES_HERE = 50;

let work: string;
let dir: string;
let cache: string;
beforeEach(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'code-cache-'));
  dir = path.join(work, 'module');
  cache = path.join(work, 'cache');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'main.cjs'), MODULE_SOURCE);
  writeFileSync(path.join(dir, 'helper.cjs'), `module.exports = 'helper';`);
  writeFileSync(path.join(dir, 'helper.mjs'), `export default 'esm';`);
  writeFileSync(path.join(dir, 'dynamic.cjs'), DYNAMIC_SOURCE);
  writeFileSync(
    path.join(dir, 'first-line.cjs'),
    `module.exports = () => new Error('here').stack.split('\\n')[1].trim();`,
  );
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const cacheFiles = (): string[] => {
  try {
    return readdirSync(cache).sort();
  } catch {
    return [];
  }
};
const stamps = (files: string[]) => files.map((file) => statSync(path.join(cache, file)).mtimeMs);

describe('code cache', () => {
  test('a module runs as Node runs it, with or without a cache, and leaves a cache of each CommonJS module', () => {
    const plain = run(dir, cache, { preload: false });
    expect(cacheFiles()).toEqual([]);
    expect(plain).toMatchObject({
      helper: 'helper',
      sep: path.sep,
      self: true,
      file: path.join(dir, 'main.cjs'),
      dir,
      resolved: path.join(dir, 'helper.cjs'),
      paths: true,
      main: true,
      cached: true,
      imported: 'esm',
    });
    expect(plain.frame).toMatch(/main\.cjs:2:\d+\)$/);
    expect(plain.firstLineFrame).toMatch(/first-line\.cjs:1:\d+\)$/);
    expect(run(dir, cache)).toEqual(plain);
    // The runner, main.cjs and helper.cjs; the ES module and the module that calls import() are Node's alone. A
    // hashbang is kept as a comment.
    const helper = path.basename(cacheFile(cache, path.join(dir, 'helper.cjs'), `module.exports = 'helper';`, ''));
    const main = path.basename(cacheFile(cache, path.join(dir, 'main.cjs'), `//${MODULE_SOURCE.slice(2)}`, ''));
    expect(cacheFiles()).toHaveLength(4);
    expect(cacheFiles()).toEqual(expect.arrayContaining([helper, main]));
    expect(cacheFiles()).not.toContain(
      path.basename(cacheFile(cache, path.join(dir, 'dynamic.cjs'), DYNAMIC_SOURCE, '')),
    );
    expect(run(dir, cache)).toEqual(plain);
  });

  test('the next run compiles from the caches (V8 accepts them: none is written again)', () => {
    run(dir, cache);
    const files = cacheFiles();
    const made = stamps(files);
    const bytes = files.map((file) => readFileSync(path.join(cache, file)));
    run(dir, cache);
    expect(cacheFiles()).toEqual(files);
    expect(stamps(files)).toEqual(made);
    files.forEach((file, index) => expect(readFileSync(path.join(cache, file)).equals(bytes[index]!)).toBe(true));
  });

  test('a cache V8 rejects (here, garbage) costs a compile, then is replaced by a good one', () => {
    const plain = run(dir, cache);
    for (const file of cacheFiles()) writeFileSync(path.join(cache, file), 'not a V8 code cache');
    expect(run(dir, cache)).toEqual(plain);
    for (const file of cacheFiles()) expect(readFileSync(path.join(cache, file)).length).toBeGreaterThan(100);
  });

  test('a changed source gets a cache of its own and runs as changed', () => {
    run(dir, cache);
    writeFileSync(path.join(dir, 'helper.cjs'), `module.exports = 'changed';`);
    expect(run(dir, cache).helper).toBe('changed');
    expect(cacheFiles()).toHaveLength(5);
  });

  test('the same text at another path gets a cache of its own: its traces name its own file', () => {
    const first = run(dir, cache);
    const copy = path.join(work, 'copy');
    cpSync(dir, copy, { recursive: true });
    const copied = run(copy, cache);
    expect(copied.firstLineFrame).toBe(String(first.firstLineFrame).replace(dir, copy));
    expect(copied.firstLineFrame).toContain(path.join(copy, 'first-line.cjs'));
    expect(run(copy, cache)).toEqual(copied);
  });

  test('runs under other V8 flags keep caches of their own; a preload is no V8 flag', () => {
    run(dir, cache);
    const files = cacheFiles();
    run(dir, cache, { env: { NODE_OPTIONS: `--require ${JSON.stringify(path.join(dir, 'helper.cjs'))}` } });
    expect(cacheFiles()).toEqual(files);
    run(dir, cache, { env: { NODE_OPTIONS: '--max-semi-space-size=32' } });
    expect(cacheFiles()).toHaveLength(8);
  });

  test('a syntax error is Node’s own, and leaves no cache of that module', () => {
    const broken = `module.exports = ;`;
    writeFileSync(path.join(dir, 'helper.cjs'), broken);
    const message = (preload: boolean) => {
      try {
        run(dir, cache, { preload });
        return 'ran';
      } catch (error) {
        return String(error)
          .replace(/node exited \d+: /, '')
          .split('\n')
          .slice(0, 5)
          .join('\n');
      }
    };
    expect(message(true)).toContain('SyntaxError: Unexpected token');
    expect(message(true)).toBe(message(false));
    expect(cacheFiles()).not.toContain(path.basename(cacheFile(cache, path.join(dir, 'helper.cjs'), broken, '')));
    expect(cacheFiles()).toContain(
      path.basename(cacheFile(cache, path.join(dir, 'main.cjs'), `//${MODULE_SOURCE.slice(2)}`, '')),
    );
  });

  test('past the entries it keeps, the oldest written go', () => {
    mkdirSync(cache);
    const old = Date.now() / 1000 - 3600;
    for (let index = 0; index < MAX_ENTRIES_HERE; index += 1) {
      const file = path.join(cache, `${index.toString(16).padStart(40, '0')}.v8`);
      writeFileSync(file, '');
      utimesSync(file, old + index, old + index);
    }
    run(dir, cache, { env: { GLUE_CD_CODE_CACHE_ENTRIES: String(MAX_ENTRIES_HERE) } });
    const files = cacheFiles();
    expect(files).toHaveLength(MAX_ENTRIES_HERE);
    // The four oldest made room for the runner's, main.cjs's, helper.cjs's and first-line.cjs's.
    for (const index of ['0', '1', '2', '3']) expect(files).not.toContain(`${index.padStart(40, '0')}.v8`);
    expect(files).toContain(`${'4'.padStart(40, '0')}.v8`);
    expect(files).toContain(
      path.basename(cacheFile(cache, path.join(dir, 'helper.cjs'), `module.exports = 'helper';`, '')),
    );
  });

  test('a cache inside a CodeBuild source folder (never read again) is off; one reached through a link out of it is on', () => {
    const source = path.join(work, 'codebuild-src');
    mkdirSync(source);
    const inside = path.join(source, 'node_modules', '.cache', 'code');
    expect(run(dir, inside, { env: { CODEBUILD_SRC_DIR: source } })).toMatchObject({ helper: 'helper', self: true });
    expect(readdirSync(source)).toEqual([]);
    // The local release's build folders link node_modules entries to the checkout's.
    symlinkSync(work, path.join(source, 'linked'));
    run(dir, path.join(source, 'linked', 'cache'), { env: { CODEBUILD_SRC_DIR: source } });
    expect(cacheFiles().length).toBeGreaterThan(0);
  });

  test('GLUE_CD_CACHE_DIR=off (no caches) turns it off', () => {
    expect(run(dir, cache, { env: { GLUE_CD_CACHE_DIR: 'off' } })).toMatchObject({ helper: 'helper', self: true });
    expect(cacheFiles()).toEqual([]);
  });
});

describe('osls code cache plugin', () => {
  // osls compiles its generated configuration validator from source with module._compile.
  const SCRIPT = `const Module = require('node:module');
const Plugin = require(${JSON.stringify(PLUGIN)});
new Plugin();
new Plugin();
const [filename, source] = process.argv.slice(1);
const generated = new Module(filename);
generated.filename = filename;
generated.paths = Module._nodeModulePaths(require('node:path').dirname(filename));
generated._compile(source, filename);
process.stdout.write(JSON.stringify({ valid: generated.exports({ size: 1 }), invalid: generated.exports({ size: 2 }) }));`;
  const VALIDATOR = `module.exports = function validate(config) { return config.size <= 1; };`;

  const compile = (env: Record<string, string> = {}) => {
    const { GLUE_CD_CACHE_DIR: _packageCache, NODE_OPTIONS: _nodeOptions, ...inherited } = process.env;
    const result = spawnSync(
      process.execPath,
      ['-e', SCRIPT, path.join(dir, '[generated-ajv-validate]0123abcd.js'), VALIDATOR],
      { env: { ...inherited, GLUE_CD_CODE_CACHE_DIR: cache, ...env }, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`node exited ${result.status}: ${result.stderr}`);
    return JSON.parse(result.stdout) as unknown;
  };

  test('installed (once) by the plugin, it caches a module osls compiles after it, which runs the same', () => {
    expect(compile()).toEqual({ valid: true, invalid: false });
    const files = cacheFiles();
    expect(files).toHaveLength(1);
    const made = stamps(files);
    expect(compile()).toEqual({ valid: true, invalid: false });
    expect(stamps(cacheFiles())).toEqual(made);
  });

  test('GLUE_CD_CACHE_DIR=off turns it off', () => {
    expect(compile({ GLUE_CD_CACHE_DIR: 'off' })).toEqual({ valid: true, invalid: false });
    expect(cacheFiles()).toEqual([]);
  });
});
