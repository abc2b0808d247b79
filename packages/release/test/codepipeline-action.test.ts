import type { JobResult } from '@glue-cd/local-cloud';
import { runLambdaInvokeAction, type InvokeActionOptions } from '../src/codepipeline-action';

/** A worker that answers `continuations` jobs with a continuation token, then succeeds; every job it saw. */
const fakeWorker = (continuations: number) => {
  const jobs: string[] = [];
  const results = new Map<string, JobResult>();
  const lambda = {
    send: async (command: { input: { Payload: Uint8Array } }) => {
      const event = JSON.parse(Buffer.from(command.input.Payload).toString('utf8'));
      const jobId: string = event['CodePipeline.job'].id;
      jobs.push(jobId);
      const more = jobs.length <= continuations;
      results.set(jobId, {
        status: 'succeeded',
        ...(more ? { continuationToken: `token-${jobs.length}` } : { summary: 'deployed' }),
      } as JobResult);
      return {};
    },
  };
  return { jobs, lambda, jobResult: async (jobId: string) => results.get(jobId) };
};

const options = (worker: ReturnType<typeof fakeWorker>, extra: Partial<InvokeActionOptions>): InvokeActionOptions => ({
  clients: { lambda: worker.lambda } as never,
  jobResult: worker.jobResult,
  functionName: 'trigger',
  userParameters: '{}',
  inputArtifacts: [],
  artifactCredentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' },
  pollIntervalMs: 5,
  maxInvocations: 10,
  ...extra,
});

describe('a continuation-token job is invoked again', () => {
  it('as soon as reinvokeEarly resolves, without waiting out the interval (an hour here)', async () => {
    // Arrange
    const worker = fakeWorker(2);
    const seen: string[][] = [];
    const early = async (jobIds: readonly string[]) => {
      seen.push([...jobIds]);
    };

    // Act
    const outcome = await runLambdaInvokeAction(options(worker, { pollIntervalMs: 3_600_000, reinvokeEarly: early }));

    // Assert
    expect(outcome).toMatchObject({ status: 'Succeeded', invocations: 3, summary: 'deployed' });
    expect(seen).toEqual([worker.jobs.slice(0, 1), worker.jobs.slice(0, 2)]);
  });

  it('after the interval when reinvokeEarly fails or never resolves', async () => {
    // Arrange
    const failing = fakeWorker(2);
    const pending = fakeWorker(2);

    // Act
    const afterFailure = await runLambdaInvokeAction(
      options(failing, { reinvokeEarly: () => Promise.reject(new Error('no such execution')) }),
    );
    const afterNothing = await runLambdaInvokeAction(options(pending, { reinvokeEarly: () => new Promise(() => {}) }));

    // Assert
    expect(afterFailure).toMatchObject({ status: 'Succeeded', invocations: 3, jobIds: failing.jobs });
    expect(afterNothing).toMatchObject({ status: 'Succeeded', invocations: 3, jobIds: pending.jobs });
  });
});
