// Benchmarks with targets: `pnpm bench [filter]` prints one line per result (measure.ts: figure, floor, target,
// ok/short) and exits non-zero when a result falls short. A filter runs only the suites whose name contains it.
import type { Change } from '@aws-sdk/client-cloudformation';
import {
  changeSetVerdict,
  decodeContinuationToken,
  encodeContinuationToken,
  tokenKey,
  type ChangeSetTree,
} from '@glue-cd/core';
import { formatJudged, judge, timeBenchmark, type Suite, type TimedBenchmark } from './measure';
import { suites } from './suites';
import { formatFigure, loadLine, meetsTarget, type FigureVsFloor } from './figures';
import { handlerFigures, inspectFigures, releaseFigures } from './speed';

// Speed figures beside their floors (bench/speed.ts, bench/figures.ts: a shape of their own, to be unified with
// measure.ts, which has no "floor + N ms" target yet). `pnpm bench handlers|inspect|release` runs one group.
const SPEED_GROUPS: [string, () => Promise<FigureVsFloor[]>][] = [
  ['lambda handlers: cold start and bundle size', handlerFigures],
  ['glue-cd inspect', inspectFigures],
  ['local release', releaseFigures],
];

const STATE_MACHINE = 'arn:aws:states:us-east-1:123456789012:stateMachine:glue-cd-deploy-prod';

/** A change set the size of a large data platform: 40 nested stacks of 60 resources, a few replacements. */
const largeChangeSet = (): ChangeSetTree => {
  const changes = (stack: number): Change[] =>
    Array.from({ length: 60 }, (_, i) => ({
      Type: 'Resource',
      ResourceChange: {
        Action: i % 3 === 0 ? 'Add' : 'Modify',
        LogicalResourceId: `Resource${stack}x${i}`,
        ResourceType: i % 5 === 0 ? 'AWS::S3::Bucket' : 'AWS::Glue::Job',
        Replacement: i % 17 === 0 ? 'True' : 'False',
        Scope: ['Properties'],
      },
    }));
  return {
    changes: changes(0),
    nested: Object.fromEntries(Array.from({ length: 40 }, (_, s) => [`Nested${s}`, { changes: changes(s + 1) }])),
  };
};

const coreBenchmarks = (): TimedBenchmark[] => {
  const tree = largeChangeSet();
  const state = {
    executionArn: `${STATE_MACHINE.replace(':stateMachine:', ':execution:')}:codepipeline-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b`,
    executionName: 'codepipeline-0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    jobId: '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b',
    startedAt: '2026-11-25T10:00:00.000Z',
    polls: 42,
    binding: {
      pipelineName: 'glue-cd-pipeline-prod',
      stage: 'LiveTest',
      action: 'DeployTestStack',
      pipelineExecutionId: '3f0c8a52-6f1e-4c1b-9d1e-0a1b2c3d4e5f',
    },
  };
  const key = tokenKey('bench-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR');
  const expected = { stateMachineArn: STATE_MACHINE, binding: state.binding, keys: [key] };
  const token = encodeContinuationToken(state, key);
  return [
    { name: 'change-set verdict, 2,460 changes over 41 stacks', targetMs: 25, run: () => changeSetVerdict(tree) },
    {
      name: 'continuation token encode + decode',
      targetMs: 0.5,
      runs: 2000,
      run: () => decodeContinuationToken(encodeContinuationToken({ ...state, polls: state.polls + 1 }, key), expected),
    },
    {
      name: 'continuation token decode',
      targetMs: 0.5,
      runs: 2000,
      run: () => decodeContinuationToken(token, expected),
    },
  ];
};

const coreSuite: Suite = {
  name: 'core: change-set verdict and continuation tokens',
  run: async () => {
    const results = [];
    for (const benchmark of coreBenchmarks()) results.push(await timeBenchmark(benchmark));
    return results;
  },
};

const main = async (): Promise<number> => {
  const filter = process.argv[2];
  let short = 0;
  for (const suite of [coreSuite, ...suites].filter(({ name }) => !filter || name.includes(filter))) {
    process.stdout.write(`${suite.name}\n`);
    for (const result of await suite.run()) {
      const judged = judge(result);
      if (!judged.ok) short += 1;
      process.stdout.write(`  ${formatJudged(judged)}\n`);
    }
  }
  for (const [group, figures] of SPEED_GROUPS) {
    if (filter && !group.includes(filter)) continue;
    process.stdout.write(`${group} (${loadLine()})\n`);
    for (const figure of await figures()) {
      if (!meetsTarget(figure)) short += 1;
      process.stdout.write(`  ${formatFigure(figure)}\n`);
      if (figure.detail) process.stdout.write(`      ${figure.detail}\n`);
    }
  }
  return short === 0 ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
