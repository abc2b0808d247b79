// Bundles a few lines of source as the services' functions are bundled (config/esbuild-plugins.cjs, the options of
// config/serverless.common.yml), into a temp folder of its own: what a Lambda zip would hold.
import { build, type BuildOptions } from 'esbuild';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

export const SERVICE_DIR = path.resolve(__dirname, '../..');
const REPO_ROOT = path.resolve(SERVICE_DIR, '../..');

/** What config/serverless.common.yml has serverless-esbuild pass to esbuild that changes the code: minify, keepNames. */
export const serviceCodeOptions = (): Pick<BuildOptions, 'minify' | 'keepNames'> => {
  const { esbuild } = parse(readFileSync(path.join(REPO_ROOT, 'config/serverless.common.yml'), 'utf8')) as {
    esbuild: { minify?: boolean; keepNames?: boolean };
  };
  return { minify: esbuild.minify === true, keepNames: esbuild.keepNames === true };
};

/**
 * Writes `source` as entry.ts and bundles it into `<dir>/bundle.js` (+ its lazy chunks); returns the folder.
 * `options` adds esbuild options, e.g. serviceCodeOptions() to minify as the services are.
 */
export const bundleAsServices = async (
  source: string,
  {
    prefix,
    nodePath = path.join(SERVICE_DIR, 'node_modules'),
    options = {},
  }: { prefix: string; nodePath?: string; options?: BuildOptions },
): Promise<string> => {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const entry = path.join(dir, 'entry.ts');
  writeFileSync(entry, source);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const plugins = require(path.join(REPO_ROOT, 'config/esbuild-plugins.cjs')) as never[];
  await build({
    entryPoints: [entry],
    outfile: path.join(dir, 'bundle.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    nodePaths: [nodePath],
    plugins,
    logLevel: 'error',
    ...options,
  });
  return dir;
};
