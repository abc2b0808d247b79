// The bundle cache: one esbuild build per function per content on a machine, whatever the stage (used by the shared
// build, config/esbuild-shared-build.cjs). Bundles do not depend on the stage; only the CloudFormation template does.
const { createHash, randomUUID } = require('node:crypto');
const { existsSync } = require('node:fs');
const { mkdir, readFile, readdir, rename, rm, stat, writeFile } = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');

/** Bumped when what an entry holds, or how keys are made, changes. */
const FORMAT = 2;
/** Results kept per key (one per distinct set of inputs); the oldest go first. */
const MAX_RESULTS_PER_KEY = 4;
const MANIFEST = 'manifest.json';
const FILES = 'files';

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** `<GLUE_CD_CACHE_DIR>/bundles` (`off` or empty: no cache), else `$XDG_CACHE_HOME/glue-cd/bundles`: the package cache's root. */
const bundleCacheRoot = (env = process.env) => {
  const configured = env.GLUE_CD_CACHE_DIR;
  if (configured === '' || configured === 'off') return undefined;
  const root = configured ?? path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'glue-cd');
  return path.join(root, 'bundles');
};

/** JSON with sorted object keys, so equal options give equal keys. */
const canonical = (value) =>
  JSON.stringify(value, (_key, item) =>
    item && typeof item === 'object' && !Array.isArray(item)
      ? Object.fromEntries(
          Object.keys(item)
            .sort()
            .map((k) => [k, item[k]]),
        )
      : item,
  );

/** Content hashes of this process by file identity (device, inode, size, mtime, ctime in ns), as ccache's inode cache. */
const hashes = new Map();

const hashFile = async (file) => {
  const info = await stat(file, { bigint: true }).catch(() => undefined);
  if (!info) return 'missing';
  const identity = `${file}\0${info.dev}:${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
  const known = hashes.get(identity);
  if (known) return known;
  const content = await readFile(file).catch(() => undefined);
  if (content === undefined) return 'missing';
  const hash = sha256(content);
  hashes.set(identity, hash);
  return hash;
};

/** A folder's entry names, hashed: a file added beside a first-party input may change what an import resolves to. */
const hashListing = async (dir) => {
  const names = await readdir(dir).catch(() => undefined);
  return names === undefined ? 'missing' : sha256(names.sort().join('\n'));
};

/** The nearest folder at or above `dir` holding `name`. */
const findUp = (dir, name) => {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, name))) return current;
    if (path.dirname(current) === current) return undefined;
  }
};

/**
 * What a build's output depends on besides its input files: esbuild's version, every build option but the output
 * paths (the output folder counts relative to the working folder: source maps name sources relative to it), the
 * plugins (their names and this folder's plugin sources), the working folder, the entry and the lockfile (which fixes
 * what every bare import resolves to).
 */
const buildKey = async (build, entry, workingDir, outDir) => {
  // Where the output goes, and the flags plugins set for themselves, are not what it is.
  const ignored = new Set(['outdir', 'outfile', 'plugins', 'metafile', 'write', 'absWorkingDir', 'entryPoints']);
  const { plugins } = build.initialOptions;
  const options = Object.fromEntries(Object.entries(build.initialOptions).filter(([name]) => !ignored.has(name)));
  const lockRoot = findUp(workingDir, 'pnpm-lock.yaml');
  const pluginSources = await Promise.all(
    ['esbuild-plugins.cjs', 'esbuild-bundle-cache.cjs', 'esbuild-shared-build.cjs'].map((file) =>
      hashFile(path.join(__dirname, file)),
    ),
  );
  return sha256(
    canonical({
      format: FORMAT,
      esbuild: build.esbuild.version,
      options,
      plugins: (plugins ?? []).map((plugin) => plugin.name),
      pluginSources,
      workingDir,
      outDir: path.relative(workingDir, outDir),
      // Names the outputs when set (the entry does otherwise).
      outfile: build.initialOptions.outfile ? path.basename(build.initialOptions.outfile) : null,
      entry,
      lockfile: lockRoot ? await hashFile(path.join(lockRoot, 'pnpm-lock.yaml')) : 'none',
    }),
  );
};

/** Whether a metafile input is a file (a path relative to the working folder); plugin namespaces are covered by the key. */
const isFileInput = (input) => !/^[a-z][\w-]*:/i.test(input);

/**
 * The manifest of a build: every input file with its content hash, and for inputs outside node_modules the listing
 * of their folder and the package.json / tsconfig.json files above them (what resolves their imports), as they are
 * after the build that started at `since`.
 */
const manifestOf = async (workingDir, inputs, since) => {
  const files = new Set(inputs.map((input) => path.resolve(workingDir, input)));
  const folders = new Set();
  const lockRoot = findUp(workingDir, 'pnpm-lock.yaml') ?? path.parse(workingDir).root;
  for (const file of [...files]) {
    if (file.split(path.sep).includes('node_modules')) continue;
    folders.add(path.dirname(file));
    for (let dir = path.dirname(file); dir.startsWith(lockRoot); dir = path.dirname(dir)) {
      for (const name of ['package.json', 'tsconfig.json']) files.add(path.join(dir, name));
      if (dir === lockRoot) break;
    }
  }
  return {
    files: await Promise.all(
      [...files].sort().map(async (file) => [file, await onceAfter(since, `f${file}`, () => hashFile(file))]),
    ),
    folders: await Promise.all(
      [...folders].sort().map(async (dir) => [dir, await onceAfter(since, `d${dir}`, () => hashListing(dir))]),
    ),
  };
};

/** The answer `answers` keeps for `what`, computed (and kept) the first time it is asked. */
const askOnce = (answers, what, compute) => {
  let answer = answers.get(what);
  if (!answer) {
    answer = compute();
    answers.set(what, answer);
  }
  return answer;
};

/**
 * What is asked of the inputs after the build that started at `since` (their stats, hashes and folder listings), asked
 * once: the functions of a shared build end together and share most of their inputs (the SDK), so 13 functions stat
 * and hash ~1,000 files, not ~8,000 (~0.4 CPU-s).
 */
let afterBuild = { since: undefined, answers: new Map() };
const onceAfter = (since, what, compute) => {
  if (afterBuild.since !== since) afterBuild = { since, answers: new Map() };
  return askOnce(afterBuild.answers, what, compute);
};

/** The first input modified after `since` (ms, when the build started), if any. */
const firstChangedSince = async (workingDir, inputs, since) => {
  for (const input of inputs) {
    const file = path.resolve(workingDir, input);
    const info = await onceAfter(since, `s${file}`, () => stat(file).catch(() => undefined));
    if (!info || info.mtimeMs > since || info.ctimeMs > since) return input;
  }
  return undefined;
};

/**
 * Hashes and listings asked by the lookups in flight, by path: a service's functions are looked up together and share
 * most of their inputs (the SDK), so each is read once, a snapshot as one lookup of them all would take.
 */
let asked;
let lookupsInFlight = 0;
const once = (what, compute) => (asked ? askOnce(asked, what, compute) : compute());

/** Whether every recorded input still hashes the same. */
const manifestHolds = async (manifest) => {
  for (const [file, hash] of manifest.files) if ((await once(`f${file}`, () => hashFile(file))) !== hash) return false;
  for (const [dir, hash] of manifest.folders)
    if ((await once(`d${dir}`, () => hashListing(dir))) !== hash) return false;
  return true;
};

/** The newest stored result of `keyDir` whose inputs are unchanged. */
const lookup = async (keyDir) => {
  lookupsInFlight += 1;
  asked ??= new Map();
  try {
    return await newestHolding(keyDir);
  } finally {
    lookupsInFlight -= 1;
    if (lookupsInFlight === 0) asked = undefined;
  }
};

const newestHolding = async (keyDir) => {
  const names = await readdir(keyDir).catch(() => []);
  const results = [];
  for (const name of names.filter((n) => /^[0-9a-f]{64}$/.test(n))) {
    const text = await readFile(path.join(keyDir, name, MANIFEST), 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      results.push({ dir: path.join(keyDir, name), manifest: JSON.parse(text) });
    } catch {
      // A damaged entry is a miss.
    }
  }
  results.sort((a, b) => (b.manifest.createdAt ?? '').localeCompare(a.manifest.createdAt ?? ''));
  for (const result of results) {
    if (result.manifest.format === FORMAT && (await manifestHolds(result.manifest))) return result;
  }
  return undefined;
};

/** Stores outputs (paths relative to outDir, with their sha256) under keyDir/<hash of the manifest>: temp folder, then rename. */
const store = async (keyDir, outDir, outputs, manifest) => {
  await mkdir(keyDir, { recursive: true });
  const body = { format: FORMAT, createdAt: new Date().toISOString(), ...manifest };
  const hashed = [];
  const id = sha256(canonical({ outputs, ...manifest }));
  const entry = path.join(keyDir, id);
  if (existsSync(path.join(entry, MANIFEST))) return;
  const temp = path.join(keyDir, `.tmp-${randomUUID()}`);
  try {
    for (const output of outputs) {
      const content = await readFile(path.join(outDir, output));
      const target = path.join(temp, FILES, output);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, content);
      hashed.push([output, sha256(content)]);
    }
    await writeFile(path.join(temp, MANIFEST), `${JSON.stringify({ ...body, outputs: hashed })}\n`);
    await rename(temp, entry).catch((error) => {
      if (!['EEXIST', 'ENOTEMPTY'].includes(error.code)) throw error;
    });
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  const kept = await readdir(keyDir).catch(() => []);
  const dated = await Promise.all(
    kept
      .filter((n) => /^[0-9a-f]{64}$/.test(n))
      .map(async (n) => ({ n, at: (await stat(path.join(keyDir, n, MANIFEST)).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.at - a.at);
  for (const { n } of dated.slice(MAX_RESULTS_PER_KEY))
    await rm(path.join(keyDir, n), { recursive: true, force: true });
};

const log = (line) => process.stdout.write(`bundle cache: ${line}\n`);

/** Copies a stored result's files where esbuild would have written them; a damaged entry is removed and fails the build. */
const restore = async (hit, outDir) => {
  for (const [output, hash] of hit.manifest.outputs) {
    const content = await readFile(path.join(hit.dir, FILES, output));
    // Checked before use: a damaged entry fails this build (the next one rebuilds), never ships.
    if (sha256(content) !== hash) {
      await rm(hit.dir, { recursive: true, force: true });
      throw new Error(`bundle cache entry ${hit.dir} is damaged (${output}); it was removed: build again`);
    }
    const target = path.join(outDir, output);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
  }
};

/**
 * Stores what one entry's build wrote (outputs relative to outDir) under keyDir, with the manifest of its input files
 * (relative to the working folder), unless one of them changed since `started` (ms).
 */
const remember = async ({ keyDir, entry, workingDir, outDir, outputs, inputs, started }) => {
  // An input changed while esbuild read it (as ccache's "too new" check): the output may match neither version.
  const changedDuring = await firstChangedSince(workingDir, inputs, started);
  if (changedDuring) {
    log(`built ${entry}, not stored: ${changedDuring} changed during the build`);
    return;
  }
  try {
    await store(keyDir, outDir, [...new Set(outputs)].sort(), await manifestOf(workingDir, inputs, started));
    log(`built ${entry} and stored it`);
  } catch (error) {
    log(`could not store ${entry}: ${error.message}`);
  }
};

module.exports = { bundleCacheRoot, buildKey, canonical, isFileInput, lookup, remember, restore };
