import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  EXIT,
  NO_TERMINAL_TO_ASK_ON,
  START_USAGE,
  makeApprover,
  start,
  type ActionEnvironment,
  type ActionOutcome,
  type PipelineAction,
  type ReleaseOptions,
  type PlanRecord,
  type ReleaseSummary,
} from '../src';
import { manualApprovalAction } from '../src/actions/manual-approval';

// `pnpm start` without a release: the release is injected, so arguments, exit codes and the approval prompt are
// checked in milliseconds; test/e2e/release.test.ts runs the real one.

let repoRoot: string;
beforeEach(async () => {
  repoRoot = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-start-'));
});
afterEach(async () => rm(repoRoot, { recursive: true, force: true }));

const APPROVAL: PipelineAction = {
  stage: 'LiveTest',
  name: 'LiveTestApproval',
  runOrder: 3,
  kind: 'approval',
  category: 'Approval',
  provider: 'Manual',
  configuration: { CustomData: 'Promote #{BuildVariables.GLUE_JOBS_VERSION}?' },
  inputArtifacts: [],
  outputArtifacts: [],
} as PipelineAction;

const PLAN: PlanRecord = {
  action: 'PlanProduction',
  stackName: 'glue-cd-glue-etl-prod',
  url: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.json',
  textUrl: 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.txt',
  summary: 'Plan for stack glue-cd-glue-etl-prod: 1 added, 0 modified, 0 replaced, 0 removed; no security broadening',
  counts: { added: 1, modified: 0, replaced: 0, removed: 0, broadening: 0 },
  verdict: 'accepted',
  text: Array.from({ length: 70 }, (_, i) => `line ${i + 1} of the plan`).join('\n'),
};

/** A release that only asks the LiveTestApproval question, through the real approval action, and reports it. */
const releaseAskingApproval = () => {
  const outcomes: ActionOutcome[] = [];
  const runRelease = jest.fn(async (options: ReleaseOptions): Promise<ReleaseSummary> => {
    const outcome = await manualApprovalAction(
      { action: APPROVAL, configuration: { CustomData: 'Promote v42?' }, inputArtifacts: [] },
      { approver: options.approver } as ActionEnvironment,
    );
    outcomes.push(outcome);
    return summaryOf(outcome.status === 'Succeeded', outcome.status, outcome.detail ?? outcome.summary);
  });
  return Object.assign(runRelease, { outcomes });
};

const summaryOf = (succeeded: boolean, status: ActionOutcome['status'] = 'Succeeded', detail = 'approved') => {
  const action = { stage: 'LiveTest', action: 'LiveTestApproval', category: 'Approval', provider: 'Manual' };
  const actions = [{ ...action, runOrder: 3, status, durationMs: 1, detail }];
  const now = new Date().toISOString();
  const report = {
    schemaVersion: 2 as const,
    startedAt: now,
    finishedAt: now,
    succeeded,
    pipeline: 'glue-cd-local',
    pipelineExecutionId: 'e-1',
    setup: [],
    actions,
    skipList: [],
    differences: [],
    executions: [],
    stateMachine: { name: 'deploy', source: 'none', startAt: 'Start', states: [], transitions: [] },
    history: [],
  };
  return {
    succeeded,
    setup: [],
    actions,
    executions: [],
    outputVariables: {},
    report,
    reportPath: '/reports/latest.html',
    jsonReportPath: '/reports/latest.json',
  } satisfies ReleaseSummary;
};

/** A terminal (or not) for `pnpm start`: what it printed, and a way to type an answer once it asks. */
const terminal = (isTTY: boolean) => {
  const stdin = Object.assign(new PassThrough(), { isTTY });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return {
    stdin,
    stdout,
    stderr,
    out: () => out,
    err: () => err,
    /** Types `answer` once the question is on the screen. */
    answerWhenAsked(answer: string) {
      const onData = () => {
        if (!out.includes('[y/N] ')) return;
        stdout.off('data', onData);
        stdin.write(`${answer}\n`);
      };
      stdout.on('data', onData);
    },
  };
};

const run = (argv: string[], runRelease: StartRelease, io = terminal(false)) =>
  start(argv, { runRelease, stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, repoRoot });
type StartRelease = (options: ReleaseOptions) => Promise<ReleaseSummary>;

describe('pnpm start: arguments', () => {
  test.each([
    ['an unknown flag', ['--aprove'], 'unknown option --aprove'],
    ['--approve with --reject', ['--approve', '--reject'], '--approve and --reject exclude each other'],
    [
      '--plan with --approve',
      ['--plan', '--approve'],
      '--plan stops before LiveTestApproval: --approve has nothing to answer',
    ],
    [
      '--plan with --reject',
      ['--reject', '--plan'],
      '--plan stops before LiveTestApproval: --reject has nothing to answer',
    ],
    ['a misspelt --plan', ['--plans'], 'unknown option --plans'],
    [
      '--plan with --release-change',
      ['--plan', '--release-change'],
      '--plan always runs up to the production plan: --release-change has nothing to force',
    ],
    ['--plan with a value', ['--plan=prod'], "Option '--plan' does not take an argument"],
    ['a positional argument', ['release'], "unexpected argument 'release' (options start with --)"],
    ['a flag without its value', ['--state-dir'], "Option '--state-dir <value>' argument missing"],
    [
      'an endpoint that is no URL',
      ['--endpoint', '127.0.0.1:4566'],
      '--endpoint must be an http(s) URL such as http://127.0.0.1:4566, got "127.0.0.1:4566"',
    ],
    [
      '--fresh with --endpoint',
      ['--fresh', '--endpoint', 'http://127.0.0.1:4566'],
      '--fresh cannot forget the state of a running cloud: restart `pnpm cloud` instead',
    ],
  ])('%s: exit 2 naming it, with the usage, before anything runs', async (_case, argv, message) => {
    const io = terminal(false);
    const runRelease = jest.fn<Promise<ReleaseSummary>, [ReleaseOptions]>();

    const code = await run(argv, runRelease, io);

    expect(code).toBe(EXIT.couldNotRun);
    expect(io.err()).toBe(`pnpm start: ${message}\n\n${START_USAGE}\n`);
    expect(io.out()).toBe('');
    expect(runRelease).not.toHaveBeenCalled();
  });

  test.each([[['--help']], [['--', '--help']], [['--approve', '--help']]])(
    '%j prints the usage on stdout and exits 0 without running',
    async (argv) => {
      const io = terminal(false);
      const runRelease = jest.fn<Promise<ReleaseSummary>, [ReleaseOptions]>();

      expect(await run(argv, runRelease, io)).toBe(EXIT.succeeded);

      expect(io.out()).toBe(`${START_USAGE}\n`);
      expect(io.err()).toBe('');
      expect(runRelease).not.toHaveBeenCalled();
    },
  );

  test('defaults live in the checkout; given folders are resolved from the working directory', async () => {
    const runRelease = jest.fn(async (_options: ReleaseOptions) => summaryOf(true));

    await run([], runRelease);
    await run(['--', '--state-dir', 'state', '--report-dir', '/tmp/r'], runRelease);
    await run(['--endpoint', 'http://127.0.0.1:4566'], runRelease);

    expect(
      runRelease.mock.calls.map(([options]) => [
        options.repoRoot,
        options.stateDir,
        options.reportDir,
        options.endpoint,
      ]),
    ).toEqual([
      [repoRoot, path.join(repoRoot, '.local-cloud'), path.join(repoRoot, 'reports'), undefined],
      [repoRoot, path.resolve('state'), '/tmp/r', undefined],
      [repoRoot, path.join(repoRoot, '.local-cloud'), path.join(repoRoot, 'reports'), 'http://127.0.0.1:4566'],
    ]);
  });

  test('--fresh forgets a local cloud state folder, and refuses any other folder', async () => {
    const runRelease = jest.fn(async () => summaryOf(true));
    const state = path.join(repoRoot, 'cloud');
    await mkdir(path.join(state, 'state'), { recursive: true });
    await writeFile(path.join(state, 'state', 'cloudformation.json'), '{}');
    const notState = path.join(repoRoot, 'glue-jobs');
    await mkdir(notState);
    await writeFile(path.join(notState, 'job.py'), 'print(1)\n');

    expect(await run(['--fresh', '--state-dir', state], runRelease)).toBe(EXIT.succeeded);
    const refusals = [terminal(false), terminal(false)];
    expect(await run(['--fresh', '--state-dir', notState], runRelease, refusals[0])).toBe(EXIT.couldNotRun);
    expect(await run(['--fresh', '--state-dir', repoRoot], runRelease, refusals[1])).toBe(EXIT.couldNotRun);

    expect(await readdir(repoRoot)).toEqual(['glue-jobs']);
    expect(refusals.map((io) => io.err().split('\n')[0])).toEqual([
      `pnpm start: --fresh: ${notState} is not a local cloud state folder (no state/ inside); not removed, choose --state-dir`,
      `pnpm start: --fresh: ${repoRoot} holds the checkout ${repoRoot}; not removed`,
    ]);
    expect(runRelease).toHaveBeenCalledTimes(1);
  });
});

describe('pnpm start -- --release-change', () => {
  test('asks the release to run the pipeline even on an unchanged Source; without it the release may stop', async () => {
    const runRelease = jest.fn(async (_options: ReleaseOptions) => summaryOf(true));

    expect(await run(['--', '--release-change'], runRelease)).toBe(EXIT.succeeded);
    expect(await run(['--approve'], runRelease)).toBe(EXIT.succeeded);

    expect(runRelease.mock.calls.map(([options]) => options.releaseChange)).toEqual([true, undefined]);
  });

  test('a rerun with nothing to release says why and how to run it anyway, and exits 0', async () => {
    const io = terminal(false);
    const unchanged: ReleaseSummary = summaryOf(true);
    const reason =
      'nothing to release: the Source is the one of execution e-1 … `pnpm start -- --release-change` runs it again';
    unchanged.report = { ...unchanged.report, unchanged: reason };

    expect(
      await run(
        [],
        jest.fn(async () => unchanged),
        io,
      ),
    ).toBe(EXIT.succeeded);

    expect(io.out()).toContain(reason);
  });
});

describe('pnpm start -- --plan', () => {
  test('asks the release to stop at the production plan; without it the whole release runs', async () => {
    const runRelease = jest.fn(async (_options: ReleaseOptions) => summaryOf(true));

    expect(await run(['--', '--plan'], runRelease)).toBe(EXIT.succeeded);
    expect(await run([], runRelease)).toBe(EXIT.succeeded);

    expect(runRelease.mock.calls.map(([options]) => options.planOnly)).toEqual([true, undefined]);
  });

  test('prints the whole plan and says nothing was deployed; 1 when the plan could not be made', async () => {
    const io = terminal(false);
    const planned: ReleaseSummary = summaryOf(true);
    planned.report = { ...planned.report, mode: 'plan', plans: [PLAN] };
    const failed = terminal(false);
    const notPlanned = summaryOf(false, 'Failed', 'ConfigurationError: DeployInput.stackName');

    expect(await run(['--plan'], async () => planned, io)).toBe(EXIT.succeeded);
    expect(await run(['--plan'], async () => notPlanned, failed)).toBe(EXIT.releaseFailed);

    expect(io.out()).toContain(`plan PlanProduction: ${PLAN.summary}`);
    for (let i = 1; i <= 70; i += 1) expect(io.out()).toContain(`line ${i} of the plan`);
    expect(io.out()).toContain('nothing was deployed (--plan): the production stack is as it was');
    expect(failed.out()).toMatch(/LiveTestApproval: Failed\n\s+ConfigurationError: DeployInput\.stackName/);
  });
});

describe('pnpm start: exit codes', () => {
  test('0 when the release succeeded, 1 when an action failed or was rejected, 2 when it could not run', async () => {
    const failed = terminal(false);
    const broken = terminal(false);

    const codes = [
      await run(['--approve'], async () => summaryOf(true)),
      await run(
        ['--approve'],
        async () => summaryOf(false, 'Failed', 'UnsafeChangeSetError: RawBucket replaced'),
        failed,
      ),
      await run(['--approve'], async () => Promise.reject(new Error('port 4566 in use')), broken),
    ];

    expect(codes).toEqual([EXIT.succeeded, EXIT.releaseFailed, EXIT.couldNotRun]);
    expect(failed.out()).toMatch(
      /✘ LiveTest \/ LiveTestApproval: Failed\n\s+UnsafeChangeSetError: RawBucket replaced\n/,
    );
    expect(broken.err()).toMatch(/^\nrelease failed: Error: port 4566 in use\n/);
  });
});

describe('pnpm start: the LiveTestApproval prompt', () => {
  test.each([
    ['y', true],
    ['yes', true],
    [' YES ', true],
    ['Y', true],
    ['n', false],
    ['no', false],
    ['', false],
    ['yep', false],
  ])('on a terminal, answering %j approves: %s', async (answer, approved) => {
    const io = terminal(true);
    io.answerWhenAsked(answer);
    const release = releaseAskingApproval();

    const code = await run([], release, io);

    expect(io.out()).toContain('LiveTestApproval: Promote v42? [y/N] ');
    expect(code).toBe(approved ? EXIT.succeeded : EXIT.releaseFailed);
    expect(release.outcomes).toEqual([
      {
        status: approved ? 'Succeeded' : 'Stopped',
        summary: approved ? 'approved' : 'rejected',
        detail: `LiveTestApproval: Promote v42?\n${approved ? 'approved' : 'rejected'} at the prompt`,
      },
    ]);
  });

  test('without a terminal and without --approve, the release stops at the approval and says how to approve', async () => {
    const io = terminal(false);

    const code = await run([], releaseAskingApproval(), io);

    expect(code).toBe(EXIT.releaseFailed);
    expect(io.out()).not.toContain('[y/N]');
    expect(io.out()).toMatch(
      new RegExp(
        `LiveTest / LiveTestApproval: Stopped\\n\\s+LiveTestApproval: Promote v42\\?\\n\\s+${NO_TERMINAL_TO_ASK_ON}\\n`,
      ),
    );
  });

  test.each([
    [['--approve'], EXIT.succeeded, 'Succeeded', 'approved with --approve'],
    [['--reject'], EXIT.releaseFailed, 'Stopped', 'rejected with --reject'],
  ])('%j answers without asking, on a terminal too', async (argv, exitCode, status, reason) => {
    const io = terminal(true);
    const release = releaseAskingApproval();

    expect(await run(argv, release, io)).toBe(exitCode);

    expect(io.out()).not.toContain('[y/N]');
    expect(release.outcomes).toMatchObject([{ status, detail: `LiveTestApproval: Promote v42?\n${reason}` }]);
  });

  test('a plain boolean approver still works (tests and scripts answer yes or no)', async () => {
    const outcome = await manualApprovalAction(
      { action: APPROVAL, configuration: { CustomData: 'ok?' }, inputArtifacts: [] },
      { approver: async () => false } as unknown as ActionEnvironment,
    );
    expect(outcome).toEqual({ status: 'Stopped', summary: 'rejected', detail: 'LiveTestApproval: ok?' });
    const prompt = makeApprover('prompt', {
      input: Object.assign(new PassThrough(), { isTTY: false }),
      output: new PassThrough(),
    });
    await expect(prompt('q')).resolves.toEqual({ approved: false, reason: NO_TERMINAL_TO_ASK_ON });
  });

  test('shows the plans made before it with the link, and keeps what it showed in its detail', async () => {
    const questions: string[] = [];
    const outcome = await manualApprovalAction(
      {
        action: APPROVAL,
        configuration: { CustomData: 'Production will get: 1 added', ExternalEntityLink: 'https://console/plan' },
        inputArtifacts: [],
        plans: [PLAN],
      },
      { approver: async (question: string) => (questions.push(question), true) } as unknown as ActionEnvironment,
    );
    const [question = ''] = questions;
    expect(question.split('\n').slice(0, 4)).toEqual([
      'LiveTestApproval: Production will get: 1 added (https://console/plan)',
      '',
      `PlanProduction: ${PLAN.summary}`,
      '  line 1 of the plan',
    ]);
    expect(question).toContain(
      '  line 60 of the plan\n… 10 more lines in s3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.txt',
    );
    expect(question).not.toContain('line 61 of the plan');
    expect(question.endsWith('\n\nApprove LiveTestApproval?')).toBe(true);
    expect(outcome).toEqual({ status: 'Succeeded', summary: 'approved', detail: question });
  });
});

describe('the pnpm start entry (packages/release/src/main.ts)', () => {
  const repo = path.resolve(__dirname, '../../..');
  const entry = (...args: string[]) =>
    spawnSync(process.execPath, ['scripts/run-ts.cjs', 'packages/release/src/main.ts', ...args], {
      cwd: repo,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: repo },
    });

  test('passes its arguments and exit code through: --help exits 0 on stdout, an unknown flag 2 on stderr', () => {
    const help = entry('--', '--help');
    const unknown = entry('--', '--frsh');

    expect({ status: help.status, stdout: help.stdout, stderr: help.stderr }).toEqual({
      status: 0,
      stdout: `${START_USAGE}\n`,
      stderr: '',
    });
    expect({ status: unknown.status, stdout: unknown.stdout, firstLine: unknown.stderr.split('\n')[0] }).toEqual({
      status: 2,
      stdout: '',
      firstLine: 'pnpm start: unknown option --frsh',
    });
  });
});
