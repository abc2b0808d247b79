import { ConfigurationError, ThrottlingError, TransientAwsError } from '@glue-cd/core';
import { createLogger, edgeHandler, remainingTimeMs, stepFunctionsTaskError } from '../src';
import { captureOutput, lambdaContext, logLines } from './support';

const handlerWith = (run: (event: { stackName?: string; secretAccessKey?: string }) => unknown) => {
  const { logger } = createLogger({ serviceName: 'edge-test', logLevel: 'INFO' });
  return edgeHandler<{ stackName?: string; secretAccessKey?: string }, unknown>(
    {
      logger,
      keys: (event) => ({ stackName: event.stackName }),
      mapError: stepFunctionsTaskError('checkStack'),
      messages: { started: 'task started', succeeded: 'task succeeded', failed: 'task failed' },
    },
    (event) => {
      logger.info('working');
      return run(event);
    },
  );
};

/** The error the handler fails with (its log lines captured, not printed). */
const failureOf = async (handler: ReturnType<typeof handlerWith>): Promise<unknown> => {
  let failure: unknown;
  await captureOutput(async () => {
    failure = await handler({}, lambdaContext('r')).then(
      () => undefined,
      (error: unknown) => error,
    );
  });
  return failure;
};

describe('a handler composed by the edge', () => {
  it('puts the request id and the cold start on every log line (Powertools injectLambdaContext)', async () => {
    // The Lambda runtime sets it; Powertools reports a cold start only for on-demand initialisation.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const handler = handlerWith(() => 'ok');
    delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;

    const output = await captureOutput(async () => {
      await handler({ stackName: 'glue-cd-glue-etl-test' }, lambdaContext('req-1'));
      await handler({ stackName: 'glue-cd-glue-etl-test' }, lambdaContext('req-2'));
    });

    const lines = logLines(output);
    expect(lines.map((line) => [line.message, line.function_request_id, line.cold_start])).toEqual([
      ['task started', 'req-1', true],
      ['working', 'req-1', true],
      ['task succeeded', 'req-1', true],
      ['task started', 'req-2', false],
      ['working', 'req-2', false],
      ['task succeeded', 'req-2', false],
    ]);
    expect(lines[0]).toMatchObject({
      function_name: 'glue-cd-deploy-orchestrator-test-checkStack',
      stackName: 'glue-cd-glue-etl-test',
      service: 'edge-test',
    });
  });

  it('never logs the event, and keys of one invocation do not leak into the next', async () => {
    const handler = handlerWith(() => 'ok');

    const output = await captureOutput(async () => {
      await handler({ stackName: 'first-stack', secretAccessKey: 'wJalrXUtnFEMIdoNotLog' }, lambdaContext('req-1'));
      await handler({}, lambdaContext('req-2'));
    });

    expect(output).not.toContain('wJalrXUtnFEMIdoNotLog');
    const second = logLines(output).filter((line) => line.function_request_id === 'req-2');
    expect(second.length).toBe(3);
    for (const line of second) expect(line.stackName).toBeUndefined();
  });

  it('maps a throttled AWS call to the retryable ThrottlingError, keeping the original as its cause', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'Throttling',
      $metadata: { httpStatusCode: 400 },
    });
    const handler = handlerWith(() => Promise.reject(throttled));

    let failure: unknown;
    const output = await captureOutput(async () => {
      failure = await handler({ stackName: 's' }, lambdaContext('req-1')).catch((error: unknown) => error);
    });

    expect(failure).toBeInstanceOf(ThrottlingError);
    expect(failure).toMatchObject({
      name: 'ThrottlingError',
      retryable: true,
      message: 'checkStack: AWS throttled the request (Throttling: Rate exceeded)',
      cause: throttled,
    });
    const failed = logLines(output).find((line) => line.message === 'task failed');
    expect(failed).toMatchObject({
      function_request_id: 'req-1',
      stackName: 's',
      error: { name: 'ThrottlingError', cause: { name: 'Throttling' } },
    });
  });

  it('maps 5xx, timeouts and network errors to TransientAwsError; named errors keep their name', async () => {
    const cases: [unknown, string][] = [
      [
        Object.assign(new Error('boom'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } }),
        'TransientAwsError',
      ],
      [Object.assign(new Error('no answer'), { name: 'TimeoutError' }), 'TransientAwsError'],
      [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'TransientAwsError'],
      [new ConfigurationError('DeployInput.stackName: required'), 'ConfigurationError'],
      [
        Object.assign(new Error('Stack does not exist'), {
          name: 'ValidationError',
          $metadata: { httpStatusCode: 400 },
        }),
        'ValidationError',
      ],
    ];
    for (const [error, name] of cases) {
      const failure = await failureOf(handlerWith(() => Promise.reject(error)));
      expect((failure as Error).name).toBe(name);
      if (name === 'TransientAwsError') expect(failure).toBeInstanceOf(TransientAwsError);
    }
  });

  it('bounds and redacts the message a task fails with (it becomes the execution’s Cause)', async () => {
    const handler = handlerWith(() => {
      throw new ConfigurationError(`Credential=AKIAIOSFODNN7EXAMPLE/20260101 ${'x'.repeat(6000)}`);
    });

    const failure = (await failureOf(handler)) as Error;

    expect(failure.message.length).toBeLessThanOrEqual(5000);
    expect(failure.message).toContain('Credential=AKIA****************/20260101');
  });

  it('runs without a Lambda context (sls invoke local, tests): no request id, the fallback time budget', async () => {
    const handler = handlerWith(() => 'ok');
    await expect(captureOutput(() => handler({}))).resolves.toContain('task succeeded');
    expect(remainingTimeMs(undefined, 60_000)).toBe(60_000);
    expect(remainingTimeMs({}, 60_000)).toBe(60_000);
    expect(remainingTimeMs(lambdaContext('r', 1234), 60_000)).toBe(1234);
  });
});
