// The SDK warns on every run that its 2027 releases need Node 22; the local release runs on the machine's Node.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeApprover, type ApprovalMode } from './approval';
import { consoleProgress } from './progress';
import { runRelease } from './release';
import { formatSummary } from './summary';

const USAGE = `pnpm start [-- options]
  --approve         approve LiveTestApproval without asking (for non-interactive runs)
  --reject          reject LiveTestApproval (the release stops before production)
  --fresh           forget the local cloud's state first (stacks, buckets, executions)
  --state-dir DIR   local cloud state (default .local-cloud)
  --report-dir DIR  where the reports (latest.html, latest.json) and action logs go (default reports)
  --sample FILE     the taxi CSV the in-process live test uploads (default glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv)`;

const main = async (): Promise<number> => {
  const repoRoot =
    process.env.INIT_CWD && existsSync(path.join(process.env.INIT_CWD, 'pnpm-workspace.yaml'))
      ? process.env.INIT_CWD
      : path.resolve(__dirname, '../../..');
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((arg) => arg !== '--'),
    options: {
      approve: { type: 'boolean', default: false },
      reject: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      'state-dir': { type: 'string', default: path.join(repoRoot, '.local-cloud') },
      'report-dir': { type: 'string', default: path.join(repoRoot, 'reports') },
      sample: {
        type: 'string',
        default: path.resolve(repoRoot, 'glue-jobs/nyc-taxi/sample/yellow_tripdata_7500_lines_sample_2019-01.csv'),
      },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.approve && values.reject) throw new Error('--approve and --reject exclude each other');
  const sampleFile = path.resolve(values.sample);
  if (!existsSync(sampleFile)) throw new Error(`the taxi sample ${sampleFile} does not exist (--sample FILE)`);
  const stateDir = path.resolve(values['state-dir']);
  if (values.fresh) await rm(stateDir, { recursive: true, force: true });
  const mode: ApprovalMode = values.approve ? 'approve' : values.reject ? 'reject' : 'prompt';

  const progress = consoleProgress();
  const summary = await runRelease({
    repoRoot,
    stateDir,
    reportDir: path.resolve(values['report-dir']),
    approver: makeApprover(mode),
    progress,
    sampleFile,
  });
  progress.stage('Summary');
  for (const line of formatSummary(summary)) progress[line.level](line.text);
  return summary.succeeded ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `\nrelease failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(2);
  },
);
