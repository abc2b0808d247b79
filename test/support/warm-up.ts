// The run's packaging warm-up: jest's global setup starts it and returns, so the tests that need no package run
// while it packages; a test file that needs packagings waits (wait-for-packagings.ts) until its own are in the
// package cache. Each packaging's outcome is a JSON file in the warm-up folder, written once it is settled.
import { packageService } from '@glue-cd/release/src/package-services';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeOutcome } from './outcome-file';
import { packagingLabel, REPO_ROOT, type WarmedPackaging } from './packagings';
import { MANIFEST, type ManifestEntry, type Outcome } from './warm-up-wait';

export { WARM_UP_DIR } from './warm-up-wait';

export interface WarmUpSummary {
  packaged: number;
  cached: number;
  failed: number;
  seconds: number;
  /** One `<label> <seconds> s` per packaging, in the order they were made. */
  lines: string[];
}

/**
 * Writes the manifest, then makes the packagings in the given order, two at a time (a 2-core machine), never two of
 * one service folder at once (sls packages them one after the other anyway: packageService's folder lock).
 */
export const startWarmUp = async (
  packagings: WarmedPackaging[],
  dir: string,
): Promise<() => Promise<WarmUpSummary>> => {
  await mkdir(dir, { recursive: true });
  const entries: ManifestEntry[] = packagings.map(({ packaging, usedBy }, index) => ({
    label: packagingLabel(packaging),
    usedBy,
    outcome: `${index}.json`,
  }));
  await writeFile(path.join(dir, MANIFEST), JSON.stringify(entries));
  const began = Date.now();
  const outRoot = await mkdtemp(path.join(tmpdir(), 'glue-cd-test-packages-'));
  const queue = packagings.map((warmed, index) => ({ ...warmed, index }));
  const busy = new Set<string>();
  const lines: string[] = [];
  const counts = { packaged: 0, cached: 0, failed: 0 };
  const waiting: (() => void)[] = [];

  const makeOne = async (next: (typeof queue)[number]): Promise<void> => {
    const started = Date.now();
    const seconds = () => Math.round((Date.now() - started) / 100) / 10;
    let outcome: Outcome;
    try {
      const result = await packageService({
        repoRoot: REPO_ROOT,
        ...next.packaging,
        outDir: path.join(outRoot, String(next.index)),
      });
      outcome = { ok: true, seconds: seconds(), cached: result.cached };
      counts[result.cached ? 'cached' : 'packaged'] += 1;
    } catch (error) {
      outcome = { ok: false, seconds: seconds(), error: error instanceof Error ? error.message : String(error) };
      counts.failed += 1;
    }
    lines.push(`${entries[next.index]!.label} ${outcome.seconds} s${outcome.ok ? '' : ' FAILED'}`);
    await writeOutcome(path.join(dir, entries[next.index]!.outcome), outcome);
  };

  const worker = async (): Promise<void> => {
    while (queue.length > 0) {
      const at = queue.findIndex(({ packaging }) => !busy.has(packaging.serviceDir));
      if (at < 0) {
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      const [next] = queue.splice(at, 1);
      busy.add(next!.packaging.serviceDir);
      try {
        await makeOne(next!);
      } finally {
        busy.delete(next!.packaging.serviceDir);
        waiting.splice(0).forEach((resolve) => resolve());
      }
    }
  };
  const done = Promise.all([worker(), worker()]).finally(() => rm(outRoot, { recursive: true, force: true }));
  return async () => {
    await done;
    return { ...counts, seconds: Math.round((Date.now() - began) / 100) / 10, lines };
  };
};
