// jest globalSetup: one package cache for the run (a temp folder, unless GLUE_CD_CACHE_DIR names one), and the
// warm-up of every packaging the selected tests ask for (test/support/packagings.ts), started here and left running:
// the tests that need no package start at once; those that do wait for theirs (wait-for-packagings.ts). Likewise
// Debian's Chromium, when the browser test is selected and the machine has none (chromium.ts).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BROWSER_TEST, CHROMIUM, CHROMIUM_INSTALL, INSTALL_COMMAND, installBlocker, installChromium } from './chromium';
import { packagingsFor, selects } from './packagings';
import { TEST_RUN_DIR } from './run-dir';
import { startWarmUp, WARM_UP_DIR, type WarmUpSummary } from './warm-up';

/** Set when the run made its own cache, which global-teardown.ts removes. */
export const OWNED_CACHE = 'GLUE_CD_TEST_OWNED_CACHE_DIR';

/** Where the warm-up's end and the Chromium install's are kept for global-teardown.ts (the same process: jest's). */
export const WARM_UP = Symbol.for('glue-cd.test.warm-up');
export const CHROMIUM_INSTALLED = Symbol.for('glue-cd.test.chromium-install');
type WithWarmUp = typeof globalThis & { [WARM_UP]?: Promise<WarmUpSummary>; [CHROMIUM_INSTALLED]?: Promise<void> };

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
  const runDir = await mkdtemp(path.join(tmpdir(), 'glue-cd-test-run-'));
  process.env[TEST_RUN_DIR] = runDir;
  if (process.env.GLUE_CD_CACHE_DIR === undefined) {
    const dir = await mkdtemp(path.join(tmpdir(), 'glue-cd-test-cache-'));
    process.env.GLUE_CD_CACHE_DIR = dir;
    process.env[OWNED_CACHE] = dir;
  }
  const patterns = patternsOf(globalConfig);
  if (selects(patterns, BROWSER_TEST) && installBlocker() === undefined) {
    const outcomeFile = path.join(runDir, 'chromium-install.json');
    process.env[CHROMIUM_INSTALL] = outcomeFile;
    process.stdout.write(`\nno Chromium at ${CHROMIUM} (${BROWSER_TEST}): \`${INSTALL_COMMAND}\` beside the tests\n`);
    (globalThis as WithWarmUp)[CHROMIUM_INSTALLED] = installChromium(outcomeFile).then((outcome) => {
      process.stdout.write(
        `\nChromium install: ${outcome.ok ? 'done' : `FAILED (${BROWSER_TEST} says why)`} in ${outcome.seconds} s\n`,
      );
    });
  }
  const packagings = packagingsFor(patterns);
  if (packagings.length === 0) return;
  const dir = path.join(runDir, 'warm-up');
  process.env[WARM_UP_DIR] = dir;
  const finished = await startWarmUp(packagings, dir);
  (globalThis as WithWarmUp)[WARM_UP] = finished().then((summary) => {
    process.stdout.write(
      `\npackaging warm-up: ${summary.packaged} packaged, ${summary.cached} unchanged` +
        `${summary.failed ? `, ${summary.failed} FAILED` : ''} in ${summary.seconds} s ` +
        `(package cache ${process.env.GLUE_CD_CACHE_DIR}): ${summary.lines.join(', ')}\n`,
    );
    return summary;
  });
};
