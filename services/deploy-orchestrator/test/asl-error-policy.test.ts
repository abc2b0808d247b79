// The ASL agrees with the errors' policy (@glue-cd/core errors.ts), read from state-machines/deploy.asl.yaml itself:
// every retryable named error a task's Lambda can throw is in that state's Retry, no non-retryable one is, and Catch
// routes the rest. What a Lambda can throw is found in its code (every named error constructed on a path reachable
// from the handler, its edge's error mapping included), not declared by hand.
import { errorPolicy, NAMED_ERRORS } from '@glue-cd/core';
import path from 'node:path';
import { constructedErrorsOf, type ConstructedError } from '../../../test/support/sdk-calls';
import { loadDeployDefinition } from './support/asl';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const tasks = require('../tasks.js') as { TASK_NAMES: string[]; handlerPath: (task: string) => string };

const REPO = path.resolve(__dirname, '../../..');
const ERRORS_FILE = path.join(REPO, 'packages/core/src/errors.ts');
// Lambda's own service errors, and a crash or timeout of the function (every task is idempotent, so one that did its
// call and lost its answer is run again): retried by every task, not errors of ours.
const LAMBDA_SERVICE_ERROR = /^(Lambda\.[A-Za-z]+|Sandbox\.Timedout|Runtime\.ExitError|Runtime\.Unknown)$/;

interface Retrier {
  ErrorEquals: string[];
}
interface Catcher {
  ErrorEquals: string[];
  Next: string;
}

const { definition, functionOfState } = loadDeployDefinition();
const taskStates = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');

let thrown: Map<string, ConstructedError[]>;
beforeAll(() => {
  thrown = constructedErrorsOf(
    tasks.TASK_NAMES.map((task) => ({
      name: task,
      file: path.join(REPO, 'services/deploy-orchestrator', `${tasks.handlerPath(task).split('.')[0]}.ts`),
      exportName: 'handler',
    })),
    REPO,
    ERRORS_FILE,
  );
}, 120_000);

const throwable = (fn: string): string[] => (thrown.get(fn) ?? []).map((error) => error.name);

describe('what the task Lambdas can throw (the walk is not blind)', () => {
  it('finds the edge’s mapping in every task and each task’s own named errors', () => {
    for (const task of tasks.TASK_NAMES) {
      expect({ task, errors: throwable(task) }).toEqual({
        task,
        errors: expect.arrayContaining(['ThrottlingError', 'TransientAwsError']),
      });
    }
    expect(throwable('emptyBuckets')).toContain('BucketsNotEmptyYetError');
    expect(throwable('refuseChangeSet')).toContain('UnsafeChangeSetError');
    expect(throwable('validateInput')).toContain('ConfigurationError');
    expect(throwable('validateInput')).not.toContain('BucketsNotEmptyYetError');
  });

  it('every error a task can throw has a policy', () => {
    const unknown = tasks.TASK_NAMES.flatMap((task) => throwable(task).filter((name) => !errorPolicy(name)));
    expect(unknown).toEqual([]);
  });
});

describe.each(taskStates.map(([name]) => name))('%s', (stateName) => {
  const state = definition.States[stateName] as { Retry?: Retrier[]; Catch?: Catcher[] };
  const fn = functionOfState[stateName]!;
  const retried = (state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals);

  it('retries every retryable error its Lambda can throw', () => {
    const retryable = throwable(fn).filter((name) => errorPolicy(name)?.retryable);
    expect(retryable.filter((name) => !retried.includes(name))).toEqual([]);
  });

  it('retries nothing else: no non-retryable named error, no catch-all, only Lambda service and runtime errors besides', () => {
    const others = retried.filter((name) => !LAMBDA_SERVICE_ERROR.test(name) && !errorPolicy(name)?.retryable);
    expect(others).toEqual([]);
  });

  it('catches every error its Lambda can throw (retryable ones once retries run out) into a state', () => {
    const catchers = state.Catch ?? [];
    const routed = (name: string) =>
      catchers.find((c) => c.ErrorEquals.includes(name) || c.ErrorEquals.includes('States.ALL'));
    expect(throwable(fn).filter((name) => !routed(name))).toEqual([]);
    for (const catcher of catchers) expect(Object.keys(definition.States)).toContain(catcher.Next);
  });
});

describe('the policy table', () => {
  it('names each error by its class name, retryable errors fail a CodePipeline job as JobFailed', () => {
    for (const error of NAMED_ERRORS) {
      const instance = new error('x', { cause: new Error('root') });
      expect(instance).toMatchObject({ name: error.policy.code, code: error.policy.code });
      expect(instance.cause).toEqual(new Error('root'));
      if (error.policy.retryable) expect(error.policy.failureType).toBe('JobFailed');
    }
  });
});
