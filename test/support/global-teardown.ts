// jest globalTeardown: removes the run's folder and the package cache the run made for itself (global-setup.ts).
import { rm } from 'node:fs/promises';
import { OWNED_CACHE } from './global-setup';
import { TEST_RUN_DIR } from './run-dir';

export default async (): Promise<void> => {
  const owned = process.env[OWNED_CACHE];
  if (owned) await rm(owned, { recursive: true, force: true });
  const runDir = process.env[TEST_RUN_DIR];
  if (runDir) await rm(runDir, { recursive: true, force: true });
};
