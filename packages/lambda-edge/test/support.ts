import type { Context } from 'aws-lambda';

/** Everything written to stdout/stderr while `run` runs (the Powertools Logger writes there). */
export const captureOutput = async (run: () => Promise<unknown> | unknown): Promise<string> => {
  const chunks: string[] = [];
  const record = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(record);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(record);
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks.join('');
};

export const logLines = (output: string): Record<string, unknown>[] =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** A Lambda context as the runtime passes it. */
export const lambdaContext = (requestId: string, remainingMs = 30_000): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'glue-cd-deploy-orchestrator-test-checkStack',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:glue-cd-deploy-orchestrator-test-checkStack',
  memoryLimitInMB: '256',
  awsRequestId: requestId,
  logGroupName: '/aws/lambda/glue-cd-deploy-orchestrator-test-checkStack',
  logStreamName: '2026/01/02/[$LATEST]abc',
  getRemainingTimeInMillis: () => remainingMs,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
