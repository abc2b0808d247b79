import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ExecutionAlreadyExists, StartExecutionCommand, StateMachineDoesNotExist } from '@aws-sdk/client-sfn';
import { executionArnFor, executionNameForJob, parseDeployInput } from '@glue-cd/core';
import { zipSync, strToU8 } from 'fflate';
import {
  ARTIFACT,
  BINDING,
  CREDENTIALS,
  FIRST_JOB_ID,
  STATE_MACHINE_ARN,
  VALID_INPUT,
  decode,
  harness,
  jobEvent,
  objectBody,
} from './fixtures';

const EXECUTION_NAME = executionNameForJob(FIRST_JOB_ID);
const EXECUTION_ARN = executionArnFor(STATE_MACHINE_ARN, EXECUTION_NAME);

const startedInput = (h: ReturnType<typeof harness>, call = 0): unknown =>
  JSON.parse(h.sfnMock.commandCalls(StartExecutionCommand)[call]?.args[0].input.input ?? 'null');

const tokenOf = (h: ReturnType<typeof harness>, call = 0) => {
  const token = h.successes()[call]?.continuationToken;
  if (token === undefined) throw new Error(`PutJobSuccessResult call ${call} has no continuation token`);
  return decode(token);
};

const artifactZip = (files: Record<string, string>) =>
  zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])));

describe('first invocation: starts the deploy state machine', () => {
  test('inline input: starts an execution named after the job with the validated input, answers with a token', async () => {
    const h = harness();
    h.sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

    const answer = await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(answer.kind).toBe('in-progress');
    const start = h.sfnMock.commandCalls(StartExecutionCommand);
    expect(start).toHaveLength(1);
    expect(start[0]?.args[0].input).toMatchObject({ stateMachineArn: STATE_MACHINE_ARN, name: EXECUTION_NAME });
    expect(startedInput(h)).toEqual({ ...parseDeployInput(VALID_INPUT), pipeline: { jobId: FIRST_JOB_ID } });
    expect(h.successes()).toHaveLength(1);
    expect(h.successes()[0]).toMatchObject({
      jobId: FIRST_JOB_ID,
      executionDetails: { externalExecutionId: EXECUTION_ARN },
    });
    expect(h.successes()[0]?.executionDetails?.summary).toBe(
      `Deploying stack glue-etl-test (test) with execution ${EXECUTION_NAME}`,
    );
    expect(tokenOf(h)).toEqual({
      executionArn: EXECUTION_ARN,
      executionName: EXECUTION_NAME,
      jobId: FIRST_JOB_ID,
      startedAt: '2026-01-02T03:04:05.000Z',
      polls: 0,
      binding: BINDING,
    });
    expect(h.failures()).toHaveLength(0);
    // Inline input needs no artifact access.
    expect(h.artifactS3Factory).not.toHaveBeenCalled();
  });

  test('UserParameters.stateMachineArn wins over DEPLOY_STATE_MACHINE_ARN', async () => {
    const other = 'arn:aws:states:eu-west-1:123456789012:stateMachine:glue-cd-deploy-other';
    const h = harness();
    h.sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArnFor(other, EXECUTION_NAME) });

    await h.trigger(jobEvent({ stateMachineArn: other, input: VALID_INPUT }));

    expect(h.sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toBe(other);
    expect(decode(h.successes()[0]?.continuationToken, other).executionArn).toBe(
      executionArnFor(other, EXECUTION_NAME),
    );
  });

  test('inputFile in the first input artifact zip, with the template artifactPath shorthand expanded', async () => {
    const h = harness();
    const deployFile = { ...VALID_INPUT, template: { artifactPath: 'glue-etl/cloudformation-template.json' } };
    const zip = artifactZip({
      'deploy/test.json': JSON.stringify(deployFile),
      'glue-etl/cloudformation-template.json': '{"Resources":{}}',
    });
    h.s3Mock.on(GetObjectCommand, { Bucket: ARTIFACT.bucket, Key: ARTIFACT.key }).resolves({ Body: objectBody(zip) });
    h.sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));

    expect(h.failures()).toEqual([]);
    expect(h.artifactS3Factory).toHaveBeenCalledWith(CREDENTIALS);
    expect(startedInput(h)).toMatchObject({
      stackName: 'glue-etl-test',
      template: {
        artifact: { bucket: ARTIFACT.bucket, key: ARTIFACT.key },
        path: 'glue-etl/cloudformation-template.json',
      },
      pipeline: { jobId: FIRST_JOB_ID },
    });
    expect(tokenOf(h).executionArn).toBe(EXECUTION_ARN);
  });

  test('inputFile as an s3://bucket/key URL', async () => {
    const h = harness();
    h.s3Mock
      .on(GetObjectCommand, { Bucket: 'deploy-inputs', Key: 'glue-etl/test.json' })
      .resolves({ Body: objectBody(JSON.stringify(VALID_INPUT)) });
    h.sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    await h.trigger(jobEvent({ inputFile: 's3://deploy-inputs/glue-etl/test.json' }));

    expect(h.failures()).toEqual([]);
    expect(startedInput(h)).toMatchObject({ stackName: 'glue-etl-test', template: VALID_INPUT.template });
  });

  test('a duplicate invocation of the same job follows the existing execution instead of starting a second deploy', async () => {
    let clock = Date.parse('2026-01-02T03:04:05.000Z');
    const h = harness({ now: () => new Date((clock += 7_000)) });
    h.sfnMock
      .on(StartExecutionCommand)
      .resolvesOnce({ executionArn: EXECUTION_ARN })
      .rejects(new ExecutionAlreadyExists({ message: `Execution Already Exists: '${EXECUTION_ARN}'`, $metadata: {} }));

    const first = await h.trigger(jobEvent({ input: VALID_INPUT }));
    const duplicate = await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect([first.kind, duplicate.kind]).toEqual(['in-progress', 'in-progress']);
    const calls = h.sfnMock.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(2);
    // Same name and byte-identical input although time moved on: Step Functions sees the same request.
    expect(calls[1]?.args[0].input).toEqual(calls[0]?.args[0].input);
    expect(h.failures()).toEqual([]);
    expect(tokenOf(h, 1).executionArn).toBe(tokenOf(h, 0).executionArn);
    expect(tokenOf(h, 1).executionArn).toBe(EXECUTION_ARN);
  });

  test('artifactPath shorthand with an s3:// inputFile still points at the first input artifact', async () => {
    const h = harness();
    h.s3Mock
      .on(GetObjectCommand, { Bucket: 'deploy-inputs', Key: 'test.json' })
      .resolves({ Body: objectBody(JSON.stringify({ ...VALID_INPUT, template: { artifactPath: 't.json' } })) });
    h.sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN });

    await h.trigger(jobEvent({ inputFile: 's3://deploy-inputs/test.json' }));

    expect(startedInput(h)).toMatchObject({
      template: { artifact: { bucket: ARTIFACT.bucket, key: ARTIFACT.key }, path: 't.json' },
    });
  });
});

describe('first invocation: configuration problems end in a ConfigurationError failure naming what is wrong', () => {
  test.each([
    ['UserParameters that are not JSON', '{input:', /UserParameters is not valid JSON/],
    ['empty UserParameters', '', /UserParameters is empty/],
    [
      'both input and inputFile',
      { input: VALID_INPUT, inputFile: 'deploy/test.json' },
      /exactly one of "input".*"inputFile"/,
    ],
    ['neither input nor inputFile', {}, /exactly one of "input"/],
    ['an unknown UserParameters key', { input: VALID_INPUT, stage: 'x' }, /UserParameters.*stage/],
    [
      'a stateMachineArn that is not an ARN',
      { stateMachineArn: 'glue-cd-deploy', input: VALID_INPUT },
      /UserParameters\.stateMachineArn: must be a state machine ARN/,
    ],
    [
      'a bad stack name in the deploy input',
      { input: { ...VALID_INPUT, stackName: '1-bad_name' } },
      /DeployInput\.stackName/,
    ],
    [
      'a deploy without a template',
      { input: { environmentName: 'test', stackName: 'glue-etl-test' } },
      /DeployInput\.template: is required/,
    ],
    [
      'an empty artifactPath',
      { input: { ...VALID_INPUT, template: { artifactPath: '' } } },
      /DeployInput\.template\.artifactPath/,
    ],
    ['an unknown deploy input field', { input: { ...VALID_INPUT, stackname: 'x' } }, /DeployInput.*stackname/],
    [
      'an inline deploy input that is an array',
      { input: [VALID_INPUT] },
      /^ConfigurationError: UserParameters\.input: /,
    ],
    [
      'artifactPath mixed with another template key',
      { input: { ...VALID_INPUT, template: { artifactPath: 'glue-etl/t.json', url: VALID_INPUT.template.url } } },
      /^ConfigurationError: DeployInput\.template: artifactPath cannot be combined with "url"$/,
    ],
  ])('%s', async (_case, userParameters, message) => {
    const h = harness();

    await h.trigger(jobEvent(userParameters));

    expect(h.failures()).toHaveLength(1);
    expect(h.failures()[0]).toMatchObject({ jobId: FIRST_JOB_ID, failureDetails: { type: 'ConfigurationError' } });
    expect(h.failures()[0]?.failureDetails?.message).toMatch(message);
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(h.successes()).toHaveLength(0);
  });

  test('no state machine ARN in UserParameters nor in the environment', async () => {
    const h = harness({ defaultStateMachineArn: undefined });

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.failures()[0]?.failureDetails).toMatchObject({ type: 'ConfigurationError' });
    expect(h.failures()[0]?.failureDetails?.message).toMatch(
      /UserParameters\.stateMachineArn or the DEPLOY_STATE_MACHINE_ARN/,
    );
  });

  test('a DEPLOY_STATE_MACHINE_ARN that is not a state machine ARN', async () => {
    const h = harness({ defaultStateMachineArn: 'arn:aws:lambda:eu-west-1:123456789012:function:x' });

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.failures()[0]?.failureDetails?.message).toMatch(/DEPLOY_STATE_MACHINE_ARN is not a state machine ARN/);
  });

  test('an inputFile missing from the artifact zip: names the file and what the zip holds', async () => {
    const h = harness();
    h.s3Mock
      .on(GetObjectCommand)
      .resolves({ Body: objectBody(artifactZip({ 'deploy/prod.json': '{}', 'README.md': '#' })) });

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));

    const failure = h.failures()[0]?.failureDetails;
    expect(failure?.type).toBe('ConfigurationError');
    expect(failure?.message).toContain('"deploy/test.json" is not in input artifact BuildOutput');
    expect(failure?.message).toContain(`s3://${ARTIFACT.bucket}/${ARTIFACT.key}`);
    expect(failure?.message).toContain('deploy/prod.json, README.md');
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  test('an inputFile that is not JSON', async () => {
    const h = harness();
    h.s3Mock.on(GetObjectCommand).resolves({ Body: objectBody(artifactZip({ 'deploy/test.json': 'stackName: x' })) });

    await h.trigger(jobEvent({ inputFile: './deploy/test.json' }));

    expect(h.failures()[0]?.failureDetails?.type).toBe('ConfigurationError');
    expect(h.failures()[0]?.failureDetails?.message).toMatch(
      /inputFile "\.\/deploy\/test\.json" in input artifact BuildOutput .* is not valid JSON/,
    );
  });

  test('an artifact that is not a zip', async () => {
    const h = harness();
    h.s3Mock.on(GetObjectCommand).resolves({ Body: objectBody('not a zip at all') });

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));

    expect(h.failures()[0]?.failureDetails?.message).toMatch(/input artifact BuildOutput .* is not a readable zip/);
  });

  test('an inputFile path when the action has no input artifact', async () => {
    const h = harness();

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }, { inputArtifacts: [] }));

    expect(h.failures()[0]?.failureDetails).toMatchObject({ type: 'ConfigurationError' });
    expect(h.failures()[0]?.failureDetails?.message).toMatch(
      /inputFile "deploy\/test.json" is a path inside the input artifact, but the action has no input artifact/,
    );
  });

  test('an s3:// inputFile that does not exist', async () => {
    const h = harness();

    await h.trigger(jobEvent({ inputFile: 's3://deploy-inputs/missing.json' }));

    expect(h.failures()[0]?.failureDetails).toMatchObject({ type: 'ConfigurationError' });
    expect(h.failures()[0]?.failureDetails?.message).toBe(
      'NoSuchKey: cannot read s3://deploy-inputs/missing.json: The specified key does not exist.',
    );
  });

  test('an artifact the credentials may not read is a PermissionError', async () => {
    const h = harness();
    h.s3Mock
      .on(GetObjectCommand)
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));

    expect(h.failures()[0]?.failureDetails).toMatchObject({ type: 'PermissionError' });
    expect(h.failures()[0]?.failureDetails?.message).toContain(`s3://${ARTIFACT.bucket}/${ARTIFACT.key}`);
  });

  test('a state machine that does not exist', async () => {
    const h = harness();
    h.sfnMock.on(StartExecutionCommand).rejects(
      new StateMachineDoesNotExist({
        message: `State Machine Does Not Exist: '${STATE_MACHINE_ARN}'`,
        $metadata: {},
      }),
    );

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.failures()[0]?.failureDetails).toMatchObject({ type: 'ConfigurationError' });
    expect(h.failures()[0]?.failureDetails?.message).toContain('StateMachineDoesNotExist');
    expect(h.successes()).toHaveLength(0);
  });
});

describe('first invocation: deploy input files and job events the trigger cannot use', () => {
  test.each([
    ['an array', [VALID_INPUT], 'ConfigurationError: DeployInput: must be a JSON object, got an array'],
    [
      'artifactPath beside a body',
      { ...VALID_INPUT, template: { artifactPath: 't.json', body: '{}', url: 's3://b/t.json' } },
      'ConfigurationError: DeployInput.template: artifactPath cannot be combined with "body", "url"',
    ],
  ])('an inputFile holding %s: ConfigurationError naming it, nothing started', async (_case, document, message) => {
    const h = harness();
    h.s3Mock
      .on(GetObjectCommand)
      .resolves({ Body: objectBody(artifactZip({ 'deploy/test.json': JSON.stringify(document) })) });

    await h.trigger(jobEvent({ inputFile: 'deploy/test.json' }));

    expect(h.failures()).toEqual([{ jobId: FIRST_JOB_ID, failureDetails: { type: 'ConfigurationError', message } }]);
    expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(h.successes()).toEqual([]);
  });

  const damaged = (damage: (data: Record<string, unknown>) => void) => {
    const event = jobEvent({ inputFile: 'deploy/test.json' });
    damage(event['CodePipeline.job'].data as unknown as Record<string, unknown>);
    return event;
  };

  test.each([
    [
      'a job without actionConfiguration',
      damaged((data) => delete data.actionConfiguration),
      `ConfigurationError: job ${FIRST_JOB_ID}: not a valid CodePipeline job event: "CodePipeline.job".data.actionConfiguration: is missing`,
    ],
    [
      'an input artifact that is not in S3',
      damaged((data) => {
        const [artifact] = data.inputArtifacts as { location: { type: string } }[];
        artifact!.location.type = 'CodeCommit';
      }),
      `ConfigurationError: job ${FIRST_JOB_ID}: not a valid CodePipeline job event: "CodePipeline.job".data.inputArtifacts[0].location.type: must be "S3": the trigger reads input artifacts from S3 only`,
    ],
  ])(
    '%s: answered with a ConfigurationError naming the member, nothing read or started',
    async (_case, event, message) => {
      const h = harness();

      const answer = await h.trigger(event);

      expect(answer.kind).toBe('failed');
      expect(h.failures()).toHaveLength(1);
      expect(h.failures()[0]).toMatchObject({ jobId: FIRST_JOB_ID, failureDetails: { type: 'ConfigurationError' } });
      expect(h.failures()[0]?.failureDetails?.message).toMatch(message);
      expect(h.artifactS3Factory).not.toHaveBeenCalled();
      expect(h.sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
    },
  );
});

/** An SDK error as the clients raise it: a service answer (with its HTTP status) or a socket error (none). */
const serviceError = (name: string, httpStatusCode: number) =>
  Object.assign(new Error(`${name} from the service`), { name, $fault: 'server', $metadata: { httpStatusCode } });
const networkError = (code: string) => Object.assign(new Error(`socket: ${code}`), { code });

describe('first invocation: StartExecution errors', () => {
  test.each([
    ['a 500 (InternalServerError)', serviceError('InternalServerError', 500)],
    ['a 503 (ServiceUnavailable)', serviceError('ServiceUnavailable', 503)],
    ['a 502 without a known name', serviceError('BadGateway', 502)],
    ['a reset connection', networkError('ECONNRESET')],
    ['a refused connection', networkError('ECONNREFUSED')],
    ['a throttle', serviceError('ThrottlingException', 400)],
  ])(
    '%s may have started the execution: "in progress" with a token for it, the poll finds out',
    async (_case, error) => {
      const h = harness();
      h.sfnMock.on(StartExecutionCommand).rejects(error);

      const answer = await h.trigger(jobEvent({ input: VALID_INPUT }));

      expect(answer.kind).toBe('in-progress');
      expect(h.failures()).toEqual([]);
      expect(h.successes()).toHaveLength(1);
      expect(tokenOf(h)).toEqual({
        executionArn: EXECUTION_ARN,
        executionName: EXECUTION_NAME,
        jobId: FIRST_JOB_ID,
        startedAt: '2026-01-02T03:04:05.000Z',
        polls: 0,
        binding: BINDING,
      });
    },
  );

  test('a 400 that is not a throttle fails the job, naming the error, without a token', async () => {
    const h = harness();
    h.sfnMock.on(StartExecutionCommand).rejects(serviceError('ValidationException', 400));

    await h.trigger(jobEvent({ input: VALID_INPUT }));

    expect(h.successes()).toEqual([]);
    expect(h.failures()).toEqual([
      {
        jobId: FIRST_JOB_ID,
        failureDetails: { type: 'JobFailed', message: 'ValidationException: ValidationException from the service' },
      },
    ]);
  });
});
