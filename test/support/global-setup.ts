// jest globalSetup: one package cache for the run (a temp folder, unless GLUE_CD_CACHE_DIR names one), filled with
// every packaging the selected tests ask for (test/support/packagings.ts) before they start; tests copy from it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packagingsFor, warmPackagings } from './packagings';
import { TEST_RUN_DIR } from './run-dir';

/** Set when the run made its own cache, which global-teardown.ts removes. */
export const OWNED_CACHE = 'GLUE_CD_TEST_OWNED_CACHE_DIR';

/** The part of jest's global config read here (jest 30 keeps the patterns in a TestPathPatterns object). */
interface GlobalConfig {
  testPathPatterns?: unknown;
}

const patternsOf = (config: GlobalConfig): string[] => {
  const patterns = config.testPathPatterns as string[] | { patterns?: string[] } | undefined;
  return Array.isArray(patterns) ? patterns : (patterns?.patterns ?? []);
};

export default async (globalConfig: GlobalConfig): Promise<void> => {
  // Fixtures several test files share (the first release) are made once per run in this folder.
  process.env[TEST_RUN_DIR] = await mkdtemp(path.join(tmpdir(), 'glue-cd-test-run-'));
  if (process.env.GLUE_CD_CACHE_DIR === undefined) {
    const dir = await mkdtemp(path.join(tmpdir(), 'glue-cd-test-cache-'));
    process.env.GLUE_CD_CACHE_DIR = dir;
    process.env[OWNED_CACHE] = dir;
  }
  const packagings = packagingsFor(patternsOf(globalConfig));
  if (packagings.length === 0) return;
  const outRoot = await mkdtemp(path.join(tmpdir(), 'glue-cd-test-packages-'));
  const began = Date.now();
  try {
    const { packaged, cached } = await warmPackagings(packagings, outRoot);
    process.stdout.write(
      `\npackaged ${packaged} service(s), ${cached} unchanged, in ${((Date.now() - began) / 1000).toFixed(1)} s ` +
        `(package cache ${process.env.GLUE_CD_CACHE_DIR})\n`,
    );
  } finally {
    await rm(outRoot, { recursive: true, force: true });
  }
};
