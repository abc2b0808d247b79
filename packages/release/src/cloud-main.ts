// `pnpm cloud`: the local cloud as a standalone process, with the project's Glue job engines registered.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import path from 'node:path';
import { runCloudCli } from '@glue-cd/local-cloud';
import { PROJECT_JOB_ENGINES } from './job-engines';

const repoRoot = path.resolve(__dirname, '../../..');

runCloudCli(process.argv.slice(2), { baseDir: repoRoot, jobEngines: PROJECT_JOB_ENGINES }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `pnpm cloud failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
