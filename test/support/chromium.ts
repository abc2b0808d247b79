// Debian's Chromium, which the HTML report's browser test drives (packages/release/test/report-browser.test.ts). A
// fresh machine has none, and the README's `pnpm test` has to pass there: when a run selects that test, Chromium is
// missing and this process may install packages (root, with apt-get), global-setup.ts installs it beside the tests
// and the browser test waits for the outcome. Anywhere else the test fails naming the command to run.
// Node built-ins only: the browser test and jest's global setup both load it.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setPriority } from 'node:os';
import { awaitOutcome, writeOutcome } from './outcome-file';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The repo-relative path of the test that needs it. */
export const BROWSER_TEST = 'packages/release/test/report-browser.test.ts';

/** The environment variable naming the file the install's outcome is written to (set by global-setup.ts). */
export const CHROMIUM_INSTALL = 'GLUE_CD_TEST_CHROMIUM_INSTALL';

const APT_GET = '/usr/bin/apt-get';
// The lock timeout: another apt on a shared machine is waited for, not failed on.
export const INSTALL_COMMAND =
  'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 chromium';
// Beside the tests, as the checks run (scripts/run-checks.cjs): it takes the cores the tests leave idle.
const INSTALL_NICENESS = 10;
/** How much of a failed install's output its outcome keeps (the end, where apt says why). */
const OUTPUT_TAIL = 4_000;

export type InstallOutcome = { ok: true; seconds: number } | { ok: false; seconds: number; error: string };

const missingMessage = (chromium: string): string =>
  `no Chromium at ${chromium}: install Debian's (\`${INSTALL_COMMAND}\`, as root) or set CHROMIUM_PATH; ` +
  '`pnpm test` installs it itself when it runs as root on a machine with apt-get';

export interface InstallProbe {
  chromium?: string;
  exists?: (file: string) => boolean;
  /** The process's user id; undefined where the OS has none (Windows). Default: this process's. */
  uid?: number | undefined;
}

/** Why this run cannot install Chromium itself, `present` when there is nothing to install, undefined when it can. */
export const installBlocker = (probe: InstallProbe = {}): 'present' | 'not root' | 'no apt-get' | undefined => {
  const { chromium = CHROMIUM, exists = existsSync } = probe;
  const uid = 'uid' in probe ? probe.uid : process.getuid?.();
  if (exists(chromium)) return 'present';
  if (uid !== 0) return 'not root';
  if (!exists(APT_GET)) return 'no apt-get';
  return undefined;
};

/**
 * Runs the install (`command`, through sh) and writes its outcome to `outcomeFile`, renamed into place so that a
 * waiting test never reads half of it. Resolves with the outcome (a failed install included); rejects only when the
 * outcome cannot be written.
 */
export const installChromium = (outcomeFile: string, command = INSTALL_COMMAND): Promise<InstallOutcome> => {
  const began = Date.now();
  const seconds = () => Math.round((Date.now() - began) / 100) / 10;
  return new Promise<InstallOutcome>((resolve) => {
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, INSTALL_NICENESS);
      } catch {
        // Only the order in which the cores are shared; the install runs the same.
      }
    }
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ ok: false, seconds: seconds(), error: error.message }));
    child.on('close', (code, signal) =>
      resolve(
        code === 0
          ? { ok: true, seconds: seconds() }
          : {
              ok: false,
              seconds: seconds(),
              error: `\`${command}\` ended with ${signal ? `signal ${signal}` : `exit ${code}`}:\n${output.trim()}`,
            },
      ),
    );
  }).then(async (outcome) => {
    await writeOutcome(outcomeFile, outcome);
    return outcome;
  });
};

/**
 * Chromium's path once it is there: at once when it is; after the run's install (its outcome file, named by
 * CHROMIUM_INSTALL) when one was started. Rejects naming what is missing, or with the install's own output.
 */
export const waitForChromium = async (
  options: {
    chromium?: string;
    /** The install's outcome file; undefined when none was started. Default: CHROMIUM_INSTALL's. */
    outcomeFile?: string | undefined;
    pollMs?: number;
  } = {},
): Promise<string> => {
  const { chromium = CHROMIUM, pollMs = 100 } = options;
  const outcomeFile = 'outcomeFile' in options ? options.outcomeFile : process.env[CHROMIUM_INSTALL];
  if (existsSync(chromium)) return chromium;
  if (!outcomeFile) throw new Error(missingMessage(chromium));
  const outcome = await awaitOutcome<InstallOutcome>(outcomeFile, pollMs);
  if (!outcome.ok)
    throw new Error(`installing Chromium for this test failed after ${outcome.seconds} s: ${outcome.error}`);
  if (!existsSync(chromium)) {
    throw new Error(`the install of Chromium succeeded, but there is still none at ${chromium} (CHROMIUM_PATH?)`);
  }
  return chromium;
};
