// jest globalTeardown: removes the package cache the run made for itself (global-setup.ts).
import { rm } from 'node:fs/promises';
import { OWNED_CACHE } from './global-setup';

export default async (): Promise<void> => {
  const owned = process.env[OWNED_CACHE];
  if (owned) await rm(owned, { recursive: true, force: true });
};
