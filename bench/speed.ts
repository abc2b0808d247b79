// Speed figures, each beside its floor: Lambda cold start (each deployed handler's require vs bare node, and its
// bundle against the size budget), `glue-cd inspect` over 10,000 changes vs reading + parsing the same JSON, and the
// local release (`pnpm start -- --approve`) cold vs its budget and warm vs cold.
import { processIo, runGlueCd } from '@glue-cd/core/src/cli/main';
import { packageDeliveryServices, type PackagedService } from '@glue-cd/release';
import { unzipSync } from 'fflate';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { childrenCpuMs, median, timeProcess, type FigureVsFloor } from './figures';

const REPO_ROOT = path.resolve(__dirname, '..');
/** Runs of each process figure (alternating with its floor); BENCH_RUNS overrides. */
const RUNS = Number(process.env.BENCH_RUNS ?? 9);

const LAMBDA_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  PATH: process.env.PATH ?? '',
};

interface DeployedHandler {
  name: string;
  file: string;
  cwd: string;
  env: Record<string, string>;
}

/** Each function of the packaged orchestrator and trigger, unzipped as Lambda would, with its string environment. */
const deployedHandlers = (packaged: PackagedService[], workDir: string): DeployedHandler[] =>
  packaged.flatMap((service) =>
    Object.entries(service.template.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([logicalId, resource]) => {
        const properties = resource.Properties as {
          Handler: string;
          Code: { S3Key: string };
          Environment?: { Variables?: Record<string, unknown> };
        };
        const zip = path.join(service.dir, path.posix.basename(properties.Code.S3Key));
        const taskRoot = path.join(workDir, service.service, logicalId);
        for (const [name, content] of Object.entries(unzipSync(readFileSync(zip)))) {
          if (name.endsWith('/')) continue;
          mkdirSync(path.dirname(path.join(taskRoot, name)), { recursive: true });
          writeFileSync(path.join(taskRoot, name), content);
        }
        const variables = Object.fromEntries(
          Object.entries(properties.Environment?.Variables ?? {}).filter(
            (entry): entry is [string, string] => typeof entry[1] === 'string',
          ),
        );
        const module = properties.Handler.slice(0, properties.Handler.lastIndexOf('.'));
        return {
          name: `${service.service} ${logicalId.replace(/LambdaFunction$/, '')}`,
          file: path.join(taskRoot, `${module}.js`),
          cwd: taskRoot,
          env: { ...LAMBDA_ENV, ...variables },
        };
      }),
  );

/**
 * The Node modules Lambda's Node.js runtime client has loaded when it requires a handler
 * (aws-lambda-nodejs-runtime-interface-client, src/): RAPIDClient's `http`, ResponseStream's `net`, Errors' and
 * LogPatch's `util`, InvokeContext's `assert`, UserFunction's `fs` and `path`. A handler's init on Lambda does not
 * pay for these; its init over bare node does.
 */
const RUNTIME_CLIENT_MODULES = ['http', 'net', 'util', 'assert', 'fs', 'path'];
const RUNTIME_CLIENT_PRELOAD = RUNTIME_CLIENT_MODULES.map((name) => `require('node:${name}')`).join(';');

/** CPU time (user + sys) a call's child processes used, in ms (undefined where the OS does not say). */
const childCpu = <T>(call: () => T): { result: T; cpuMs?: number } => {
  const before = childrenCpuMs();
  const result = call();
  const after = childrenCpuMs();
  return before === undefined || after === undefined ? { result } : { result, cpuMs: after - before };
};

/**
 * A process and its floor in turns, so a drifting machine moves both alike; wall medians in ms, and the mean CPU
 * time (user + sys) of each (the OS counts it in 10 ms ticks: the sum over all runs, divided).
 */
const paired = (
  run: () => { ms: number; status: number | null; output: string },
  floor: () => { ms: number; status: number | null; output: string },
  okStatuses: (number | null)[] = [0],
): { value: number; floor: number; cpu?: { value: number; floor: number }; error?: string } => {
  run();
  floor();
  const values: number[] = [];
  const floors: number[] = [];
  let cpu: { value: number; floor: number } | undefined = { value: 0, floor: 0 };
  for (let i = 0; i < RUNS; i += 1) {
    const a = childCpu(run);
    if (!okStatuses.includes(a.result.status)) {
      const error = `exit ${a.result.status}: ${a.result.output.trim().split('\n').pop()}`;
      return { value: Number.NaN, floor: Number.NaN, error };
    }
    values.push(a.result.ms);
    const b = childCpu(floor);
    floors.push(b.result.ms);
    cpu =
      cpu && a.cpuMs !== undefined && b.cpuMs !== undefined
        ? { value: cpu.value + a.cpuMs, floor: cpu.floor + b.cpuMs }
        : undefined;
  }
  return {
    value: median(values),
    floor: median(floors),
    ...(cpu ? { cpu: { value: cpu.value / RUNS, floor: cpu.floor / RUNS } } : {}),
  };
};

/** `cpu (user+sys, mean of 9) 80 ms vs 30 ms (+50 ms)`: what a busy machine changes least. */
const cpuDetail = (cpu: { value: number; floor: number } | undefined): { detail?: string } =>
  cpu
    ? {
        detail: `cpu (user+sys, mean of ${RUNS}) ${cpu.value.toFixed(0)} ms vs ${cpu.floor.toFixed(0)} ms (+${(cpu.value - cpu.floor).toFixed(0)} ms)`,
      }
    : {};

/** `after the runtime client's modules (http, …) 90 ms vs 45 ms (+45 ms)`: the init as Lambda's runtime would add it. */
const runtimeDetail = ({ value, floor, error }: { value: number; floor: number; error?: string }): string =>
  `after the Lambda runtime client's modules (${RUNTIME_CLIENT_MODULES.join(', ')}) ${
    error === undefined
      ? `${value.toFixed(0)} ms vs ${floor.toFixed(0)} ms (+${(value - floor).toFixed(0)} ms)`
      : `not measured: ${error}`
  }`;

export const handlerFigures = async (): Promise<FigureVsFloor[]> => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'glue-cd-bench-handlers-'));
  try {
    // The same packagings as `pnpm start` (stage local): from the package cache when unchanged.
    const packaged = await packageDeliveryServices({ repoRoot: REPO_ROOT, buildDir: workDir, stage: 'local' });
    const figures: FigureVsFloor[] = [];
    for (const handler of deployedHandlers(packaged, path.join(workDir, 'task'))) {
      const options = { cwd: handler.cwd, env: handler.env };
      const requireHandler = `require(${JSON.stringify(handler.file)})`;
      const { cpu, ...init } = paired(
        () => timeProcess(process.execPath, ['-e', requireHandler], options),
        () => timeProcess(process.execPath, ['-e', '0'], options),
      );
      // Beside it, for reading it (not judged): the same init where Lambda's runtime client has already loaded its own.
      const inRuntime = paired(
        () => timeProcess(process.execPath, ['-e', `${RUNTIME_CLIENT_PRELOAD};${requireHandler}`], options),
        () => timeProcess(process.execPath, ['-e', RUNTIME_CLIENT_PRELOAD], options),
      );
      figures.push({
        name: `${handler.name}: init`,
        ...init,
        floorName: 'node -e 0',
        unit: 'ms',
        target: { kind: 'over', limit: 50 },
        detail: [cpuDetail(cpu).detail, runtimeDetail(inRuntime)].filter(Boolean).join('; '),
      });
      figures.push({
        name: `${handler.name}: bundle`,
        value: statSync(handler.file).size / 1024,
        unit: 'KB',
        target: { kind: 'max', limit: 500 },
      });
    }
    return figures;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
};

/** A describe-change-set page of `count` changes: adds, modifications, a few replacements and removals. */
const changeSetPage = (count: number) => ({
  StackName: 'glue-cd-glue-etl-prod',
  ChangeSetName: 'bench',
  Status: 'CREATE_COMPLETE',
  Changes: Array.from({ length: count }, (_, i) => ({
    Type: 'Resource',
    ResourceChange: {
      Action: i % 97 === 0 ? 'Remove' : i % 3 === 0 ? 'Add' : 'Modify',
      LogicalResourceId: `Resource${i}`,
      PhysicalResourceId: `glue-cd-resource-${i}`,
      ResourceType: i % 5 === 0 ? 'AWS::S3::Bucket' : 'AWS::Glue::Job',
      Replacement: i % 17 === 0 ? 'True' : 'False',
      Scope: ['Properties'],
      Details: [
        {
          Target: { Attribute: 'Properties', Name: 'Description', RequiresRecreation: 'Never' },
          Evaluation: 'Static',
          ChangeSource: 'DirectModification',
        },
      ],
    },
  })),
});

const timed = (work: () => unknown): number => {
  const started = performance.now();
  work();
  return performance.now() - started;
};

export const inspectFigures = async (): Promise<FigureVsFloor[]> => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'glue-cd-bench-inspect-'));
  try {
    const file = path.join(workDir, 'describe-change-set.json');
    writeFileSync(file, JSON.stringify(changeSetPage(10_000)));
    const readAndParse = () => JSON.parse(readFileSync(file, 'utf8')) as unknown;
    // The process's IO with the output dropped: what is timed is reading, judging and rendering.
    const io = { ...processIo(workDir), stdout: () => undefined, stderr: () => undefined };
    const inspect = () => runGlueCd(['inspect', file], io);
    const exit = await inspect();
    if (exit !== 0 && exit !== 1) throw new Error(`glue-cd inspect ended with exit ${exit} on ${file}`);
    for (let i = 0; i < 3; i += 1) {
      readAndParse();
      await inspect();
    }
    const values: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < RUNS * 2; i += 1) {
      const started = performance.now();
      await inspect();
      values.push(performance.now() - started);
      floors.push(timed(readAndParse));
    }
    // Exit 1 is the verdict "would delete or replace resources" (the page has removals): a finished run.
    const { cpu: cliCpu, ...cli } = paired(
      () => timeProcess(process.execPath, [path.join(REPO_ROOT, 'packages/core/bin/glue-cd.cjs'), 'inspect', file]),
      () =>
        timeProcess(process.execPath, [
          '-e',
          `JSON.parse(require('node:fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`,
        ]),
      [0, 1],
    );
    return [
      {
        name: 'glue-cd inspect, 10,000 changes (in process)',
        value: median(values),
        floor: median(floors),
        floorName: 'read + JSON.parse',
        unit: 'ms',
        target: { kind: 'ratio', limit: 2 },
      },
      {
        name: 'glue-cd inspect, 10,000 changes (CLI process)',
        ...cli,
        floorName: 'node reading + parsing it',
        unit: 'ms',
        target: { kind: 'ratio', limit: 3 },
        ...cpuDetail(cliCpu),
      },
    ];
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
};

const lastLines = (text: string): string => text.trim().split('\n').slice(-3).join(' / ');
/** The release summary's `time … by phase` line: where the run's time went. */
const phaseLine = (output: string | undefined): { detail?: string } => {
  const line = output?.split('\n').find((text) => text.includes(' by phase (start+duration, s): '));
  return line ? { detail: line.replace(/^.*?time /, 'time ') } : {};
};

/**
 * `pnpm start -- --approve --fresh` with an empty package cache (cold), then `pnpm start -- --approve` again with
 * nothing changed (warm): the rerun reuses the packages, finds every operator stack unchanged and stops after the
 * Source (nothing to release: the last execution's Source, which succeeded). Then, for reading it, the whole pipeline
 * again on the same Source (`--release-change`: the Build's packages and cfn-lint pass reused, the test stack made,
 * live-tested and deleted again, production "no-changes"). Each figure is followed by that run's time by phase.
 */
export const releaseFigures = async (): Promise<FigureVsFloor[]> => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'glue-cd-bench-release-'));
  try {
    const env = {
      ...process.env,
      GLUE_CD_CACHE_DIR: path.join(workDir, 'cache'),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    };
    const start = (...extra: string[]) =>
      timeProcess(
        process.execPath,
        [
          'scripts/run-ts.cjs',
          'packages/release/src/main.ts',
          '--approve',
          '--state-dir',
          path.join(workDir, 'state'),
          '--report-dir',
          path.join(workDir, 'reports'),
          ...extra,
        ],
        { cwd: REPO_ROOT, env },
      );
    const cold = start('--fresh');
    const warm = cold.status === 0 ? start() : undefined;
    // The same unchanged Source through the whole pipeline (CodePipeline's "Release change"): what the skip saves.
    const forced = warm?.status === 0 ? start('--release-change') : undefined;
    const coldError = cold.status === 0 ? undefined : `cold run exit ${cold.status}: ${lastLines(cold.output)}`;
    const warmError = warm && warm.status !== 0 ? `warm run exit ${warm.status}: ${lastLines(warm.output)}` : undefined;
    return [
      {
        name: 'release, cold (--fresh, empty package cache)',
        value: cold.ms / 1000,
        unit: 's',
        target: { kind: 'max', limit: 20 },
        ...(coldError ? { error: coldError } : {}),
        ...phaseLine(cold.output),
      },
      {
        name: 'release, rerun with no change',
        value: (warm?.ms ?? Number.NaN) / 1000,
        floor: cold.ms / 1000,
        floorName: 'cold',
        unit: 's',
        target: { kind: 'ratio', limit: 0.25 },
        ...(coldError || warmError ? { error: coldError ?? warmError } : {}),
        ...phaseLine(warm?.output),
      },
      {
        name: 'release, rerun --release-change (no change)',
        value: (forced?.ms ?? Number.NaN) / 1000,
        floor: cold.ms / 1000,
        floorName: 'cold',
        unit: 's',
        ...(forced && forced.status !== 0 ? { error: `exit ${forced.status}: ${lastLines(forced.output)}` } : {}),
        ...phaseLine(forced?.output),
      },
    ];
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
};
