import { StateMachine } from 'aws-local-stepfunctions';
import type { Context } from 'aws-lambda';
import { taskHandlers, type TaskFunctionName } from '../../src/handlers';
import { loadDeployDefinition } from './asl';

export interface DeployRun {
  output?: Record<string, unknown>;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order. */
  visited: string[];
  /** Times each state was retried. */
  retries: Record<string, number>;
  /** The largest serialized state document (state input and output, task result), in bytes, and where. */
  largestState: { bytes: number; where: string };
}

/** Step Functions' limit on a state's input, output and a task result: 256 KiB of UTF-8. */
export const STATE_LIMIT_BYTES = 256 * 1024;

/** The Lambda environment of every task in these runs (the staging bucket is the local cloud's). */
export const STAGING_BUCKET = 'glue-cd-deploy-orchestrator-test-stagingbucket';
export const TASK_ENVIRONMENT: Record<string, string> = {
  TEMPLATE_STAGING_BUCKET: STAGING_BUCKET,
  PROTECTED_ENVIRONMENTS: 'prod',
};

export interface RunOptions {
  executionName?: string;
  /** Throw an error with this name from a state's task this many times before calling it. */
  lambdaFaults?: Record<string, { name: string; times: number }>;
  /** Call a state's task, then lose its response (Lambda.ServiceException) this many times: a retry after the effect. */
  lostResponses?: Record<string, number>;
  /** Milliseconds each task invocation has left (context.getRemainingTimeInMillis()); a function decides per
   * invocation of a state (attempt counts from 1 across that state's invocations in the run). */
  remainingTimeMs?: number | ((state: string, attempt: number) => number);
  /** Lambda environment overrides (merged onto TASK_ENVIRONMENT; undefined removes a variable). */
  env?: Record<string, string | undefined>;
}

const sizeOf = (value: unknown): number => Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');

/** Sets the Lambda environment for the run; returns how to restore the previous one. */
const withEnvironment = (env: Record<string, string | undefined>): (() => void) => {
  const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  apply(env);
  return () => apply(previous);
};

/**
 * Runs state-machines/deploy.asl.yaml on aws-local-stepfunctions with the real task handlers, waits instant, and
 * measures every state document on the way (`largestState`).
 */
// Built once per test file: validating the definition takes about a second, more than most runs.
let loaded:
  | {
      definition: ReturnType<typeof loadDeployDefinition>['definition'];
      functionOfState: Record<string, string>;
      machine: StateMachine;
    }
  | undefined;
const deployMachine = () => {
  if (loaded === undefined) {
    const { definition, functionOfState } = loadDeployDefinition();
    loaded = { definition, functionOfState, machine: new StateMachine(definition as never) };
  }
  return loaded;
};

export const runDeploy = async (input: unknown, options: RunOptions = {}): Promise<DeployRun> => {
  const { definition, functionOfState, machine } = deployMachine();
  const states = Object.entries(definition.States);
  const faults = structuredClone(options.lambdaFaults ?? {});
  const lost = { ...(options.lostResponses ?? {}) };
  const invocations: Record<string, number> = {};
  const contextFor = (state: string): Pick<Context, 'getRemainingTimeInMillis'> => {
    invocations[state] = (invocations[state] ?? 0) + 1;
    const remaining = options.remainingTimeMs;
    const ms = typeof remaining === 'function' ? remaining(state, invocations[state]) : (remaining ?? 900_000);
    return { getRemainingTimeInMillis: () => ms };
  };
  const run: DeployRun = { visited: [], retries: {}, largestState: { bytes: 0, where: '' } };
  const measure = (value: unknown, where: string) => {
    const bytes = sizeOf(value);
    if (bytes > run.largestState.bytes) run.largestState = { bytes, where };
  };
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(functionOfState).map(([stateName, fn]) => {
      const handler = taskHandlers[fn as TaskFunctionName] as (event: unknown, context: unknown) => Promise<unknown>;
      return [
        stateName,
        async (event: unknown) => {
          measure(event, `${stateName} task input`);
          const fault = faults[stateName];
          if (fault !== undefined && fault.times > 0) {
            fault.times -= 1;
            throw Object.assign(new Error(`injected ${fault.name}`), { name: fault.name });
          }
          const result = await handler(event, contextFor(stateName));
          measure(result, `${stateName} result`);
          if ((lost[stateName] ?? 0) > 0) {
            lost[stateName] = (lost[stateName] ?? 0) - 1;
            throw Object.assign(new Error('injected: the response of a call that took effect was lost'), {
              name: 'Lambda.ServiceException',
            });
          }
          return result as never;
        },
      ];
    }),
  );
  const waitTimeOverrides = Object.fromEntries(states.filter(([, s]) => s.Type === 'Wait').map(([name]) => [name, 0]));
  const retryIntervalOverrides = Object.fromEntries(states.filter(([, s]) => 'Retry' in s).map(([name]) => [name, 0]));
  const executionName = options.executionName ?? 'codepipeline-job-1';
  const restore = withEnvironment({ ...TASK_ENVIRONMENT, ...(options.env ?? {}) });
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:123456789012:execution:glue-cd-deploy-test:${executionName}`,
        Name: executionName,
      },
    },
  });
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') {
        run.visited.push(event.state.name);
        measure(event.state.input, `${event.state.name} input`);
      }
      if (event.type === 'StateExited') measure(event.state.output, `${event.state.name} output`);
      if (event.type === 'StateRetried') run.retries[event.state.name] = (run.retries[event.state.name] ?? 0) + 1;
      if (event.type === 'ExecutionFailed') {
        run.error = event.Error;
        run.cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause);
      }
    }
  })();
  try {
    run.output = (await execution.result) as Record<string, unknown>;
  } catch (error) {
    const failure = (error as { cause?: { name?: string; message?: string } }).cause;
    run.error ??= failure?.name;
    run.cause ??= failure?.message;
  }
  await collect;
  restore();
  return run;
};
