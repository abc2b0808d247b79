import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeApprover, type ApprovalMode } from './approval';
import { consoleProgress } from './progress';
import type { ReleaseOptions, ReleaseSummary } from './release';
import type { formatSummary as FormatSummary } from './summary';

/** `pnpm start`'s exit codes. */
export const EXIT = { succeeded: 0, releaseFailed: 1, couldNotRun: 2 } as const;

export const START_USAGE = `pnpm start [-- options]
  --approve         approve LiveTestApproval without asking (for non-interactive runs)
  --reject          reject LiveTestApproval (the release stops before production)
  --plan            plan production from the working tree and stop: Source, Build and the production plan run,
                    the plan is printed, nothing is deployed (exit 0 when the plan was made)
  --fresh           forget the local cloud's state first (stacks, buckets, executions)
  --release-change  run the pipeline even if its Source is the one of the last execution, which succeeded
                    (such a rerun otherwise stops after the Source: nothing to release)
  --state-dir DIR   local cloud state (default .local-cloud)
  --report-dir DIR  where the reports (latest.html, latest.json) and action logs go (default reports)
  --endpoint URL    release on an already running \`pnpm cloud\` (credentials: the AWS_* lines it printed)
  --help            this text

Exit codes: 0 the release succeeded, 1 an action failed or the approval was rejected, 2 the release could not run.`;

/** Arguments `pnpm start` cannot run with: the message names what is wrong. */
export class StartArgumentError extends Error {
  override name = 'StartArgumentError';
}

export interface StartArguments {
  help: boolean;
  approval: ApprovalMode;
  /** Stop at the production plan: nothing deployed. */
  plan: boolean;
  fresh: boolean;
  releaseChange: boolean;
  stateDir: string;
  reportDir: string;
  endpoint?: string;
}

/** Node's parseArgs messages, said the way the rest of the CLI says things. */
const argumentError = (error: unknown): StartArgumentError => {
  const { code, message } = error as NodeJS.ErrnoException;
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new StartArgumentError(`unknown option ${quoted ?? message}`);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return new StartArgumentError(`unexpected argument '${quoted ?? message}' (options start with --)`);
  return new StartArgumentError(message);
};

/** `pnpm start`'s arguments (pnpm's own `--` separator removed), checked before anything runs. */
export const parseStartArguments = (argv: string[], repoRoot: string): StartArguments => {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((arg) => arg !== '--'),
      strict: true,
      allowPositionals: false,
      options: {
        approve: { type: 'boolean', default: false },
        reject: { type: 'boolean', default: false },
        plan: { type: 'boolean', default: false },
        fresh: { type: 'boolean', default: false },
        'release-change': { type: 'boolean', default: false },
        'state-dir': { type: 'string', default: path.join(repoRoot, '.local-cloud') },
        'report-dir': { type: 'string', default: path.join(repoRoot, 'reports') },
        endpoint: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw argumentError(error);
  }
  if (values.approve && values.reject) throw new StartArgumentError('--approve and --reject exclude each other');
  if (values.plan && (values.approve || values.reject)) {
    throw new StartArgumentError(
      `--plan stops before LiveTestApproval: --${values.approve ? 'approve' : 'reject'} has nothing to answer`,
    );
  }
  if (values.plan && values['release-change']) {
    throw new StartArgumentError('--plan always runs up to the production plan: --release-change has nothing to force');
  }
  const { endpoint } = values;
  if (endpoint !== undefined) {
    if (!URL.canParse(endpoint) || !/^https?:$/.test(new URL(endpoint).protocol))
      throw new StartArgumentError(
        `--endpoint must be an http(s) URL such as http://127.0.0.1:4566, got "${endpoint}"`,
      );
    if (values.fresh)
      throw new StartArgumentError('--fresh cannot forget the state of a running cloud: restart `pnpm cloud` instead');
  }
  return {
    help: values.help,
    approval: values.approve ? 'approve' : values.reject ? 'reject' : 'prompt',
    plan: values.plan,
    fresh: values.fresh,
    releaseChange: values['release-change'],
    stateDir: path.resolve(values['state-dir']),
    reportDir: path.resolve(values['report-dir']),
    ...(endpoint !== undefined ? { endpoint } : {}),
  };
};

/** --fresh removes a folder: only one that is missing, empty, or a local cloud's state, and never the checkout. */
const forgetState = async (stateDir: string, repoRoot: string): Promise<void> => {
  if (!existsSync(stateDir)) return;
  const relative = path.relative(stateDir, repoRoot);
  const holdsCheckout = relative === '' || (relative !== '..' && !relative.startsWith(`..${path.sep}`));
  if (holdsCheckout) {
    throw new StartArgumentError(`--fresh: ${stateDir} holds the checkout ${repoRoot}; not removed`);
  }
  const entries = await readdir(stateDir);
  if (entries.length > 0 && !entries.includes('state')) {
    throw new StartArgumentError(
      `--fresh: ${stateDir} is not a local cloud state folder (no state/ inside); not removed, choose --state-dir`,
    );
  }
  await rm(stateDir, { recursive: true, force: true });
};

export interface StartDependencies {
  runRelease(options: ReleaseOptions): Promise<ReleaseSummary>;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The checkout to release. */
  repoRoot: string;
}

/** `pnpm start`: parses the arguments, runs the release, prints the summary; resolves to the exit code. */
export const start = async (argv: string[], deps: StartDependencies): Promise<number> => {
  const { stdout, stderr, repoRoot } = deps;
  let args: StartArguments;
  try {
    args = parseStartArguments(argv, repoRoot);
    if (args.help) {
      stdout.write(`${START_USAGE}\n`);
      return EXIT.succeeded;
    }
    if (args.fresh) await forgetState(args.stateDir, repoRoot);
  } catch (error) {
    if (!(error instanceof StartArgumentError)) throw error;
    stderr.write(`pnpm start: ${error.message}\n\n${START_USAGE}\n`);
    return EXIT.couldNotRun;
  }

  const progress = consoleProgress((line) => stdout.write(`${line}\n`));
  let summary: ReleaseSummary;
  try {
    summary = await deps.runRelease({
      repoRoot,
      stateDir: args.stateDir,
      reportDir: args.reportDir,
      approver: makeApprover(args.approval, { input: deps.stdin, output: stdout }),
      progress,
      ...(args.plan ? { planOnly: true } : {}),
      ...(args.releaseChange ? { releaseChange: true } : {}),
      ...(args.endpoint !== undefined ? { endpoint: args.endpoint } : {}),
    });
  } catch (error) {
    stderr.write(`\nrelease failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.couldNotRun;
  }
  progress.stage('Summary');
  // Loaded now: the summary reaches most of the pipeline's actions, which main.ts loads after the packagings start.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { formatSummary } = require('./summary') as { formatSummary: typeof FormatSummary };
  for (const line of formatSummary(summary)) progress[line.level](line.text);
  return summary.succeeded ? EXIT.succeeded : EXIT.releaseFailed;
};
