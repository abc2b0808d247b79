// One esbuild build for all the functions of a service. serverless-esbuild builds each function on its own, so the 13
// deploy orchestrator bundles parsed the same SDK 13 times (14 s of CPU, the critical path of a cold release). This
// plugin, the last of config/esbuild-plugins.cjs, turns each such build into a stand-in that writes nothing and makes
// one build of all their entries instead. With `splitting` off esbuild links every entry on its own, so each bundle is
// byte for byte what its own build writes; the lazy chunks the bundles still require are then built, again in one
// build. Each entry is served from, or stored in, the bundle cache (config/esbuild-bundle-cache.cjs) on its own.
const path = require('node:path');
const { clearTimeout, setTimeout } = require('node:timers');
const {
  bundleCacheRoot,
  buildKey,
  canonical,
  isFileInput,
  lookup,
  remember,
  restore,
} = require('./esbuild-bundle-cache.cjs');

const NAME = 'glue-cd-shared-build';
const STAND_IN = 'glue-cd-stand-in';
/** How long a batch whose members have all asked for their outputs waits for more to join (builds started together). */
const GATHER_MS = 10;

const log = (line) => process.stdout.write(`esbuild: ${line}\n`);

/** Options that do not make what a build writes (where and how it writes are in the batch's key). */
const NOT_SHARED = new Set(['entryPoints', 'plugins', 'write', 'metafile']);

/** Every input an output's entry reaches in a metafile's import graph: what that entry's own build would have read. */
const inputsOf = (metafile, entryPoint) => {
  const seen = new Set();
  const pending = [entryPoint];
  while (pending.length > 0) {
    const input = pending.pop();
    if (seen.has(input) || !metafile.inputs[input]) continue;
    seen.add(input);
    for (const imported of metafile.inputs[input].imports) if (!imported.external) pending.push(imported.path);
  }
  return [...seen];
};

/** The output file (working-folder relative) whose entry point is `entry`, and its map. */
const outputsFor = (metafile, workingDir, entry) => {
  const wanted = path.resolve(workingDir, entry);
  const js = Object.keys(metafile.outputs).find(
    (output) =>
      metafile.outputs[output].entryPoint !== undefined &&
      path.resolve(workingDir, metafile.outputs[output].entryPoint) === wanted,
  );
  if (!js) return undefined;
  return { js, map: metafile.outputs[`${js}.map`] ? `${js}.map` : undefined };
};

/** The batch open for new members, by key. */
const batches = new Map();
/** Builds with an output file of their own (a batch each). */
let singles = 0;

/**
 * The builds of one key that run as one: members join when their build is set up (serverless-esbuild sets all of a
 * service's builds up at once) and wait in their end callback; the shared build starts once every member waits.
 */
class Batch {
  constructor(key, options, plugins, { lazyChunks, lazyChunksOf }) {
    this.key = key;
    this.options = options;
    this.plugins = plugins;
    this.lazyChunks = lazyChunks;
    this.lazyChunksOf = lazyChunksOf;
    this.members = new Set();
    this.waiting = new Set();
    this.state = 'open';
    this.result = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.result.catch(() => undefined);
  }

  join(member) {
    this.members.add(member);
    member.batch = this;
  }

  /** The member's outputs, once the shared build has written them. */
  wait(member) {
    this.waiting.add(member);
    this.startWhenReady();
    return this.result;
  }

  startWhenReady() {
    clearTimeout(this.timer);
    if (this.state !== 'open' || this.waiting.size < this.members.size) return;
    if (this.members.size === 0) {
      // Every member was a cache hit.
      this.state = 'empty';
      if (batches.get(this.key) === this) batches.delete(this.key);
      return;
    }
    this.timer = setTimeout(() => {
      if (this.state !== 'open' || this.waiting.size < this.members.size) return;
      this.state = 'running';
      if (batches.get(this.key) === this) batches.delete(this.key);
      this.run().then(this.resolve, this.reject);
    }, GATHER_MS);
  }

  async run() {
    const members = [...this.members];
    const { esbuild } = members[0].build;
    const workingDir = this.options.absWorkingDir ?? process.cwd();
    const started = Date.now();
    const main = await esbuild.build({
      ...this.options,
      entryPoints: members.map((member) => member.entry),
      plugins: [...this.plugins, this.lazyChunks],
      metafile: true,
      write: true,
      logLevel: 'silent',
    });
    const made = new Map();
    const chunkEntries = [];
    for (const member of members) {
      const outputs = outputsFor(main.metafile, workingDir, member.entry);
      if (!outputs) throw new Error(`the shared build wrote no bundle for ${member.entry}`);
      const bundleName = path.basename(outputs.js, path.extname(outputs.js));
      const chunks = this.lazyChunksOf(main.metafile.outputs[outputs.js]).map(([chunk, module]) => ({
        in: module,
        out: `${bundleName}.${chunk}`,
      }));
      chunkEntries.push(...chunks);
      made.set(member, {
        files: [outputs.js, outputs.map].filter(Boolean),
        inputs: inputsOf(main.metafile, main.metafile.outputs[outputs.js].entryPoint),
        chunks,
      });
    }
    const warnings = [...main.warnings];
    if (chunkEntries.length > 0) {
      // Beside their bundles, with the bundles' options; a lazy library's own lazy requires are bundled into it.
      const folder = path.dirname(path.resolve(workingDir, made.get(members[0]).files[0]));
      const chunked = await esbuild.build({
        ...this.options,
        entryPoints: chunkEntries,
        outdir: folder,
        outfile: undefined,
        plugins: this.plugins,
        metafile: true,
        write: true,
        logLevel: 'silent',
      });
      warnings.push(...chunked.warnings);
      for (const { files, inputs, chunks } of made.values()) {
        for (const chunk of chunks) {
          const outputs = Object.keys(chunked.metafile.outputs).filter((output) =>
            path.resolve(workingDir, output).startsWith(path.join(folder, `${chunk.out}.js`)),
          );
          files.push(...outputs);
          const js = outputs.find((output) => output.endsWith('.js'));
          inputs.push(...inputsOf(chunked.metafile, chunked.metafile.outputs[js].entryPoint));
        }
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (members.length > 1) log(`built ${members.length} bundles in one build (${seconds} s)`);
    return { made, warnings, started, workingDir };
  }
}

/**
 * The last plugin of a single-entry build that writes its output (serverless-esbuild's, one per function): a bundle
 * cache hit is copied; otherwise the entry is built with the other single-entry builds of the same options and output
 * folder. Other builds (several entries, write: false) are left as they are.
 */
const sharedBuild = (lazy) => ({
  name: NAME,
  async setup(build) {
    const initial = build.initialOptions;
    const { entryPoints, outdir, outfile } = initial;
    const entries = Array.isArray(entryPoints) ? entryPoints : Object.values(entryPoints ?? {});
    if (entries.length !== 1 || typeof entries[0] !== 'string' || initial.write === false) return;
    if (!outdir && !outfile) return;
    const entry = entries[0];
    const workingDir = initial.absWorkingDir ?? process.cwd();
    const outDir = path.resolve(workingDir, outdir ?? path.dirname(outfile));
    const plugins = (initial.plugins ?? []).filter((plugin) => plugin.name !== NAME);
    const options = Object.fromEntries(Object.entries(initial).filter(([name]) => !NOT_SHARED.has(name)));
    // Entries of one folder into one output folder: esbuild names each output as the entry's own build would.
    const key = canonical({
      options,
      workingDir,
      entryDir: path.dirname(path.resolve(workingDir, entry)),
      plugins: plugins.map((plugin) => plugin.name),
      // An output file is one entry's only.
      ...(outfile ? { single: (singles += 1) } : {}),
    });
    // Joined before anything is awaited: every build serverless-esbuild starts at once is in the batch.
    const member = { entry, build };
    const open = () => {
      let batch = batches.get(key);
      if (!batch) {
        batch = new Batch(key, options, plugins, lazy);
        batches.set(key, batch);
      }
      batch.join(member);
    };
    open();

    initial.write = false;
    build.onResolve({ filter: /.*/ }, (args) =>
      args.kind === 'entry-point' ? { path: entry, namespace: STAND_IN } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: STAND_IN }, () => ({ contents: '', loader: 'js' }));

    const leave = () => {
      member.batch.members.delete(member);
      member.batch.startWhenReady();
    };
    const root = bundleCacheRoot();
    let keyDir;
    let hit;
    try {
      keyDir = root ? path.join(root, await buildKey(build, entry, workingDir, outDir)) : undefined;
      hit = keyDir ? await lookup(keyDir) : undefined;
    } catch (error) {
      // This build fails in its setup and never waits: the others must not wait for it.
      leave();
      throw error;
    }
    if (hit) {
      leave();
      build.onEnd(async (result) => {
        if (result.errors.length > 0) return;
        await restore(hit, outDir);
        process.stdout.write(
          `bundle cache: reused ${entry} (${hit.manifest.outputs.length} files, ${path.basename(hit.dir).slice(0, 12)})\n`,
        );
      });
      return;
    }

    // A context built again (watch mode) builds in the next batch.
    build.onStart(() => {
      if (member.batch.state !== 'open') open();
    });
    build.onEnd(async (result) => {
      if (result.errors.length > 0) {
        leave();
        return undefined;
      }
      const { batch } = member;
      let shared;
      try {
        shared = await batch.wait(member);
      } catch (error) {
        // The build's own messages once (on the first member to report), a pointer to them on the others.
        const first = !batch.reported;
        batch.reported = true;
        return {
          errors:
            first && error.errors?.length
              ? error.errors
              : [{ text: `${entry}: the shared esbuild build failed${first ? `: ${error.message}` : ' (see above)'}` }],
        };
      }
      const { files, inputs } = shared.made.get(member);
      const warnings = batch.warned ? [] : shared.warnings;
      batch.warned = true;
      if (keyDir) {
        await remember({
          keyDir,
          entry,
          workingDir: shared.workingDir,
          outDir,
          outputs: files.map((file) =>
            path.relative(outDir, path.resolve(shared.workingDir, file)).split(path.sep).join('/'),
          ),
          inputs: inputs.filter(isFileInput),
          started: shared.started,
        });
      }
      return { warnings };
    });
  },
});

module.exports = { sharedBuild };
