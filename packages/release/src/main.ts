// The SDK warns on every run that its 2027 releases need Node 22; the local release runs on the machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ReleaseOptions } from './release';
import { EXIT, start } from './start';

// pnpm runs scripts from the workspace root; INIT_CWD is where `pnpm start` was typed (a checkout's root).
const repoRoot =
  process.env.INIT_CWD && existsSync(path.join(process.env.INIT_CWD, 'pnpm-workspace.yaml'))
    ? process.env.INIT_CWD
    : path.resolve(__dirname, '../../..');

start(process.argv.slice(2), {
  // Loaded once there is a release to run: `--help` and argument errors answer without loading the local cloud
  // (require: a CommonJS package's `import()` would bypass the ts-node hook of scripts/run-ts.cjs). The packagings
  // start first (release-packagings.ts, no SDK or cloud in it): the second of loading the release's modules on one
  // core runs beside them.
  runRelease: async (options: ReleaseOptions) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const early = require('./release-packagings') as typeof import('./release-packagings');
    const packagings = early.startReleasePackagings(options);
    // Their sls processes first (a few event-loop turns of keys and locks), then the second of loading on one core.
    await packagings.underway;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('./release') as typeof import('./release')).runRelease({ ...options, packagings });
  },
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  repoRoot,
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `\nrelease failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT.couldNotRun);
  },
);
