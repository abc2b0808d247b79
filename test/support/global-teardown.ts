// jest globalTeardown: waits for the packaging warm-up (global-setup.ts), then removes the run's folder and the
// package cache the run made for itself.
import { rm } from 'node:fs/promises';
import { OWNED_CACHE, WARM_UP } from './global-setup';
import { TEST_RUN_DIR } from './run-dir';

export default async (): Promise<void> => {
  await (globalThis as { [WARM_UP]?: Promise<unknown> })[WARM_UP];
  const owned = process.env[OWNED_CACHE];
  if (owned) await rm(owned, { recursive: true, force: true });
  const runDir = process.env[TEST_RUN_DIR];
  if (runDir) await rm(runDir, { recursive: true, force: true });
};
