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
}

export interface RunOptions {
  executionName?: string;
  /** Throw an error with this name from a state's task this many times before calling it. */
  lambdaFaults?: Record<string, { name: string; times: number }>;
}

const lambdaContext = { getRemainingTimeInMillis: () => 900_000 } as Pick<Context, 'getRemainingTimeInMillis'>;

/** Runs state-machines/deploy.asl.yaml on aws-local-stepfunctions with the real task handlers, waits instant. */
export const runDeploy = async (input: unknown, options: RunOptions = {}): Promise<DeployRun> => {
  const { definition, functionOfState } = loadDeployDefinition();
  const machine = new StateMachine(definition as never);
  const states = Object.entries(definition.States);
  const faults = structuredClone(options.lambdaFaults ?? {});
  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(functionOfState).map(([stateName, fn]) => {
      const handler = taskHandlers[fn as TaskFunctionName] as (event: unknown, context: unknown) => Promise<unknown>;
      return [
        stateName,
        async (event: unknown) => {
          const fault = faults[stateName];
          if (fault !== undefined && fault.times > 0) {
            fault.times -= 1;
            throw Object.assign(new Error(`injected ${fault.name}`), { name: fault.name });
          }
          return (await handler(event, lambdaContext)) as never;
        },
      ];
    }),
  );
  const waitTimeOverrides = Object.fromEntries(states.filter(([, s]) => s.Type === 'Wait').map(([name]) => [name, 0]));
  const retryIntervalOverrides = Object.fromEntries(states.filter(([, s]) => 'Retry' in s).map(([name]) => [name, 0]));
  const executionName = options.executionName ?? 'codepipeline-job-1';
  const execution = machine.run(input as never, {
    overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:123456789012:execution:glue-cd-deploy-test:${executionName}`,
        Name: executionName,
      },
    },
  });
  const run: DeployRun = { visited: [], retries: {} };
  const collect = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') run.visited.push(event.state.name);
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
  return run;
};
