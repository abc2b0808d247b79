import { decodeContinuationToken, parseDeployInput, parsePipelineJob } from '@glue-cd/core';
import type { CodePipelineEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildDeployInput } from '../src';

const event = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '../events', name), 'utf8')) as CodePipelineEvent;

// The sample events are what `sls invoke local` runs: keep them valid as the contracts move.
describe('sample events for sls invoke local', () => {
  test('first-invocation.json is a first call with a valid deploy input', () => {
    const job = parsePipelineJob(event('first-invocation.json'));
    expect(job.continuationToken).toBeUndefined();
    const input = buildDeployInput(job.userParameters.input, job);
    expect(parseDeployInput(input)).toEqual(input);
    expect(input.template).toEqual({
      artifact: { bucket: job.inputArtifacts[0]?.bucket, key: job.inputArtifacts[0]?.key },
      path: expect.any(String),
    });
  });

  test('continuation.json carries a token of the first job for the same state machine, under a new job id', () => {
    const first = parsePipelineJob(event('first-invocation.json'));
    const later = parsePipelineJob(event('continuation.json'));
    const state = decodeContinuationToken(later.continuationToken ?? '', {
      stateMachineArn: later.userParameters.stateMachineArn ?? '',
    });
    expect(later.jobId).not.toBe(first.jobId);
    expect(state.jobId).toBe(first.jobId);
  });
});
