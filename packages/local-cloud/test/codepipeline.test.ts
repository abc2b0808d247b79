import {
  CodePipelineClient,
  GetJobDetailsCommand,
  InvalidJobStateException,
  JobNotFoundException,
  PutJobFailureResultCommand,
  PutJobSuccessResultCommand,
} from '@aws-sdk/client-codepipeline';
import type { LocalCloud } from '../src';
import { removeDir, startTestCloud } from './helpers';

let cloud: LocalCloud;
let restore: () => void;
let codePipeline: CodePipelineClient;

beforeAll(async () => {
  ({ cloud, restore } = await startTestCloud());
  codePipeline = new CodePipelineClient({});
});

afterAll(async () => {
  codePipeline.destroy();
  await cloud.close();
  restore();
  removeDir(cloud.stateDir);
});

describe('local CodePipeline job results through a plain CodePipelineClient', () => {
  test('records a continuation, a final success with output variables and a failure', async () => {
    // Arrange
    const continuation = new PutJobSuccessResultCommand({
      jobId: 'job-1',
      continuationToken: 'token-abc',
      executionDetails: { summary: 'deploy running', externalExecutionId: 'exec-1' },
    });
    const success = new PutJobSuccessResultCommand({
      jobId: 'job-2',
      executionDetails: { summary: 'stack updated' },
      outputVariables: { StackId: 'stack-1', Outcome: 'updated' },
    });
    const failed = new PutJobFailureResultCommand({
      jobId: 'job-3',
      failureDetails: {
        type: 'JobFailed',
        message: 'UnsafeChangeSetError: Bucket DataLake would be replaced',
        externalExecutionId: 'exec-3',
      },
    });

    // Act
    await codePipeline.send(continuation);
    await codePipeline.send(success);
    await codePipeline.send(failed);

    // Assert
    expect(cloud.jobResults.get('job-1')).toMatchObject({
      jobId: 'job-1',
      status: 'succeeded',
      continuationToken: 'token-abc',
      summary: 'deploy running',
    });
    expect(cloud.jobResults.get('job-2')).toMatchObject({
      status: 'succeeded',
      summary: 'stack updated',
      outputVariables: { StackId: 'stack-1', Outcome: 'updated' },
    });
    expect(cloud.jobResults.get('job-2')).not.toHaveProperty('continuationToken');
    expect(cloud.jobResults.get('job-3')).toMatchObject({
      status: 'failed',
      failureType: 'JobFailed',
      message: 'UnsafeChangeSetError: Bucket DataLake would be replaced',
    });
    expect(cloud.jobResults.all().map((result) => result.jobId)).toEqual(
      expect.arrayContaining(['job-1', 'job-2', 'job-3']),
    );
    expect(cloud.jobResults.get('job-unknown')).toBeUndefined();
  });

  test('answering a job twice is InvalidJobStateException, and the first answer stands', async () => {
    // Arrange
    await codePipeline.send(new PutJobSuccessResultCommand({ jobId: 'job-twice-success' }));
    await codePipeline.send(
      new PutJobFailureResultCommand({
        jobId: 'job-twice-failure',
        failureDetails: { type: 'JobFailed', message: 'first failure' },
      }),
    );

    // Act
    const twice = await codePipeline
      .send(
        new PutJobFailureResultCommand({
          jobId: 'job-twice-success',
          failureDetails: { type: 'JobFailed', message: 'late failure' },
        }),
      )
      .catch((error: unknown) => error);
    const againSuccess = await codePipeline
      .send(new PutJobSuccessResultCommand({ jobId: 'job-twice-failure' }))
      .catch((error: unknown) => error);

    // Assert
    expect(twice).toBeInstanceOf(InvalidJobStateException);
    expect((twice as Error).message).toContain('job-twice-success');
    expect(cloud.jobResults.get('job-twice-success')?.status).toBe('succeeded');
    expect(againSuccess).toBeInstanceOf(InvalidJobStateException);
  });

  test('invalid input is a ValidationException naming the member', async () => {
    // Act
    const badType = await codePipeline
      .send(
        new PutJobFailureResultCommand({
          jobId: 'job-4',
          failureDetails: { type: 'NotAType' as never, message: 'x' },
        }),
      )
      .catch((error: unknown) => error as Error);
    const tooLong = await codePipeline
      .send(
        new PutJobFailureResultCommand({
          jobId: 'job-4',
          failureDetails: { type: 'JobFailed', message: 'x'.repeat(5001) },
        }),
      )
      .catch((error: unknown) => error as Error);

    // Assert
    expect(badType).toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining("'failureDetails.type'"),
    });
    expect(tooLong).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('5000') });
    expect(cloud.jobResults.get('job-4')).toBeUndefined();
  });
});

describe('local CodePipeline GetJobDetails', () => {
  const pipelineContext = {
    pipelineName: 'glue-cd-pipeline-local',
    stage: { name: 'LiveTest' },
    action: { name: 'DeployTestStack', actionExecutionId: 'a1b2c3d4-0000-4000-8000-000000000001' },
    pipelineExecutionId: 'e1e2e3e4-0000-4000-8000-000000000002',
  };

  test('returns the pipeline context of a job the release created', async () => {
    // Arrange
    const jobId = '0f6c1b7e-1111-4a2b-9c3d-aaaaaaaaaaaa';
    cloud.jobResults.createJob(jobId, {
      pipelineContext,
      actionConfiguration: {
        configuration: {
          FunctionName: 'trigger',
          UserParameters: '{}',
        },
      },
    });

    // Act
    const { jobDetails } = await codePipeline.send(new GetJobDetailsCommand({ jobId }));

    // Assert
    expect(jobDetails).toEqual({
      id: jobId,
      accountId: '000000000000',
      data: {
        pipelineContext,
        actionConfiguration: { configuration: { FunctionName: 'trigger', UserParameters: '{}' } },
      },
    });
    expect(() => cloud.jobResults.createJob(jobId, { pipelineContext })).toThrow(/already exists/);
  });

  test('an unknown job is JobNotFoundException, a malformed id a ValidationException, as on AWS', async () => {
    // Act
    const unknown = await codePipeline
      .send(new GetJobDetailsCommand({ jobId: '99999999-1111-4a2b-9c3d-aaaaaaaaaaaa' }))
      .catch((error: unknown) => error);
    const malformed = await codePipeline
      .send(new GetJobDetailsCommand({ jobId: 'job-1' }))
      .catch((error: unknown) => error as Error);

    // Assert
    expect(unknown).toBeInstanceOf(JobNotFoundException);
    expect((unknown as Error).message).toContain('99999999-1111-4a2b-9c3d-aaaaaaaaaaaa');
    expect(malformed).toMatchObject({ name: 'ValidationException', message: expect.stringContaining("'jobId'") });
  });
});
