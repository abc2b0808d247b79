// The warm-up folder's format (a manifest of the run's packagings, one outcome file each) and the wait a test file
// does on it. Node built-ins only (and outcome-file.ts): every test file loads this (jest setupFilesAfterEnv), and loading
// @glue-cd/release there cost each of the run's ~130 files its module graph again.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { awaitOutcome } from './outcome-file';

/** The environment variable naming the run's warm-up folder (set by global-setup.ts). */
export const WARM_UP_DIR = 'GLUE_CD_TEST_WARM_UP_DIR';

export const MANIFEST = 'manifest.json';

const REPO_ROOT = path.resolve(__dirname, '../..');

export interface ManifestEntry {
  label: string;
  usedBy: string[];
  /** The file its outcome is written to, in the warm-up folder. */
  outcome: string;
}

export type Outcome = { ok: true; seconds: number; cached: boolean } | { ok: false; seconds: number; error: string };

/** The warm-up's packagings the test file needs (repo-relative path), by label. */
const neededBy = async (dir: string, testFile: string): Promise<ManifestEntry[]> => {
  const entries = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as ManifestEntry[];
  return entries.filter(({ usedBy }) => usedBy.includes(testFile));
};

/**
 * Resolves once every packaging the test file needs is in the package cache; rejects naming the packaging that
 * failed, with sls's own message. Polls the outcome files (written by another process: jest's own).
 */
export const waitForPackagings = async (dir: string, testPath: string, pollMs = 100): Promise<void> => {
  const testFile = path.relative(REPO_ROOT, testPath).split(path.sep).join('/');
  for (const entry of await neededBy(dir, testFile)) {
    const outcome = await awaitOutcome<Outcome>(path.join(dir, entry.outcome), pollMs);
    if (!outcome.ok) throw new Error(`the run's packaging ${entry.label} failed:\n${outcome.error}`);
  }
};
