// Benchmarks with targets: `pnpm bench` prints a table and exits non-zero when a target is missed.
// Timings are medians of repeated runs after a warm-up; targets are generous for a 2-core CI machine.
import type { Change } from '@aws-sdk/client-cloudformation';
import {
  changeSetVerdict,
  decodeContinuationToken,
  encodeContinuationToken,
  tokenKey,
  type ChangeSetTree,
} from '@glue-cd/core';
import { performance } from 'node:perf_hooks';
import { formatFigure, loadLine, meetsTarget, type FigureVsFloor } from './figures';
import { handlerFigures, inspectFigures, releaseFigures } from './speed';
import { benchmarks as extraBenchmarks } from './suites';

const SPEED_GROUPS: [string, () => Promise<FigureVsFloor[]>][] = [
  ['lambda handlers: cold start and bundle size', handlerFigures],
  ['glue-cd inspect', inspectFigures],
  ['local release', releaseFigures],
];

export interface Benchmark {
  name: string;
  /** Target for the median of one run, in milliseconds. */
  targetMs: number;
  runs?: number;
  setup?: () => Promise<void>;
  run: () => unknown | Promise<unknown>;
}

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

const coreBenchmarks = (): Benchmark[] => {
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

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const measure = async (benchmark: Benchmark): Promise<number> => {
  await benchmark.setup?.();
  const runs = benchmark.runs ?? 20;
  for (let i = 0; i < Math.min(5, runs); i += 1) await benchmark.run();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await benchmark.run();
    times.push(performance.now() - started);
  }
  return median(times);
};

const main = async (): Promise<number> => {
  const filter = process.argv[2];
  const all = [...coreBenchmarks(), ...extraBenchmarks()].filter((b) => !filter || b.name.includes(filter));
  let missed = 0;
  for (const benchmark of all) {
    const ms = await measure(benchmark);
    const ok = ms <= benchmark.targetMs;
    if (!ok) missed += 1;
    process.stdout.write(
      `${ok ? 'ok  ' : 'MISS'}  ${benchmark.name.padEnd(58)} median ${ms.toFixed(3).padStart(9)} ms  target ≤ ${benchmark.targetMs} ms\n`,
    );
  }
  // Speed figures beside their floors (bench/speed.ts): `pnpm bench handlers|inspect|release` runs one group.
  for (const [group, figures] of SPEED_GROUPS) {
    if (filter && filter !== 'speed' && !group.includes(filter)) continue;
    process.stdout.write(`\n${group} (${loadLine()})\n`);
    for (const figure of await figures()) {
      if (!meetsTarget(figure)) missed += 1;
      process.stdout.write(`${formatFigure(figure)}\n`);
    }
  }
  return missed === 0 ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(2);
  },
);
