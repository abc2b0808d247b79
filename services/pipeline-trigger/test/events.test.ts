import { decodeContinuationToken, parseDeployInput, parsePipelineJob, tokenKey } from '@glue-cd/core';
import type { CodePipelineEvent } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildDeployInput } from '../src';

const event = (name: string) =>
  JSON.parse(readFileSync(path.join(__dirname, '../events', name), 'utf8')) as CodePipelineEvent;

const SAMPLE_TOKEN_KEY = 'sample-key-for-sls-invoke-local-only-not-a-real-secret-0123456789';
const SAMPLE_BINDING = {
  pipelineName: 'glue-cd-pipeline-dev',
  stage: 'LiveTest',
  action: 'DeployTestStack',
  pipelineExecutionId: '6a4b2c1d-8e9f-4a0b-9c1d-2e3f4a5b6c7d',
};

// The sample events are what `sls invoke local` runs: keep them valid as the contracts move.
describe('sample events for sls invoke local', () => {
  test('first-invocation.json is a first call with a valid deploy input', () => {
    const job = parsePipelineJob(event('first-invocation.json'));
    expect(job.continuationToken).toBeUndefined();
    const input = buildDeployInput(job.userParameters.input, job);
    expect(parseDeployInput(input)).toEqual(input);
    expect(input.template).toEqual({
      artifact: { bucket: job.inputArtifacts[0]?.bucket, key: job.inputArtifacts[0]?.key },
      path: 'glue-etl/cloudformation-template-update-stack.json',
    });
  });

  test('continuation.json carries a token of the first job for the same state machine, under a new job id', () => {
    const first = parsePipelineJob(event('first-invocation.json'));
    const later = parsePipelineJob(event('continuation.json'));
    // The sample token is signed with this documented sample key (README), never a deployed trigger's.
    const state = decodeContinuationToken(later.continuationToken ?? '', {
      stateMachineArn: later.userParameters.stateMachineArn ?? '',
      binding: SAMPLE_BINDING,
      keys: [tokenKey(SAMPLE_TOKEN_KEY)],
    });
    expect(later.jobId).not.toBe(first.jobId);
    expect(state.jobId).toBe(first.jobId);
  });
});
