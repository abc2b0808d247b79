// Every log line of a task carries the Lambda context (Powertools injectLambdaContext through the edge).
import type { Context } from 'aws-lambda';
import { deployInput } from './support/fixtures';

const context = (requestId: string) =>
  ({
    functionName: 'glue-cd-deploy-orchestrator-test-validateInput',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:glue-cd-deploy-orchestrator-test-validateInput',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => 60_000,
  }) as Partial<Context>;

const captureStdout = async (run: () => Promise<unknown>): Promise<Record<string, unknown>[]> => {
  const chunks: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  try {
    await run();
  } finally {
    write.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
};

describe('task log lines', () => {
  it('carry function_request_id and cold_start (true on the first invocation of a container only)', async () => {
    // Set by the Lambda runtime before the module loads; Powertools reads it when the logger is created.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    let handlers: typeof import('../src/handlers') | undefined;
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the runtime's variable is set
      handlers = require('../src/handlers') as typeof import('../src/handlers');
    });
    delete process.env.AWS_LAMBDA_INITIALIZATION_TYPE;
    const { validateInput } = handlers!.taskHandlers;

    const lines = await captureStdout(async () => {
      await validateInput({ input: deployInput(), executionName: 'codepipeline-1' }, context('req-cold'));
      await validateInput({ input: deployInput(), executionName: 'codepipeline-2' }, context('req-warm'));
    });

    expect(lines.map((l) => [l.message, l.function_request_id, l.cold_start, l.executionName])).toEqual([
      ['task started', 'req-cold', true, 'codepipeline-1'],
      ['task succeeded', 'req-cold', true, 'codepipeline-1'],
      ['task started', 'req-warm', false, 'codepipeline-2'],
      ['task succeeded', 'req-warm', false, 'codepipeline-2'],
    ]);
    expect(lines[0]).toMatchObject({
      task: 'validateInput',
      function_name: 'glue-cd-deploy-orchestrator-test-validateInput',
      service: 'glue-cd-deploy-orchestrator',
    });
  });
});
