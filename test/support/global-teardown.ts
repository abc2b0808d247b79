// jest globalTeardown: waits for the packaging warm-up and any Chromium install (global-setup.ts), then removes the
// run's folder and the package cache the run made for itself.
import { rm } from 'node:fs/promises';
import { CHROMIUM_INSTALLED, OWNED_CACHE, WARM_UP } from './global-setup';
import { TEST_RUN_DIR } from './run-dir';

export default async (): Promise<void> => {
  const started = globalThis as { [WARM_UP]?: Promise<unknown>; [CHROMIUM_INSTALLED]?: Promise<unknown> };
  await Promise.all([started[WARM_UP], started[CHROMIUM_INSTALLED]]);
  const owned = process.env[OWNED_CACHE];
  if (owned) await rm(owned, { recursive: true, force: true });
  const runDir = process.env[TEST_RUN_DIR];
  if (runDir) await rm(runDir, { recursive: true, force: true });
};
