// The bundle cache (config/esbuild-bundle-cache.cjs): one esbuild build per function per content, whatever the stage.
import { packageService, unzipArtifact } from '@glue-cd/release';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the plugin list serverless-esbuild loads
const plugins = require(path.join(REPO_ROOT, 'config/esbuild-plugins.cjs')) as Plugin[];

/** Every file under dir (relative path → content). */
const filesOf = async (dir: string): Promise<Map<string, Buffer>> => {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full), await readFile(full));
  }
  return files;
};

/**
 * The files of two outputs that are not the same bytes in both (or are in one only): empty when the outputs are equal.
 * Not toEqual on the Buffers: jest walks a Buffer index by index, ~5 CPU-s a megabyte of bundle and source map.
 */
const differingFiles = (a: Map<string, Buffer>, b: Map<string, Buffer>): string[] =>
  [...new Set([...a.keys(), ...b.keys()])].sort().filter((name) => {
    const [x, y] = [a.get(name), b.get(name)];
    return x === undefined || y === undefined || !x.equals(y);
  });

/** Runs fn with GLUE_CD_CACHE_DIR set, and what the bundle cache printed meanwhile. */
const withCache = async (cacheDir: string, fn: () => Promise<unknown>): Promise<string> => {
  const previous = process.env.GLUE_CD_CACHE_DIR;
  const printed: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    printed.push(String(chunk));
    return true;
  });
  process.env.GLUE_CD_CACHE_DIR = cacheDir;
  try {
    await fn();
  } finally {
    write.mockRestore();
    if (previous === undefined) delete process.env.GLUE_CD_CACHE_DIR;
    else process.env.GLUE_CD_CACHE_DIR = previous;
  }
  return printed.join('');
};

/** The services' esbuild options (config/serverless.common.yml), as serverless-esbuild passes them for one function. */
const serviceBuildOptions = (project: string, outdir: string, entry: string): BuildOptions => ({
  absWorkingDir: project,
  entryPoints: [entry],
  outdir,
  bundle: true,
  minify: true,
  keepNames: false,
  mainFields: ['module', 'main'],
  sourcemap: true,
  sourcesContent: false,
  target: 'node22',
  platform: 'node',
  format: 'cjs',
  nodePaths: [path.join(REPO_ROOT, 'node_modules')],
  logLevel: 'silent',
  plugins,
});

/** A temp project holding `sources` (src/<name> → text, greet.ts beside them) and an empty cache folder. */
const newProject = async (label: string, sources: Record<string, string>) => {
  const project = await mkdtemp(path.join(tmpdir(), `glue-cd-${label}-project-`));
  const cacheDir = await mkdtemp(path.join(tmpdir(), `glue-cd-${label}-cache-`));
  await mkdir(path.join(project, 'src'));
  const files = { 'greet.ts': 'export const greet = (name: string) => `hello ${name}`;\n', ...sources };
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(project, 'src', name), text);
  return { project, cacheDir };
};

describe('the bundle cache in esbuild (a project of two modules and a lazy chunk)', () => {
  let project: string;
  let cacheDir: string;
  const outdir = (): string => path.join(project, '.esbuild/.build/src');

  // The services' options (config/serverless.common.yml), as serverless-esbuild passes them for one function.
  const bundle = async (cache: string): Promise<{ printed: string; files: Map<string, Buffer> }> => {
    await rm(outdir(), { recursive: true, force: true });
    const options = serviceBuildOptions(project, outdir(), 'src/handler.ts');
    const printed = await withCache(cache, () => build(options));
    return { printed, files: await filesOf(outdir()) };
  };

  beforeEach(async () => {
    ({ project, cacheDir } = await newProject('bundle-cache', {
      'handler.ts': [
        "import { greet } from './greet';",
        "export const handler = (text: string) => greet(String(require('yaml').parse(text).name));",
        '',
      ].join('\n'),
    }));
  });

  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  test('a second build reuses the first, byte for byte what esbuild writes without the cache, lazy chunk included', async () => {
    const first = await bundle(cacheDir);
    expect(first.printed).toContain('bundle cache: built src/handler.ts and stored it');
    const second = await bundle(cacheDir);
    expect(second.printed).toContain('bundle cache: reused src/handler.ts (4 files');
    const uncached = await bundle('off');
    expect(uncached.printed).not.toContain('bundle cache');
    expect([...uncached.files.keys()].sort()).toEqual([
      'handler.js',
      'handler.js.map',
      'handler.yaml.js',
      'handler.yaml.js.map',
    ]);
    expect(differingFiles(second.files, uncached.files)).toEqual([]);
    expect(differingFiles(first.files, uncached.files)).toEqual([]);
  });

  test('changing an imported source file rebuilds, and the new output is what esbuild writes', async () => {
    await bundle(cacheDir);
    await writeFile(path.join(project, 'src/greet.ts'), 'export const greet = (name: string) => `bonjour ${name}`;\n');
    const changed = await bundle(cacheDir);
    expect(changed.printed).toContain('bundle cache: built src/handler.ts');
    expect(changed.files.get('handler.js')!.toString()).toContain('bonjour');
    expect(differingFiles(changed.files, (await bundle('off')).files)).toEqual([]);
    // Both versions are kept: going back to the first source reuses its bundle.
    await writeFile(path.join(project, 'src/greet.ts'), 'export const greet = (name: string) => `hello ${name}`;\n');
    expect((await bundle(cacheDir)).printed).toContain('bundle cache: reused src/handler.ts');
  });

  test('a file added beside an input (it may change what an import resolves to) rebuilds', async () => {
    await bundle(cacheDir);
    await writeFile(path.join(project, 'src/greet.js'), "exports.greet = () => 'shadow';\n");
    expect((await bundle(cacheDir)).printed).toContain('bundle cache: built src/handler.ts');
  });

  test('a damaged entry fails the build that finds it and is removed, so the next one rebuilds', async () => {
    await bundle(cacheDir);
    const [key] = await readdir(path.join(cacheDir, 'bundles'));
    const [result] = await readdir(path.join(cacheDir, 'bundles', key!));
    await writeFile(path.join(cacheDir, 'bundles', key!, result!, 'files/handler.js'), 'tampered');
    await expect(bundle(cacheDir)).rejects.toThrow(/bundle cache entry .* is damaged \(handler\.js\)/);
    expect((await bundle(cacheDir)).printed).toContain('bundle cache: built src/handler.ts');
  });
});

describe('the shared build (several functions built together, as serverless-esbuild starts them)', () => {
  let project: string;
  let cacheDir: string;
  const outdir = (): string => path.join(project, '.esbuild/.build/src');

  // One esbuild build per entry, all started at once with the services' options, as serverless-esbuild does.
  const bundle = async (
    entries: string[],
    cache: string,
  ): Promise<{ printed: string; files: Map<string, Buffer>; errors: string[] }> => {
    await rm(outdir(), { recursive: true, force: true });
    const options = (entry: string): BuildOptions => serviceBuildOptions(project, outdir(), entry);
    const errors: string[] = [];
    const printed = await withCache(cache, () =>
      Promise.all(
        entries.map((entry) =>
          build(options(entry)).catch((error: { errors?: { text: string }[] }) => {
            errors.push(...(error.errors ?? []).map((message) => message.text));
          }),
        ),
      ),
    );
    return { printed, files: existsSync(outdir()) ? await filesOf(outdir()) : new Map(), errors };
  };

  beforeEach(async () => {
    // `a` loads YAML lazily, `b` does not: only a's zip may hold a chunk.
    ({ project, cacheDir } = await newProject('shared-build', {
      'a.ts':
        "import { greet } from './greet';\nexport const handler = (text: string) => greet(String(require('yaml').parse(text).name));\n",
      'b.ts': "import { greet } from './greet';\nexport const handler = (name: string) => greet(name.toUpperCase());\n",
    }));
  });

  afterEach(async () => {
    await rm(project, { recursive: true, force: true });
    await rm(cacheDir, { recursive: true, force: true });
  });

  test('builds every entry in one build, byte for byte what each entry built alone writes', async () => {
    const together = await bundle(['src/a.ts', 'src/b.ts'], 'off');
    expect(together.errors).toEqual([]);
    expect(together.printed).toContain('esbuild: built 2 bundles in one build');
    expect([...together.files.keys()].sort()).toEqual([
      'a.js',
      'a.js.map',
      'a.yaml.js',
      'a.yaml.js.map',
      'b.js',
      'b.js.map',
    ]);
    const alone = new Map([...(await bundle(['src/a.ts'], 'off')).files, ...(await bundle(['src/b.ts'], 'off')).files]);
    expect(differingFiles(together.files, alone)).toEqual([]);
  });

  test('a bundle loads its lazy chunk by its own file name, from wherever it is unpacked', async () => {
    const { files } = await bundle(['src/a.ts', 'src/b.ts'], 'off');
    const task = await mkdtemp(path.join(tmpdir(), 'glue-cd-shared-build-task-'));
    try {
      for (const name of ['a.js', 'a.yaml.js']) await writeFile(path.join(task, name), files.get(name)!);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle as Lambda loads it
      const { handler } = require(path.join(task, 'a.js')) as { handler: (text: string) => string };
      expect(handler('name: yaml')).toBe('hello yaml');
    } finally {
      await rm(task, { recursive: true, force: true });
    }
  });

  test('each entry is cached on its own: a later build of one entry reuses it, a changed input rebuilds only its users', async () => {
    const first = await bundle(['src/a.ts', 'src/b.ts'], cacheDir);
    expect(first.printed).toContain('bundle cache: built src/a.ts and stored it');
    expect(first.printed).toContain('bundle cache: built src/b.ts and stored it');
    expect((await bundle(['src/b.ts'], cacheDir)).printed).toContain('bundle cache: reused src/b.ts (2 files');
    await writeFile(
      path.join(project, 'src/b.ts'),
      "import { greet } from './greet';\nexport const handler = (name: string) => greet(name.toLowerCase());\n",
    );
    const changed = await bundle(['src/a.ts', 'src/b.ts'], cacheDir);
    expect(changed.printed).toContain('bundle cache: reused src/a.ts (4 files');
    expect(changed.printed).toContain('bundle cache: built src/b.ts and stored it');
    expect(differingFiles(changed.files, (await bundle(['src/a.ts', 'src/b.ts'], 'off')).files)).toEqual([]);
  });

  test('an error in one entry fails every build of the batch, naming the error', async () => {
    await writeFile(
      path.join(project, 'src/b.ts'),
      "import { missing } from './nowhere';\nexport const handler = missing;\n",
    );
    const broken = await bundle(['src/a.ts', 'src/b.ts'], 'off');
    expect(broken.errors.join('\n')).toMatch(/Could not resolve "\.\/nowhere"/);
    expect(broken.errors.length).toBeGreaterThanOrEqual(2);
    expect(broken.files.size).toBe(0);
  });
});

describe('sls package at two stages (the pipeline trigger)', () => {
  const SERVICE_DIR = path.join(REPO_ROOT, 'services/pipeline-trigger');
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'glue-cd-bundle-cache-sls-'));
  });
  afterAll(() => rm(work, { recursive: true, force: true }));

  /** `sls package` itself (no package cache), with the bundle cache GLUE_CD_CACHE_DIR names. */
  const slsPackage = async (stage: string, cache: string) => {
    const outDir = path.join(work, stage);
    const packaged = await packageService({
      repoRoot: REPO_ROOT,
      serviceDir: SERVICE_DIR,
      stage,
      outDir,
      cache: false,
      env: { GLUE_CD_CACHE_DIR: cache },
    });
    const zip = path.join(work, `${stage}-zip`);
    await unzipArtifact(await readFile(path.join(outDir, 'trigger.zip')), zip);
    return { output: packaged.output, files: await filesOf(zip) };
  };

  test('the second stage reuses the first stage bundle; the zip holds what a build without the cache holds', async () => {
    const cache = path.join(work, 'cache');
    const first = await slsPackage('bc-one', cache);
    expect(first.output).toContain('bundle cache: built src/handlers/trigger.ts and stored it');
    const second = await slsPackage('bc-two', cache);
    // The bundle, its lazy chunks (trigger.artifact-s3.js: S3; trigger.event-streams.js: the SDK's event streams)
    // and their maps.
    expect(second.output).toContain('bundle cache: reused src/handlers/trigger.ts (6 files');
    const uncached = await slsPackage('bc-three', 'off');
    expect(uncached.output).not.toContain('bundle cache');
    expect([...uncached.files.keys()].sort()).toEqual([
      'src/handlers/trigger.artifact-s3.js',
      'src/handlers/trigger.artifact-s3.js.map',
      'src/handlers/trigger.event-streams.js',
      'src/handlers/trigger.event-streams.js.map',
      'src/handlers/trigger.js',
      'src/handlers/trigger.js.map',
    ]);
    expect(differingFiles(second.files, uncached.files)).toEqual([]);
  }, 300_000);
});
