// Bundles a few lines of source as the services' functions are bundled (config/esbuild-plugins.cjs, the options of
// config/serverless.common.yml), into a temp folder of its own: what a Lambda zip would hold.
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const SERVICE_DIR = path.resolve(__dirname, '../..');
const REPO_ROOT = path.resolve(SERVICE_DIR, '../..');

/** Writes `source` as entry.ts and bundles it into `<dir>/bundle.js` (+ its lazy chunks); returns the folder. */
export const bundleAsServices = async (
  source: string,
  { prefix, nodePath = path.join(SERVICE_DIR, 'node_modules') }: { prefix: string; nodePath?: string },
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
  });
  return dir;
};
