// End to end, production safety: the real pipeline trigger and deploy state machine (sls-packaged, the ASL file) and
// the local cloud's CloudFormation (stack policies, termination protection, Retain), reached by the real SDK. What the
// orchestrator refuses, what CloudFormation itself refuses on a protected stack, and the reviewed ways through.
// Every test arranges its own stacks (own names) and checks that arrangement first.
import {
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackUpdateComplete,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { LOCAL_WAITER_DELAYS } from '@glue-cd/local-cloud';
import { randomUUID } from 'node:crypto';
import { dataTemplate, startHarness, type Harness } from './harness';

jest.setTimeout(240_000);

let harness: Harness;
// Packaging the delivery services (sls package, esbuild) is most of the time on a loaded machine.
beforeAll(async () => {
  // Nothing here catches a stack mid-operation (the waiters read the final status): no pause between stack steps.
  harness = await startHarness({ stackStepMs: 0 });
}, 600_000);
afterAll(async () => harness?.close());

/**
 * Names no other test uses. The packaged orchestrator has CloudFormation roles for `test` and `prod` only, a stack
 * belongs to the environment that is a segment of its name, and its roles may touch nothing outside the environment's
 * IAM scope (config/environments.js: stacks and buckets `glue-cd-glue-etl-<env>-*`), in the local cloud as on AWS.
 */
const names = (label: string, environment: 'test' | 'prod') => {
  const id = randomUUID().slice(0, 8);
  const prefix = `glue-cd-glue-etl-${environment}-e2e-${label}-${id}`;
  return { stackName: prefix, bucketName: prefix };
};

/** One Lambda invoke action of the trigger on deploy/app.json (+ templates/app.json) with these UserParameters. */
const invoke = (document: Record<string, unknown>, template?: unknown, parameters: Record<string, unknown> = {}) =>
  harness.runAction(
    { 'deploy/app.json': document, ...(template !== undefined ? { 'templates/app.json': template } : {}) },
    { inputFile: 'deploy/app.json', ...parameters },
  );

const deployDocument = (environmentName: string, stackName: string, extra: Record<string, unknown> = {}) => ({
  environmentName,
  stackName,
  template: { artifactPath: 'templates/app.json' },
  capabilities: ['CAPABILITY_IAM'],
  ...extra,
});

/** Arrange: the stack exists, created through the pipeline from `template` (checked, named as the arrangement). */
const givenStack = async (environmentName: string, stackName: string, template: unknown): Promise<Stack> => {
  const created = await invoke(deployDocument(environmentName, stackName), template);
  expect({ arrange: `create ${stackName}`, status: created.status, message: created.message }).toEqual({
    arrange: `create ${stackName}`,
    status: 'Succeeded',
    message: undefined,
  });
  const stack = await harness.describeStack(stackName);
  expect({ arrange: stackName, status: stack?.StackStatus }).toEqual({ arrange: stackName, status: 'CREATE_COMPLETE' });
  return stack!;
};

/** Arrange: one object in a bucket, to show the data is still there afterwards. */
const givenObject = async (bucket: string, key: string, body: string) => {
  await harness.release.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  expect(await harness.bucketKeys(bucket)).toEqual([key]);
};

const readObject = async (bucket: string, key: string) => {
  const object = await harness.release.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return object.Body?.transformToString('utf8');
};

/** A role template: `statements` as its inline policy (IAM is recorded by the local cloud, as CloudFormation keeps it). */
const roleTemplate = (statements: Record<string, unknown>[]) => ({
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    WorkerRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        // The test environment's role path and boundary (config/environments.js): its CloudFormation role creates no
        // other role, in the local cloud as on AWS.
        Path: '/glue-cd/test/',
        PermissionsBoundary: {
          'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/glue-cd/glue-cd-test-workload-boundary',
        },
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [{ PolicyName: 'work', PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
      },
    },
  },
});
const READ_DATA = { Sid: 'ReadData', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::e2e-data/*' };
const ADMIN = { Sid: 'Everything', Effect: 'Allow', Action: 'iam:*', Resource: '*' };

describe('a protected (prod) stack through the pipeline', () => {
  test('a pushed delete is refused before anything is touched: the stack and its data stay', async () => {
    const { stackName, bucketName } = names('pdel', 'prod');
    await givenStack('prod', stackName, dataTemplate({ bucketName, retain: true }));
    await givenObject(bucketName, 'curated/trips.csv', 'VendorID\n1\n');

    const outcome = await invoke({ environmentName: 'prod', stackName, action: 'delete' });

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toMatch(/ConfigurationError/);
    expect(outcome.message).toContain('[no-delete-in-protected-environment]');
    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await readObject(bucketName, 'curated/trips.csv')).toBe('VendorID\n1\n');
  });

  test('a plan of a pushed delete fails too, naming why, so the approval never shows it as harmless', async () => {
    const { stackName } = names('pdelplan', 'prod');

    const outcome = await invoke({ environmentName: 'prod', stackName, action: 'delete' }, undefined, {
      action: 'plan',
    });

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toContain(`deletes stack ${stackName}; only a deploy is planned`);
    expect(await harness.describeStack(stackName)).toBeUndefined();
  });

  test('a stack whose name carries another environment is refused, and nothing is created', async () => {
    const { stackName, bucketName } = names('mismatch', 'prod');
    expect(await harness.describeStack(stackName)).toBeUndefined();

    const outcome = await invoke(deployDocument('test', stackName), dataTemplate({ bucketName }));

    expect(outcome.status).toBe('Failed');
    expect(outcome.message).toContain('[stack-belongs-to-environment]');
    expect(await harness.describeStack(stackName)).toBeUndefined();
    expect(await harness.bucketKeys(bucketName)).toBeUndefined();
  });

  test('a direct DeleteStack fails as on AWS: termination protection', async () => {
    const { stackName, bucketName } = names('pterm', 'prod');
    const stack = await givenStack('prod', stackName, dataTemplate({ bucketName, retain: true }));
    expect(stack.EnableTerminationProtection).toBe(true);

    await expect(
      harness.release.clients.cloudFormation.send(new DeleteStackCommand({ StackName: stackName })),
    ).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringMatching(/TerminationProtection/) });

    expect((await harness.describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
    expect(await harness.bucketKeys(bucketName)).toEqual([]);
  });

  test('replacing a retained bucket: refused by the pipeline and by the stack policy; the reviewed migration keeps the old bucket', async () => {
    const { stackName, bucketName } = names('pretain', 'prod');
    await givenStack('prod', stackName, dataTemplate({ bucketName, retain: true }));
    await givenObject(bucketName, 'raw/a.csv', 'a\n1\n');
    const renamed = dataTemplate({ bucketName: `${bucketName}-v2`, retain: true });
    const cfn = harness.release.clients.cloudFormation;
    const update = (extra: Record<string, unknown> = {}) =>
      cfn.send(new UpdateStackCommand({ StackName: stackName, TemplateBody: JSON.stringify(renamed), ...extra }));

    const refused = await invoke(deployDocument('prod', stackName), renamed);
    expect(refused.status).toBe('Failed');
    expect(refused.message).toMatch(/UnsafeChangeSetError[\s\S]*DataBucket \(AWS::S3::Bucket\)/);

    // Outside the pipeline, without an override: the stored stack policy denies Update:Replace on the bucket.
    await update();
    await waitUntilStackUpdateComplete(
      { client: cfn, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
      { StackName: stackName },
    ).catch(() => undefined);
    const denied = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks?.[0];
    expect(denied?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await harness.bucketKeys(`${bucketName}-v2`)).toBeUndefined();

    // The reviewed migration (docs/pipeline.md): an override for this update only, narrowed to the bucket.
    await update({
      StackPolicyDuringUpdateBody: JSON.stringify({
        Statement: [{ Effect: 'Allow', Action: 'Update:*', Principal: '*', Resource: 'LogicalResourceId/DataBucket' }],
      }),
    });
    await waitUntilStackUpdateComplete(
      { client: cfn, maxWaitTime: 60, ...LOCAL_WAITER_DELAYS },
      { StackName: stackName },
    );

    expect(await harness.bucketKeys(`${bucketName}-v2`)).toEqual([]);
    expect(await readObject(bucketName, 'raw/a.csv')).toBe('a\n1\n');
  });
});

describe('security broadening', () => {
  test('adding iam:* to a role is refused naming the statement; a plan of it, approved, lets exactly that through', async () => {
    const { stackName } = names('iam', 'test');
    await givenStack('test', stackName, roleTemplate([READ_DATA]));
    const widened = roleTemplate([READ_DATA, ADMIN]);

    const refused = await invoke(deployDocument('test', stackName, { onBroadening: 'fail' }), widened);
    expect(refused.status).toBe('Failed');
    expect(refused.message).toContain('SECURITY-BROADENING-NOT-APPROVED');
    expect(refused.message).toContain('! Allow iam:* on * for AWS:${WorkerRole}');
    expect(await harness.stackTemplate(stackName)).toEqual(roleTemplate([READ_DATA]));

    // The pipeline's PlanProduction: the same deploy file, planned.
    const approving = deployDocument('test', stackName, { onBroadening: 'approve' });
    const plan = await invoke(approving, widened, { action: 'plan' });
    expect(plan.status).toBe('Succeeded');
    expect(plan.outputVariables).toMatchObject({
      outcome: 'planned',
      action: 'deploy',
      added: '0',
      modified: '1',
      replaced: '0',
      removed: '0',
      broadening: '1',
      verdict: 'refused-broadening',
      PlanUrl: expect.stringMatching(new RegExp(`^s3://[^/]+/plans/${stackName}/.+\\.json$`)),
    });
    expect(await harness.stackTemplate(stackName)).toEqual(roleTemplate([READ_DATA]));
    expect(await harness.changeSetNames(stackName)).toEqual([]);

    // A plan that approved something else does not let iam:* through.
    const other = await invoke(approving, roleTemplate([READ_DATA, { ...ADMIN, Action: 'iam:PassRole' }]), {
      action: 'plan',
    });
    expect(other.status).toBe('Succeeded');
    const wrongApproval = await invoke(approving, widened, { approvedPlan: other.outputVariables.PlanUrl });
    expect(wrongApproval.status).toBe('Failed');
    expect(wrongApproval.message).toContain('SECURITY-BROADENING-NOT-APPROVED');

    // DeployToProduction after the approval: the reviewed plan as approvedPlan.
    const approved = await invoke(approving, widened, { approvedPlan: plan.outputVariables.PlanUrl });
    expect({ status: approved.status, message: approved.message }).toEqual({ status: 'Succeeded', message: undefined });
    expect(approved.outputVariables.outcome).toBe('updated');
    expect(await harness.stackTemplate(stackName)).toEqual(widened);
  });
});
