// The fault cases: each injects one fault (or makes one hostile situation) around a real deploy through the pipeline
// trigger and the deploy state machine, and checks the outcome is clean: success, or a failure that says what
// happened and what to do. The suite (suite.ts) adds the shared checks: the fault fired, nothing was deleted that
// the case did not mean to delete, no row was lost.
import {
  CreateChangeSetCommand,
  CreateStackCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  ListChangeSetsCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
} from '@aws-sdk/client-cloudformation';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  GetCrawlerCommand,
  GetTableCommand,
  GlueClient,
  StartCrawlerCommand,
} from '@aws-sdk/client-glue';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { LOCAL_WAITER_DELAYS, type FaultRule } from '@glue-cd/local-cloud';
import { codePipelineJobEvent, localPipelineContext, type InvokeActionOutcome } from '@glue-cd/release';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { harnessOver } from '../test/e2e/harness';
import { spawnCloud } from './child-cloud';
import { dataTemplate, describeOutcome, type FaultContext, type Names, SAMPLE_ROWS } from './context';

export interface CaseRun {
  observed: string;
  /** Empty when the outcome is clean; otherwise what was wrong. */
  problems: string[];
}

export interface FaultCase {
  id: string;
  service: string;
  fault: string;
  expected: string;
  /** False for hostile situations made without the injector (duplicate deliveries, forged tokens …). */
  injects?: boolean;
  /** Names of stacks and buckets the case deletes on purpose (a delete action). */
  deletes?: (names: Names) => string[];
  run(context: FaultContext, names: Names): Promise<CaseRun>;
}

const error = (service: string, operation: string, code: string, status: number, times: number): FaultRule => ({
  service,
  operation,
  times,
  action: { kind: 'error', code, status },
});
const drop = (service: string, operation: string): FaultRule => ({
  service,
  operation,
  times: 1,
  action: { kind: 'drop' },
});
const crash = (functionName: string, when: 'before' | 'after'): FaultRule => ({
  service: 'lambda',
  operation: 'Invoke',
  functionName,
  times: 1,
  action: { kind: 'crash', when },
});
const timeout = (functionName: string): FaultRule => ({
  service: 'lambda',
  operation: 'Invoke',
  functionName,
  times: 1,
  action: { kind: 'timeout' },
});

/** The outcome must be a success of this kind. */
const succeeded = (outcome: InvokeActionOutcome, expected: string): CaseRun => ({
  observed: describeOutcome(outcome),
  problems:
    outcome.status === 'Succeeded' && outcome.outputVariables.outcome === expected
      ? []
      : [`expected Succeeded (${expected}), got ${describeOutcome(outcome)}`],
});

/** The outcome must be a failure whose message matches every pattern (what happened, what to do). */
const failedSaying = (outcome: InvokeActionOutcome, ...patterns: RegExp[]): CaseRun => {
  const missing = patterns.filter((pattern) => !pattern.test(outcome.message ?? ''));
  return {
    observed: describeOutcome(outcome),
    problems:
      outcome.status !== 'Failed'
        ? [`expected a failure, got ${describeOutcome(outcome)}`]
        : missing.map((pattern) => `the failure message does not say ${pattern}: ${outcome.message}`),
  };
};

const merge = (...runs: CaseRun[]): CaseRun => ({
  observed: runs.map((run) => run.observed).join('; '),
  problems: runs.flatMap((run) => run.problems),
});

const stackStatus = async (context: FaultContext, stackName: string): Promise<string | undefined> =>
  (await context.harness.describeStack(stackName))?.StackStatus;

/** A create under the rules: the stack must end CREATE_COMPLETE. */
const createUnder = async (context: FaultContext, names: Names, rules: FaultRule[]): Promise<CaseRun> => {
  context.inject(rules);
  const run = succeeded(await context.deploy(names.stackName, dataTemplate(names)), 'created');
  const status = await stackStatus(context, names.stackName);
  return status === 'CREATE_COMPLETE' ? run : merge(run, { observed: '', problems: [`stack is ${status}`] });
};

/** A safe update (a tag) of an existing stack holding the sample rows, under the rules. */
const updateUnder = async (context: FaultContext, names: Names, rules: FaultRule[]): Promise<CaseRun> => {
  await context.givenStack(names);
  context.inject(rules);
  const run = succeeded(
    await context.deploy(names.stackName, dataTemplate({ ...names, extraTag: 'faults' })),
    'updated',
  );
  // The executed change set stays listed (EXECUTE_COMPLETE); one still AVAILABLE would be a leftover.
  const { Summaries } = await context.harness.release.clients.cloudFormation.send(
    new ListChangeSetsCommand({ StackName: names.stackName }),
  );
  const left = (Summaries ?? []).filter((summary) => summary.ExecutionStatus !== 'EXECUTE_COMPLETE');
  return left.length === 0
    ? run
    : merge(run, { observed: '', problems: [`change sets left: ${left.map((c) => c.ChangeSetName).join(', ')}`] });
};

/** A delete action of a stack whose bucket holds the sample rows, under the rules: stack and bucket must be gone. */
const deleteUnder = async (context: FaultContext, names: Names, rules: FaultRule[]): Promise<CaseRun> => {
  await context.givenStack(names);
  context.inject(rules);
  const run = succeeded(await context.deleteStack(names.stackName), 'deleted');
  const problems: string[] = [];
  if ((await context.harness.describeStack(names.stackName)) !== undefined) problems.push('the stack is still there');
  if ((await context.harness.bucketKeys(names.bucketName)) !== undefined) problems.push('the bucket is still there');
  return merge(run, { observed: '', problems });
};

/** The bucket holding a case's nested templates: its data bucket's name, cut to leave room for the suffix (S3's 63). */
const templatesBucketOf = (names: Names): string => `${names.bucketName.slice(0, 63 - '-templates'.length)}-templates`;

const deletesStackAndBucket = (names: Names): string[] => [names.stackName, names.bucketName];

/** One job of one action execution, invoked directly (what CodePipeline does), and what the trigger answered. */
const invokeJob = async (
  context: FaultContext,
  job: {
    pipelineContext: ReturnType<typeof localPipelineContext>;
    artifact: { name: string; bucket: string; key: string };
    continuationToken?: string;
  },
  // A job CodePipeline created already (delivered again); its pipeline context stays the first one.
  existingJobId?: string,
) => {
  const { harness } = context;
  const jobId = existingJobId ?? randomUUID();
  const event = codePipelineJobEvent({
    jobId,
    functionName: harness.delivery.triggerFunctionName,
    userParameters: JSON.stringify({ inputFile: 'deploy/app.json' }),
    inputArtifacts: [job.artifact],
    artifactCredentials: harness.release.artifactCredentials,
    continuationToken: job.continuationToken,
  });
  if (existingJobId === undefined) {
    harness.release.cloud.jobResults.createJob(jobId, {
      pipelineContext: job.pipelineContext,
      ...event['CodePipeline.job'].data,
    });
  }
  const invoked = await harness.release.clients.lambda.send(
    new InvokeCommand({
      FunctionName: harness.delivery.triggerFunctionName,
      Payload: Buffer.from(JSON.stringify(event)),
    }),
  );
  const functionError = invoked.FunctionError
    ? `${invoked.FunctionError}: ${Buffer.from(invoked.Payload ?? []).toString('utf8')}`
    : undefined;
  return { jobId, result: harness.release.cloud.jobResults.get(jobId), functionError };
};

/** A deploy action's build artifact: the deploy input and the template. */
const deployFiles = (names: Names, template: unknown, extra: Record<string, unknown> = {}) => ({
  'deploy/app.json': {
    environmentName: 'test',
    stackName: names.stackName,
    template: { artifactPath: 'templates/app.json' },
    ...extra,
  },
  'templates/app.json': template,
});

const deployArtifact = (context: FaultContext, names: Names, template: unknown = dataTemplate(names)) =>
  context.harness.uploadArtifact(deployFiles(names, template));

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls one action execution with continuation tokens until the trigger stops answering "in progress". */
const pollToEnd = async (
  context: FaultContext,
  pipelineContext: ReturnType<typeof localPipelineContext>,
  artifact: { name: string; bucket: string; key: string },
  first: string | undefined,
) => {
  const tokens: string[] = [];
  let token = first;
  for (let poll = 0; poll < 3000 && token !== undefined; poll += 1) {
    tokens.push(token);
    const { result } = await invokeJob(context, { pipelineContext, artifact, continuationToken: token });
    token = tokenOf(result);
    if (token === undefined) return { result, tokens };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { result: undefined, tokens };
};

type JobAnswer = ReturnType<FaultContext['harness']['release']['cloud']['jobResults']['get']>;
const tokenOf = (answer: JobAnswer): string | undefined =>
  answer?.status === 'succeeded' ? answer.continuationToken : undefined;
const outcomeOf = (answer: JobAnswer): string | undefined =>
  answer?.status === 'succeeded' ? answer.outputVariables?.outcome : undefined;

const executionsOfJob = (context: FaultContext, jobId: string): number =>
  context.harness.release.cloud.stateMachines
    .executions(context.harness.delivery.stateMachineArn)
    .filter((execution) => execution.executionArn.includes(jobId)).length;

/** Sets one stack's status in a stopped cloud's CloudFormation state (what a console operator would find). */
const setStackStatus = (stateDir: string, stackName: string, status: string, reason: string): void => {
  const file = path.join(stateDir, 'state', 'cloudformation.json');
  const state = JSON.parse(readFileSync(file, 'utf8')) as { stacks: Record<string, Record<string, unknown>> };
  const stack = Object.values(state.stacks).find(
    (candidate) => candidate.stackName === stackName || candidate.StackName === stackName,
  );
  if (!stack) throw new Error(`arrange: no stack ${stackName} in ${file}`);
  const key = 'stackStatus' in stack ? 'stackStatus' : 'status';
  stack[key] = status;
  stack.statusReason = reason;
  writeFileSync(file, JSON.stringify(state, null, 2));
};

/**
 * A template of `nested` nested stacks of `perStack` wait condition handles each (CloudFormation allows 500 per
 * template): resources CloudFormation keeps itself, so the test environment's service role may create them.
 */
const wideTemplate = async (context: FaultContext, names: Names, nested: number, perStack: number, value: string) => {
  const { s3 } = context.harness.release.clients;
  await s3.send(new CreateBucketCommand({ Bucket: templatesBucketOf(names) })).catch(() => undefined);
  const child = {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: Object.fromEntries(
      Array.from({ length: perStack }, (_, index) => [
        `Handle${index}`,
        { Type: 'AWS::CloudFormation::WaitConditionHandle' },
      ]),
    ),
  };
  const key = `nested/${value}.json`;
  await s3.send(new PutObjectCommand({ Bucket: templatesBucketOf(names), Key: key, Body: JSON.stringify(child) }));
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: Object.fromEntries(
      Array.from({ length: nested }, (_, index) => [
        `Part${index}`,
        {
          Type: 'AWS::CloudFormation::Stack',
          Properties: { TemplateURL: `https://s3.amazonaws.com/${templatesBucketOf(names)}/${key}` },
        },
      ]),
    ),
  };
};

/**
 * The role a case's crawler acts as (a crawl runs as its Role, in the local cloud as on AWS): read the case's bucket,
 * write its database's tables. Declared by the operator in a stack of its own, as an application stack would.
 */
const crawlerRole = async (context: FaultContext, names: Names): Promise<string> => {
  const { cloudFormation } = context.harness.release.clients;
  const roleName = `${names.databaseName.slice(-40)}-crawler`;
  const glue = 'arn:aws:glue:us-east-1:000000000000';
  const statement = (Action: string[], Resource: string[]) => ({ Effect: 'Allow', Action, Resource });
  const StackName = `${names.stackName}-roles`;
  await cloudFormation.send(
    new CreateStackCommand({
      StackName,
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      TemplateBody: JSON.stringify({
        Resources: {
          CrawlerRole: {
            Type: 'AWS::IAM::Role',
            Properties: {
              RoleName: roleName,
              AssumeRolePolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  { Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' },
                ],
              },
              Policies: [
                {
                  PolicyName: 'crawl',
                  PolicyDocument: {
                    Version: '2012-10-17',
                    Statement: [
                      statement(['s3:ListBucket', 's3:GetBucketLocation'], [`arn:aws:s3:::${names.bucketName}`]),
                      statement(['s3:GetObject'], [`arn:aws:s3:::${names.bucketName}/*`]),
                      statement(
                        ['glue:GetDatabase', 'glue:GetTables', 'glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'],
                        [
                          `${glue}:catalog`,
                          `${glue}:database/${names.databaseName}`,
                          `${glue}:table/${names.databaseName}/*`,
                        ],
                      ),
                    ],
                  },
                },
              ],
            },
          },
        },
      }),
    }),
  );
  await waitUntilStackCreateComplete(
    { client: cloudFormation, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
    { StackName },
  );
  return `arn:aws:iam::000000000000:role/${roleName}`;
};

/** The data lake the Glue and Athena cases share: the sample under s3://<bucket>/trips/yellow_tripdata/, crawled. */
const lake = async (context: FaultContext, names: Names) => {
  const config = {
    endpoint: context.harness.release.cloud.endpoint,
    region: 'us-east-1',
    // The operator's key (the account root), as the release's own clients sign.
    credentials: {
      accessKeyId: context.harness.release.cloud.environment().AWS_ACCESS_KEY_ID!,
      secretAccessKey: context.harness.release.cloud.environment().AWS_SECRET_ACCESS_KEY!,
    },
  };
  const glue = new GlueClient(config);
  const athena = new AthenaClient(config);
  const { s3 } = context.harness.release.clients;
  await s3.send(new CreateBucketCommand({ Bucket: names.bucketName }));
  await context.seedRows(names.bucketName, 'trips/yellow_tripdata/sample.csv');
  await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: names.databaseName } }));
  await glue.send(
    new CreateCrawlerCommand({
      Name: names.databaseName,
      Role: await crawlerRole(context, names),
      DatabaseName: names.databaseName,
      Targets: { S3Targets: [{ Path: `s3://${names.bucketName}/trips/yellow_tripdata/` }] },
    }),
  );
  const crawl = async (): Promise<string> => {
    await glue.send(new StartCrawlerCommand({ Name: names.databaseName }));
    for (;;) {
      const { Crawler } = await glue.send(new GetCrawlerCommand({ Name: names.databaseName }));
      if (Crawler?.State === 'READY' && Crawler.LastCrawl) return Crawler.LastCrawl.Status ?? '?';
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const recordCount = async (): Promise<number> => {
    const { Table } = await glue.send(
      new GetTableCommand({ DatabaseName: names.databaseName, Name: 'yellow_tripdata' }),
    );
    return Number(Table?.Parameters?.recordCount ?? -1);
  };
  const count = async (token?: string): Promise<{ rows: number; queryId: string }> => {
    const { QueryExecutionId } = await athena.send(
      new StartQueryExecutionCommand({
        QueryString: 'SELECT count(*) FROM yellow_tripdata',
        QueryExecutionContext: { Database: names.databaseName },
        ResultConfiguration: { OutputLocation: `s3://${names.bucketName}/athena-results/` },
        ...(token ? { ClientRequestToken: token } : {}),
      }),
    );
    for (;;) {
      const { QueryExecution } = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId }));
      const state = QueryExecution?.Status?.State;
      if (state === 'SUCCEEDED') break;
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new Error(`query ${state}: ${QueryExecution?.Status?.StateChangeReason}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { ResultSet } = await athena.send(new GetQueryResultsCommand({ QueryExecutionId }));
    return { rows: Number(ResultSet?.Rows?.[1]?.Data?.[0]?.VarCharValue ?? -1), queryId: QueryExecutionId ?? '' };
  };
  return { crawl, recordCount, count, athena, close: () => (glue.destroy(), athena.destroy()) };
};

const rowsCheck = (label: string, rows: number): CaseRun => ({
  observed: `${label}: ${rows} rows`,
  problems: rows === SAMPLE_ROWS ? [] : [`${label}: ${rows} rows, not ${SAMPLE_ROWS}`],
});

export const FAULT_CASES: FaultCase[] = [
  // S3
  {
    id: 's3-getobject-slowdown',
    service: 'S3',
    fault: 'GetObject answers 503 SlowDown twice (the trigger reading the build artifact)',
    expected: 'SDK retries; deploy Succeeded (created)',
    run: (context, names) => createUnder(context, names, [error('s3', 'GetObject', 'SlowDown', 503, 2)]),
  },
  {
    id: 's3-putobject-5xx',
    service: 'S3',
    fault: 'PutObject answers 500 InternalError twice (orchestrator staging writes)',
    expected: 'SDK retries; deploy Succeeded (updated)',
    run: (context, names) => updateUnder(context, names, [error('s3', 'PutObject', 'InternalError', 500, 2)]),
  },
  {
    id: 's3-slowdown-emptying',
    service: 'S3',
    fault: 'DeleteObjects answers 503 SlowDown twice while the delete empties the bucket',
    expected: 'SDK retries; Succeeded (deleted), bucket and stack gone',
    deletes: deletesStackAndBucket,
    run: (context, names) => deleteUnder(context, names, [error('s3', 'DeleteObjects', 'SlowDown', 503, 2)]),
  },
  {
    id: 's3-slowdown-emptying-burst',
    service: 'S3',
    fault: 'DeleteObjects answers 503 SlowDown 8 times (past the SDK retries)',
    expected: 'ThrottlingError retried by the state machine; Succeeded (deleted)',
    deletes: deletesStackAndBucket,
    run: (context, names) => deleteUnder(context, names, [error('s3', 'DeleteObjects', 'SlowDown', 503, 8)]),
  },
  // CloudFormation
  {
    id: 'cfn-describestacks-throttle',
    service: 'CloudFormation',
    fault: 'DescribeStacks answers 400 Throttling twice',
    expected: 'SDK retries; Succeeded (created)',
    run: (context, names) =>
      createUnder(context, names, [error('cloudformation', 'DescribeStacks', 'Throttling', 400, 2)]),
  },
  {
    id: 'cfn-describestacks-throttle-burst',
    service: 'CloudFormation',
    fault: 'DescribeStacks answers 400 Throttling 8 times (past the SDK retries)',
    expected: 'ThrottlingError retried by the state machine; Succeeded (created)',
    run: (context, names) =>
      createUnder(context, names, [error('cloudformation', 'DescribeStacks', 'Throttling', 400, 8)]),
  },
  {
    id: 'cfn-createchangeset-5xx',
    service: 'CloudFormation',
    fault: 'CreateChangeSet answers 500 InternalFailure twice',
    expected: 'SDK retries; Succeeded (updated)',
    run: (context, names) =>
      updateUnder(context, names, [error('cloudformation', 'CreateChangeSet', 'InternalFailure', 500, 2)]),
  },
  {
    id: 'cfn-createchangeset-lost',
    service: 'CloudFormation',
    fault: 'CreateChangeSet executes, its answer is lost',
    expected: 'retried with the same ClientToken; Succeeded (updated), no change set left',
    run: (context, names) => updateUnder(context, names, [drop('cloudformation', 'CreateChangeSet')]),
  },
  {
    id: 'cfn-executechangeset-lost',
    service: 'CloudFormation',
    fault: 'ExecuteChangeSet executes, its answer is lost',
    expected: 'retried with the same ClientRequestToken; Succeeded (updated)',
    run: (context, names) => updateUnder(context, names, [drop('cloudformation', 'ExecuteChangeSet')]),
  },
  {
    id: 'cfn-createstack-lost',
    service: 'CloudFormation',
    fault: 'CreateStack executes, its answer is lost',
    expected: 'retried with the same ClientRequestToken; Succeeded (created)',
    run: (context, names) => createUnder(context, names, [drop('cloudformation', 'CreateStack')]),
  },
  {
    id: 'cfn-deletestack-lost',
    service: 'CloudFormation',
    fault: 'DeleteStack executes, its answer is lost',
    expected: 'retried with the same ClientRequestToken; Succeeded (deleted)',
    deletes: deletesStackAndBucket,
    run: (context, names) => deleteUnder(context, names, [drop('cloudformation', 'DeleteStack')]),
  },
  {
    id: 'cfn-describechangeset-5xx-burst',
    service: 'CloudFormation',
    fault: 'DescribeChangeSet answers 503 ServiceUnavailable 5 times',
    expected: 'retried (SDK, then state machine); Succeeded (updated)',
    run: (context, names) =>
      updateUnder(context, names, [error('cloudformation', 'DescribeChangeSet', 'ServiceUnavailable', 503, 5)]),
  },
  // Step Functions
  {
    id: 'sfn-startexecution-throttle',
    service: 'Step Functions',
    fault: 'StartExecution answers 400 ThrottlingException twice',
    expected: 'SDK retries; Succeeded (created)',
    run: (context, names) =>
      createUnder(context, names, [error('states', 'StartExecution', 'ThrottlingException', 400, 2)]),
  },
  {
    id: 'sfn-startexecution-lost',
    service: 'Step Functions',
    fault: 'StartExecution executes, its answer is lost',
    expected: 'the retry finds the same execution (named after the job); Succeeded (created), one execution',
    run: async (context, names) => {
      const before = await context.harness.executionCount();
      const run = await createUnder(context, names, [drop('states', 'StartExecution')]);
      const started = (await context.harness.executionCount()) - before;
      return merge(run, { observed: `${started} execution(s)`, problems: started === 1 ? [] : ['not one execution'] });
    },
  },
  {
    id: 'sfn-describeexecution-5xx-burst',
    service: 'Step Functions',
    fault: 'DescribeExecution answers 500 InternalServerError 6 times (the trigger polling)',
    expected: 'the trigger answers "in progress" and polls again; Succeeded (created)',
    run: (context, names) =>
      createUnder(context, names, [error('states', 'DescribeExecution', 'InternalServerError', 500, 6)]),
  },
  // Lambda
  {
    id: 'lambda-invoke-throttle',
    service: 'Lambda',
    fault: 'Invoke of the trigger answers 429 TooManyRequestsException twice',
    expected: 'SDK retries; Succeeded (created)',
    run: (context, names) =>
      createUnder(context, names, [error('lambda', 'Invoke', 'TooManyRequestsException', 429, 2)]),
  },
  {
    id: 'lambda-task-crash-before',
    service: 'Lambda',
    fault: 'the checkStack task crashes before running (Runtime.ExitError)',
    expected: 'the state machine retries the task; Succeeded (created)',
    run: (context, names) => createUnder(context, names, [crash('checkStack', 'before')]),
  },
  {
    id: 'lambda-createchangeset-crash-after',
    service: 'Lambda',
    fault: 'the createChangeSet task crashes after CreateChangeSet took effect',
    expected: 'retried; the change set of the execution is found; Succeeded (updated)',
    run: (context, names) => updateUnder(context, names, [crash('createChangeSet', 'after')]),
  },
  {
    id: 'lambda-executechangeset-timeout',
    service: 'Lambda',
    fault: 'the executeChangeSet task times out after ExecuteChangeSet took effect (Sandbox.Timedout)',
    expected: 'retried with the same token; Succeeded (updated)',
    run: (context, names) => updateUnder(context, names, [timeout('executeChangeSet')]),
  },
  {
    id: 'lambda-createstack-timeout',
    service: 'Lambda',
    fault: 'the createStack task times out after CreateStack took effect',
    expected: 'retried; the stack carrying the token is ours; Succeeded (created)',
    run: (context, names) => createUnder(context, names, [timeout('createStack')]),
  },
  {
    id: 'lambda-deletestack-crash-after',
    service: 'Lambda',
    fault: 'the deleteStack task crashes after DeleteStack took effect',
    expected: 'retried with the same token; Succeeded (deleted)',
    deletes: deletesStackAndBucket,
    run: (context, names) => deleteUnder(context, names, [crash('deleteStack', 'after')]),
  },
  {
    id: 'lambda-trigger-crash-after-start',
    service: 'Lambda',
    fault: 'the trigger is killed as it calls PutJobSuccessResult: StartExecution took effect, the job is not answered',
    expected:
      'the job gets no answer (Runtime.ExitError; CodePipeline times it out); a new run at once and the crashed job delivered again (following its one execution) both succeed: one created, the other waited and found no changes; one stack',
    run: async (context, names) => {
      const artifact = await deployArtifact(context, names);
      const pipelineContext = localPipelineContext({ functionName: context.harness.delivery.triggerFunctionName });
      context.inject([
        { service: 'codepipeline', operation: 'PutJobSuccessResult', times: 1, action: { kind: 'crash-caller' } },
      ]);
      const crashed = await invokeJob(context, { pipelineContext, artifact });
      context.inject([]);
      const started = executionsOfJob(context, crashed.jobId);
      const first: CaseRun = {
        observed: `job ${crashed.result?.status ?? 'not answered'} (${crashed.functionError?.slice(0, 80)})`,
        problems: [
          ...(crashed.result === undefined ? [] : [`the crashed job was answered ${crashed.result.status}`]),
          ...(/Runtime\.ExitError/.test(crashed.functionError ?? '') ? [] : ['the trigger did not crash']),
          ...(started === 1 ? [] : [`${started} executions of the crashed job, not 1`]),
        ],
      };
      // A new pipeline run while the crashed job's deploy still runs: the two race to create the stack; the loser
      // checks it again, waits while it is busy and finds no change.
      const rerun = await context.deploy(names.stackName, dataTemplate(names));
      // Lambda retries a crashed asynchronous invocation with the same event: the same job follows its execution.
      const again = await invokeJob(context, { pipelineContext, artifact }, crashed.jobId);
      const { result: final } = await pollToEnd(context, pipelineContext, artifact, tokenOf(again.result));
      const executions = executionsOfJob(context, crashed.jobId);
      const status = await stackStatus(context, names.stackName);
      const outcomes = [rerun.outputVariables.outcome, outcomeOf(final)].sort().join(' + ');
      return merge(first, {
        observed: `new run ${describeOutcome(rerun)}; redelivered job: ${final?.status} (${outcomeOf(final)}), ${executions} execution(s); stack ${status}`,
        problems: [
          ...(rerun.status === 'Succeeded' ? [] : [`the new run ${describeOutcome(rerun)}`]),
          ...(outcomes === 'created + no-changes' ? [] : [`outcomes ${outcomes}, not one created and one no-changes`]),
          ...(executions === 1 ? [] : [`the redelivered job made ${executions} executions`]),
          ...(final?.status === 'succeeded' ? [] : [`the redelivered job ended ${final?.status}`]),
          ...(status === 'CREATE_COMPLETE' ? [] : [`stack ${status}`]),
        ],
      });
    },
  },
  // Glue
  {
    id: 'glue-startcrawler-throttle',
    service: 'Glue',
    fault: 'StartCrawler answers 400 ThrottlingException twice',
    expected: 'SDK retries; crawl SUCCEEDED, table recordCount 7500',
    run: async (context, names) => {
      const data = await lake(context, names);
      context.inject([error('glue', 'StartCrawler', 'ThrottlingException', 400, 2)]);
      const status = await data.crawl();
      const run = merge(
        { observed: `crawl ${status}`, problems: status === 'SUCCEEDED' ? [] : [`crawl ${status}`] },
        rowsCheck('recordCount', await data.recordCount()),
      );
      data.close();
      return run;
    },
  },
  {
    id: 'glue-gettable-5xx',
    service: 'Glue',
    fault: 'GetTable answers 500 InternalServiceException twice',
    expected: 'SDK retries; the table reads recordCount 7500',
    run: async (context, names) => {
      const data = await lake(context, names);
      await data.crawl();
      context.inject([error('glue', 'GetTable', 'InternalServiceException', 500, 2)]);
      const run = rowsCheck('recordCount', await data.recordCount());
      data.close();
      return run;
    },
  },
  // Athena
  {
    id: 'athena-startquery-lost',
    service: 'Athena',
    fault: 'StartQueryExecution executes, its answer is lost (with a ClientRequestToken)',
    expected: 'the retry gets the same query; count(*) 7500, one query',
    run: async (context, names) => {
      const data = await lake(context, names);
      await data.crawl();
      const token = randomUUID();
      context.inject([drop('athena', 'StartQueryExecution')]);
      const first = await data.count(token);
      context.inject([]);
      const again = await data.count(token);
      const run = merge(rowsCheck('count(*)', first.rows), {
        observed: first.queryId === again.queryId ? 'one query' : 'two queries',
        problems: first.queryId === again.queryId ? [] : ['the token did not make the query idempotent'],
      });
      data.close();
      return run;
    },
  },
  {
    id: 'athena-getqueryresults-throttle',
    service: 'Athena',
    fault: 'GetQueryResults answers 400 TooManyRequestsException twice',
    expected: 'SDK retries; count(*) 7500',
    run: async (context, names) => {
      const data = await lake(context, names);
      await data.crawl();
      context.inject([error('athena', 'GetQueryResults', 'TooManyRequestsException', 400, 2)]);
      const run = rowsCheck('count(*)', (await data.count()).rows);
      data.close();
      return run;
    },
  },
  // CodePipeline job API
  {
    id: 'codepipeline-putjobsuccess-throttle',
    service: 'CodePipeline',
    fault: 'PutJobSuccessResult answers 400 ThrottlingException twice',
    expected: 'SDK retries; Succeeded (created)',
    run: (context, names) =>
      createUnder(context, names, [error('codepipeline', 'PutJobSuccessResult', 'ThrottlingException', 400, 2)]),
  },
  {
    id: 'codepipeline-getjobdetails-5xx',
    service: 'CodePipeline',
    fault: 'GetJobDetails answers 500 InternalFailure twice',
    expected: 'SDK retries; Succeeded (created)',
    run: (context, names) =>
      createUnder(context, names, [error('codepipeline', 'GetJobDetails', 'InternalFailure', 500, 2)]),
  },
  {
    id: 'codepipeline-putjobsuccess-lost',
    service: 'CodePipeline',
    fault: 'PutJobSuccessResult executes, its answer is lost',
    expected: 'the job keeps its answer (the retry is refused as already answered); Succeeded (created)',
    run: (context, names) => createUnder(context, names, [{ ...drop('codepipeline', 'PutJobSuccessResult'), skip: 1 }]),
  },
  // Deliveries
  {
    id: 'delivery-duplicate-concurrent',
    service: 'CodePipeline',
    fault: 'the same job delivered twice at once, then once more',
    expected: 'one execution; the job answered once',
    injects: false,
    run: async (context, names) => {
      const artifact = await deployArtifact(context, names);
      const pipelineContext = localPipelineContext({ functionName: context.harness.delivery.triggerFunctionName });
      const jobId = randomUUID();
      const event = codePipelineJobEvent({
        jobId,
        functionName: context.harness.delivery.triggerFunctionName,
        userParameters: JSON.stringify({ inputFile: 'deploy/app.json' }),
        inputArtifacts: [artifact],
        artifactCredentials: context.harness.release.artifactCredentials,
      });
      context.harness.release.cloud.jobResults.createJob(jobId, { pipelineContext, ...event['CodePipeline.job'].data });
      const invoke = () =>
        context.harness.release.clients.lambda.send(
          new InvokeCommand({
            FunctionName: context.harness.delivery.triggerFunctionName,
            Payload: Buffer.from(JSON.stringify(event)),
          }),
        );
      await Promise.all([invoke(), invoke()]);
      await invoke();
      const result = context.harness.release.cloud.jobResults.get(jobId);
      const { result: final } = await pollToEnd(context, pipelineContext, artifact, tokenOf(result));
      const executions = executionsOfJob(context, jobId);
      return {
        observed: `${executions} execution(s), job ${result?.status}, final ${final?.status}`,
        problems: [
          ...(executions === 1 ? [] : [`${executions} executions`]),
          ...(result?.status === 'succeeded' ? [] : [`job ${result?.status}`]),
          ...(final?.status === 'succeeded' ? [] : [`final ${final?.status}`]),
          ...((await stackStatus(context, names.stackName)) === 'CREATE_COMPLETE' ? [] : ['stack not created']),
        ],
      };
    },
  },
  {
    id: 'delivery-out-of-order-token',
    service: 'CodePipeline',
    fault: 'an earlier continuation token delivered again after the deploy finished',
    expected: 'answered from the same execution (same outcome); no new execution',
    injects: false,
    run: async (context, names) => {
      const artifact = await deployArtifact(context, names);
      const pipelineContext = localPipelineContext({ functionName: context.harness.delivery.triggerFunctionName });
      const started = await invokeJob(context, { pipelineContext, artifact });
      const { result, tokens } = await pollToEnd(context, pipelineContext, artifact, tokenOf(started.result));
      const before = await context.harness.executionCount();
      const replay = await invokeJob(context, { pipelineContext, artifact, continuationToken: tokens[0] });
      const after = await context.harness.executionCount();
      const same =
        replay.result?.status === 'succeeded' &&
        tokenOf(replay.result) === undefined &&
        outcomeOf(replay.result) === outcomeOf(result);
      return {
        observed: `first ${result?.status} (${outcomeOf(result)}), replay ${replay.result?.status}, ${after - before} new execution(s)`,
        problems: [
          ...(result?.status === 'succeeded' ? [] : ['the deploy did not succeed']),
          ...(same ? [] : [`the replayed token was answered ${JSON.stringify(replay.result)}`]),
          ...(after === before ? [] : ['the replay started an execution']),
        ],
      };
    },
  },
  {
    id: 'delivery-foreign-token',
    service: 'CodePipeline',
    fault: "a continuation token of another pipeline's action execution",
    expected: 'job Failed saying the token is not bound to this action; nothing started',
    injects: false,
    run: async (context, names) => {
      const artifact = await deployArtifact(context, names);
      const owner = localPipelineContext({ functionName: context.harness.delivery.triggerFunctionName });
      const started = await invokeJob(context, { pipelineContext: owner, artifact });
      await pollToEnd(context, owner, artifact, tokenOf(started.result));
      const before = await context.harness.executionCount();
      const stranger = localPipelineContext({
        functionName: context.harness.delivery.triggerFunctionName,
        pipelineContext: { pipelineName: 'someone-elses-pipeline' },
      });
      const { result } = await invokeJob(context, {
        pipelineContext: stranger,
        artifact,
        continuationToken: tokenOf(started.result) ?? '',
      });
      const after = await context.harness.executionCount();
      const message = result?.status === 'failed' ? result.message : '';
      return {
        observed: `${result?.status}: ${message.slice(0, 140)}`,
        problems: [
          ...(result?.status === 'failed' ? [] : [`foreign token answered ${result?.status}`]),
          ...(/token/i.test(message) ? [] : ['the message does not name the token']),
          ...(after === before ? [] : ['an execution started']),
        ],
      };
    },
  },
  {
    id: 'delivery-forged-token',
    service: 'CodePipeline',
    fault: 'a continuation token with an altered payload (signature no longer matches)',
    expected: 'job Failed saying the token failed its signature check; nothing started',
    injects: false,
    run: async (context, names) => {
      const artifact = await deployArtifact(context, names);
      const pipelineContext = localPipelineContext({ functionName: context.harness.delivery.triggerFunctionName });
      const started = await invokeJob(context, { pipelineContext, artifact });
      const token = tokenOf(started.result) ?? '';
      await pollToEnd(context, pipelineContext, artifact, token);
      const before = await context.harness.executionCount();
      // Flip one character in the middle of the token (its payload), keeping its alphabet.
      const middle = Math.floor(token.length / 2);
      const forged = `${token.slice(0, middle)}${token[middle] === 'A' ? 'B' : 'A'}${token.slice(middle + 1)}`;
      const { result } = await invokeJob(context, { pipelineContext, artifact, continuationToken: forged });
      const after = await context.harness.executionCount();
      const message = result?.status === 'failed' ? result.message : '';
      return {
        observed: `${result?.status}: ${message.slice(0, 140)}`,
        problems: [
          ...(result?.status === 'failed' ? [] : [`forged token answered ${result?.status}`]),
          ...(/token/i.test(message) ? [] : ['the message does not name the token']),
          ...(after === before ? [] : ['an execution started']),
        ],
      };
    },
  },
  // Stack situations
  {
    id: 'two-pipelines-one-stack',
    service: 'CloudFormation',
    fault: 'two pipelines deploy different safe changes to one stack at once',
    expected: 'both end clean (updated / waited then updated or no-changes); nothing deleted',
    injects: false,
    run: async (context, names) => {
      await context.givenStack(names);
      const [a, b] = await Promise.all([
        context.deploy(names.stackName, dataTemplate({ ...names, extraTag: 'pipeline-a' })),
        context.deploy(names.stackName, dataTemplate({ ...names, extraTag: 'pipeline-b' })),
      ]);
      const clean = (outcome: InvokeActionOutcome): CaseRun =>
        outcome.status === 'Succeeded'
          ? { observed: describeOutcome(outcome), problems: [] }
          : failedSaying(outcome, new RegExp(names.stackName), /(retry|wait|another|in progress|busy)/i);
      const run = merge(clean(a), clean(b));
      const status = await stackStatus(context, names.stackName);
      return merge(run, {
        observed: `stack ${status}`,
        problems: status === 'UPDATE_COMPLETE' ? [] : [`stack ${status}`],
      });
    },
  },
  {
    id: 'stack-busy-at-start',
    service: 'CloudFormation',
    fault: 'an update started outside the pipeline is running when the deploy starts',
    expected: 'the deploy waits for it, then Succeeded (updated)',
    injects: false,
    run: async (context, names) => {
      await context.givenStack(names);
      const { cloudFormation } = context.harness.release.clients;
      const changeSetName = `outside-${randomUUID().slice(0, 8)}`;
      await cloudFormation.send(
        new CreateChangeSetCommand({
          StackName: names.stackName,
          ChangeSetName: changeSetName,
          TemplateBody: JSON.stringify(dataTemplate({ ...names, extraTag: 'outside' })),
        }),
      );
      await waitUntilChangeSetCreateComplete(
        { client: cloudFormation, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
        { StackName: names.stackName, ChangeSetName: changeSetName },
      );
      const outside = cloudFormation.send(
        new ExecuteChangeSetCommand({ StackName: names.stackName, ChangeSetName: changeSetName }),
      );
      const deploying = context.deploy(names.stackName, dataTemplate({ ...names, extraTag: 'pipeline' }));
      await outside;
      const outcome = await deploying;
      const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: names.stackName }));
      const tag = Stacks?.[0]?.StackStatus;
      return merge(succeeded(outcome, 'updated'), {
        observed: `stack ${tag}`,
        problems: tag === 'UPDATE_COMPLETE' ? [] : [`stack ${tag}`],
      });
    },
  },
  {
    id: 'update-rollback-failed',
    service: 'CloudFormation',
    fault: 'the stack is UPDATE_ROLLBACK_FAILED when the deploy starts',
    expected: 'Failed naming UPDATE_ROLLBACK_FAILED and what to do; stack and rows untouched',
    injects: false,
    run: async (context, names) => {
      await context.givenStack(names);
      await context.restart({
        mutate: (stateDir) =>
          setStackStatus(
            stateDir,
            names.stackName,
            'UPDATE_ROLLBACK_FAILED',
            'Resource DataBucket failed to roll back',
          ),
      });
      const outcome = await context.deploy(names.stackName, dataTemplate({ ...names, extraTag: 'after' }));
      const status = await stackStatus(context, names.stackName);
      return merge(failedSaying(outcome, /UPDATE_ROLLBACK_FAILED/, /(ContinueUpdateRollback|continue|fix|delete)/i), {
        observed: `stack ${status}`,
        problems: status === 'UPDATE_ROLLBACK_FAILED' ? [] : [`stack ${status}`],
      });
    },
  },
  {
    id: 'process-kill-mid-deploy',
    service: 'local cloud',
    fault:
      'the `pnpm cloud` process (--faults plan) is SIGKILLed right after CreateStack, then restarted on the same state folder',
    expected:
      'the interrupted action fails; the restart takes over the stale lock; the re-run ends clean (recreated/created, or Failed naming the stack status and what to do)',
    run: async (context, names) => {
      // A separate cloud process on a copy of this cloud's state (the delivery services deployed), killed for real.
      const stateDir = context.snapshot();
      const kill: FaultRule = {
        service: 'cloudformation',
        operation: 'CreateStack',
        times: 1,
        action: { kind: 'kill', when: 'after' },
      };
      const first = await spawnCloud({ stateDir, rules: [kill] });
      let interrupted: string;
      try {
        const outcome = await harnessOver(first.target, context.harness.delivery, stateDir).runAction(
          deployFiles(names, dataTemplate(names)),
          { inputFile: 'deploy/app.json' },
        );
        interrupted = describeOutcome(outcome);
      } catch (failure) {
        interrupted = `action lost the cloud (${(failure as Error).name})`;
      }
      const death = await Promise.race([first.exited, delay(30_000).then(() => undefined)]);
      await first.target.close();
      if (death?.signal !== 'SIGKILL') {
        await first.stop();
        return {
          observed: interrupted,
          problems: [`the cloud process did not die by SIGKILL: ${JSON.stringify(death)}`],
        };
      }
      context.countExternalFault();
      const staleLock = existsSync(path.join(stateDir, '.lock'));
      const second = await spawnCloud({ stateDir, port: first.port });
      try {
        const holder = (
          JSON.parse(readFileSync(path.join(stateDir, '.lock', 'owner.json'), 'utf8')) as { pid?: number }
        ).pid;
        const cloud = harnessOver(second.target, context.harness.delivery, stateDir);
        const status = (await cloud.describeStack(names.stackName))?.StackStatus;
        const again = await cloud.runAction(
          deployFiles(names, dataTemplate(names), { onRollbackComplete: 'delete-and-recreate' }),
          { inputFile: 'deploy/app.json' },
        );
        const rerun =
          again.status === 'Succeeded'
            ? { observed: describeOutcome(again), problems: [] }
            : failedSaying(again, new RegExp(names.stackName), /(CREATE_FAILED|ROLLBACK)/, /(delete|retry|inspect)/i);
        return merge(
          {
            observed: `interrupted: ${interrupted}; pid ${first.pid} SIGKILLed (stale lock left: ${staleLock}); restarted as pid ${second.pid} (lock held by ${holder}): stack ${status}`,
            problems: [
              ...(staleLock ? [] : ['the killed process left no lock to take over']),
              ...(holder === second.pid ? [] : [`the lock is held by pid ${holder}, not the restarted cloud`]),
            ],
          },
          rerun,
        );
      } finally {
        await second.stop();
      }
    },
  },
  {
    id: 'restart-between-deploys',
    service: 'local cloud',
    fault: 'the cloud is stopped and restarted on its state between two deploys',
    expected: 'the second deploy finds the stack: Succeeded (no-changes)',
    injects: false,
    run: async (context, names) => {
      await context.givenStack(names);
      await context.restart();
      return succeeded(await context.deploy(names.stackName, dataTemplate(names)), 'no-changes');
    },
  },
  {
    id: 'changeset-10000-changes',
    service: 'CloudFormation',
    fault: 'a change set of 10,000 changes (20 nested stacks growing from 1 to 500 resources each), planned',
    expected: 'read in pages (nested included), judged and planned: Succeeded (planned), 10,000 changes counted',
    injects: false,
    run: async (context, names) => {
      const small = await wideTemplate(context, names, 20, 1, 'v1');
      const created = await context.deploy(names.stackName, small);
      if (created.status !== 'Succeeded') return succeeded(created, 'created');
      const wide = await wideTemplate(context, names, 20, 500, 'v2');
      const planned = await context.deploy(names.stackName, wide, { action: 'plan' });
      const run = succeeded(planned, 'planned');
      return merge(run, {
        observed: JSON.stringify({ ...planned.outputVariables, summary: planned.summary }).slice(0, 400),
        problems: /10,?0[0-9]{2}/.test(JSON.stringify(planned)) ? [] : ['the plan does not count 10,000 changes'],
      });
    },
  },
];
