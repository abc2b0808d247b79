// Every template the project deploys, packaged once as the Build does, then judged three ways:
// 1. cfn-lint (warnings fail; .cfnlintrc.yaml); 2. the project rules (scripts/policy-rules.ts);
// 3. a static IAM proof with a real policy evaluator (@cloud-copilot/iam-simulate): every SDK command the code under a
//    role can send (test/support/sdk-calls.ts) is allowed on what it touches, nothing is granted that no code sends
//    (but for grants awaited from work in progress, listed below), CloudFormation's role per environment allows what
//    its resource handlers call on that environment's resources only, and the application's roles do their work
//    inside their permissions boundary.
import { operationsDifferences, packageService, type PackagedService } from '@glue-cd/release';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkTemplate, type TemplateKind } from '../scripts/policy-rules';
import { makeResolver, type Template } from './support/cfn-resolve';
import {
  decideAll,
  type Decision,
  type PolicyDocument,
  type Request,
  type SimulatedRole,
} from './support/iam-simulation';
import { sdkCallsOf, type SdkCall } from './support/sdk-calls';
import { DELIVERY_STAGE } from './support/packagings';

/* eslint-disable @typescript-eslint/no-require-imports */
interface Environment {
  name: string;
  id: string;
  protected: boolean;
  stackName: string;
  deploymentBucket: string;
  rolePath: string;
}
const { environments, ENVIRONMENT_NAMES } = require('../config/environments.js') as {
  environments: () => Environment[];
  ENVIRONMENT_NAMES: string[];
};
const { RESOURCE_TYPES, PASSED_TO, grantActions } = require('../config/cloudformation-role.js') as {
  RESOURCE_TYPES: Record<
    string,
    ({ on: string[]; bounded?: boolean; dataLoss?: string[] } & Record<string, unknown>)[]
  >;
  PASSED_TO: Record<string, string>;
  grantActions: (grant: object, env: Environment) => string[];
};
const tasks = require('../services/deploy-orchestrator/tasks.js') as {
  TASK_NAMES: string[];
  handlerPath: (task: string) => string;
  roleId: (task: string) => string;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const REPO = path.resolve(__dirname, '..');
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const STAGE = DELIVERY_STAGE;
const ENVS = environments();
const envNamed = (name: string): Environment => ENVS.find((env) => env.name === name) as Environment;

const PACKAGES = [
  { name: 'orchestrator', dir: 'services/deploy-orchestrator', stage: STAGE, kind: {} },
  { name: 'trigger', dir: 'services/pipeline-trigger', stage: STAGE, kind: {} },
  { name: 'pipeline', dir: '.', stage: STAGE, kind: {} },
  ...ENVS.map((env) => ({
    name: `glue-etl-${env.name}`,
    dir: 'services/glue-etl',
    stage: env.name,
    kind: env.protected ? { protected: true } : { application: true },
  })),
] as const satisfies readonly { name: string; dir: string; stage: string; kind: TemplateKind }[];

const templates: Record<string, Template> = {};
const files: Record<string, string> = {};
let workDir: string;
let sdkCalls: Map<string, SdkCall[]>;

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'glue-cd-packaged-'));
  // The trigger's template must build from the orchestrator's export, never a local override.
  delete process.env.GLUE_CD_LOCAL_DEPLOY_STATE_MACHINE_ARN;
  await Promise.all(
    PACKAGES.map(async ({ name, dir, stage }) => {
      const outDir = path.join(workDir, name);
      const packaged = await packageService({
        repoRoot: REPO,
        serviceDir: path.join(REPO, dir),
        stage,
        outDir,
        deploymentBucket: `glue-cd-deployments-${stage}`,
      });
      templates[name] = packaged.template as Template;
      files[name] = path.join(outDir, 'cloudformation-template-update-stack.json');
    }),
  );
  sdkCalls = sdkCallsOf(
    [
      ...tasks.TASK_NAMES.map((task) => ({
        name: task,
        file: path.join(REPO, 'services/deploy-orchestrator', `${tasks.handlerPath(task).split('.')[0]}.ts`),
        exportName: 'handler',
      })),
      {
        name: 'trigger',
        file: path.join(REPO, 'services/pipeline-trigger/src/handlers/trigger.ts'),
        exportName: 'handler',
      },
      { name: 'liveTest', file: path.join(REPO, 'packages/live-test/src/cli.ts'), exportName: 'main' },
    ],
    REPO,
  );
}, 600_000);

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('cfn-lint (CI machines have it preinstalled; the Build runs `pip install cfn-lint`)', () => {
  it('finds no error and no warning in any packaged template', () => {
    const run = spawnSync('cfn-lint', ['--', ...Object.values(files)], { cwd: REPO, encoding: 'utf8' });
    expect(run.error).toBeUndefined();
    expect({ status: run.status, output: `${run.stdout}${run.stderr}`.trim() }).toEqual({ status: 0, output: '' });
  }, 120_000);
});

describe('the delivery stacks find each other by name, so they deploy in any order', () => {
  it('no delivery stack imports an export (the exports stay, for operators)', () => {
    for (const name of ['orchestrator', 'trigger', 'pipeline']) {
      expect({ name, imports: JSON.stringify(templates[name]).includes('Fn::ImportValue') }).toEqual({
        name,
        imports: false,
      });
    }
  });

  it('each name one stack builds is the resource the other stack creates', () => {
    // The state machine the trigger starts, and the topic the pipeline's failure rule publishes to: the orchestrator's.
    expect(orchestrator().ref('DeployStateMachine')).toBe(stateMachineArn);
    expect(orchestrator().ref('NotificationTopic')).toBe(notificationTopicArn);
    const triggerFunction = templates.trigger!.Resources.TriggerLambdaFunction!;
    const environment = trigger().resolve(triggerFunction.Properties?.Environment) as { Variables: object };
    expect(environment.Variables).toMatchObject({ DEPLOY_STATE_MACHINE_ARN: stateMachineArn });
    // The function the pipeline's invoke actions name and may invoke: the trigger's.
    expect(trigger().getAtt('TriggerLambdaFunction', 'Arn')).toBe(triggerFunctionArn);
    const invokes = (templates.pipeline!.Resources.Pipeline!.Properties!.Stages as { Actions: object[] }[])
      .flatMap((stage) => stage.Actions as { ActionTypeId: { Provider: string }; Configuration: object }[])
      .filter((action) => action.ActionTypeId.Provider === 'Lambda')
      .map((action) => pipeline().resolve(action.Configuration) as { FunctionName: string });
    expect(invokes.length).toBeGreaterThan(0);
    for (const invoke of invokes) expect(invoke.FunctionName).toBe(trigger().ref('TriggerLambdaFunction'));
  });
});

describe('project rules', () => {
  it.each(PACKAGES.map((p) => [p.name, p.kind] as const))('%s has no finding', async (name, kind) => {
    expect(await checkTemplate(templates[name] as never, kind)).toEqual([]);
  });
});

// --- Names of the deployed world -------------------------------------------------------------------------------

const resolverOf = (name: string, stackName: string, imports: Record<string, string> = {}) =>
  makeResolver(templates[name] as Template, { stackName, account: ACCOUNT, region: REGION, imports });
const orchestrator = () => resolverOf('orchestrator', `glue-cd-deploy-orchestrator-${STAGE}`);
const stateMachineArn = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:glue-cd-deploy-${STAGE}`;
// No import: the delivery stacks find each other's resources by name (config/delivery-names.js); a template that
// imported an export would fail to resolve here ("no such export in the test context").
const trigger = () => resolverOf('trigger', `glue-cd-pipeline-trigger-${STAGE}`);
const notificationTopicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:glue-cd-notifications-${STAGE}`;
const triggerFunctionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:glue-cd-pipeline-trigger-${STAGE}-trigger`;
const pipeline = () => resolverOf('pipeline', `glue-cd-pipeline-${STAGE}`);
const blueGreen = (env: Environment) => `${env.stackName}-bg-0a1b2c3d4e`;
const application = (env: Environment, stackName = env.stackName) => resolverOf(`glue-etl-${env.name}`, stackName);

/** Permissions boundaries by ARN (the orchestrator stack creates them). */
const boundaries = (): Map<string, PolicyDocument> => {
  const r = orchestrator();
  return new Map(
    Object.entries(templates.orchestrator!.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::IAM::ManagedPolicy')
      .map(([id, resource]) => [r.ref(id), r.resolve(resource.Properties?.PolicyDocument) as PolicyDocument]),
  );
};

/** A role of a template as IAM sees it: resolved policies and the boundary it names. */
const roleOf = (resolver: ReturnType<typeof makeResolver>, template: Template, roleId: string): SimulatedRole => {
  const properties = resolver.resolve(template.Resources[roleId]?.Properties) as {
    Policies: { PolicyName: string; PolicyDocument: PolicyDocument }[];
    PermissionsBoundary?: string;
  };
  const boundary = properties.PermissionsBoundary && boundaries().get(properties.PermissionsBoundary);
  if (properties.PermissionsBoundary && !boundary)
    throw new Error(`${roleId}: no boundary ${properties.PermissionsBoundary}`);
  return {
    name: roleId,
    arn: resolver.getAtt(roleId, 'Arn'),
    account: ACCOUNT,
    policies: properties.Policies.map((p) => ({ name: p.PolicyName, policy: p.PolicyDocument })),
    ...(boundary ? { boundary } : {}),
  };
};

const grantedActions = (role: SimulatedRole): string[] =>
  [
    ...new Set(
      role.policies
        .flatMap((p) => p.policy.Statement as { Sid?: string; Effect: string; Action: string[] }[])
        .filter((s) => s.Effect === 'Allow' && s.Sid !== 'WriteOwnLogs')
        .flatMap((s) => s.Action),
    ),
  ].sort();

/** The requests that were not allowed (an empty list reads as "all allowed" in a failure's diff). */
const allowedOnly = <T extends { decision: Decision | 'denied' }>(decisions: T[]): T[] =>
  decisions.filter(({ decision }) => decision !== 'Allowed');

// --- The orchestrator's task roles ------------------------------------------------------------------------------

const stackArn = (name: string) =>
  `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${name}/5a6b7c8d-1111-2222-3333-444455556666`;
const stacksOf = (env: Environment) => [env.stackName, blueGreen(env)].map(stackArn);
const cloudFormationRoleArn = (env: Environment) => orchestrator().getAtt(`CloudFormationRole${env.id}`, 'Arn');
const stagingBucket = () => orchestrator().ref('TemplateStagingBucket');
const artifactBucket = () => pipeline().ref('ArtifactBucket');
const dataObject = (env: Environment) =>
  `arn:aws:s3:::${env.stackName}-raw-${ACCOUNT}/nyc-taxi/yellow_tripdata/2024-01.csv`;

const onStacks =
  (action: string, context?: (env: Environment) => Record<string, string>) =>
  (env: Environment): Request[] =>
    stacksOf(env).map((resource) => ({ action, resource, ...(context ? { context: context(env) } : {}) }));
/** Stack policy and termination protection: the code sends them for protected environments' stacks only. */
const onProtectedStacks = (action: string) => (env: Environment) => (env.protected ? onStacks(action)(env) : []);
const stagedObject =
  (action: string, key: (env: Environment) => string) =>
  (env: Environment): Request[] => [{ action, resource: `arn:aws:s3:::${stagingBucket()}/${key(env)}` }];
const withRole = (env: Environment) => ({ 'cloudformation:RoleArn': cloudFormationRoleArn(env) });
const passCloudFormationRole = (env: Environment): Request => ({
  action: 'iam:PassRole',
  resource: cloudFormationRoleArn(env),
  context: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
});
const stagedTemplate = (env: Environment): Request => ({
  action: 's3:GetObject',
  resource: `arn:aws:s3:::${stagingBucket()}/templates/${env.stackName}/codepipeline-0123/cloudformation-template-update-stack.json`,
});

/**
 * What each SDK command touches, as IAM requests per application environment: `<client>:<Operation>` for every
 * task, `<task> <client>:<Operation>` where the same command touches different things in different tasks.
 * CreateStack/CreateChangeSet also tag the stack, pass the role and read the staged template with the caller's rights.
 */
const ORCHESTRATOR_TOUCHES: Record<string, (env: Environment) => Request[]> = {
  'cloudformation:DescribeStacks': onStacks('cloudformation:DescribeStacks'),
  'cloudformation:DescribeStackEvents': onStacks('cloudformation:DescribeStackEvents'),
  'cloudformation:DescribeChangeSet': onStacks('cloudformation:DescribeChangeSet'),
  'cloudformation:DeleteChangeSet': onStacks('cloudformation:DeleteChangeSet'),
  'cloudformation:ExecuteChangeSet': onStacks('cloudformation:ExecuteChangeSet'),
  'cloudformation:GetTemplate': onStacks('cloudformation:GetTemplate'),
  'cloudformation:ListStackResources': onStacks('cloudformation:ListStackResources'),
  'cloudformation:GetStackPolicy': onProtectedStacks('cloudformation:GetStackPolicy'),
  'cloudformation:SetStackPolicy': onProtectedStacks('cloudformation:SetStackPolicy'),
  'cloudformation:UpdateTerminationProtection': onProtectedStacks('cloudformation:UpdateTerminationProtection'),
  // The full verdict, the pages of a change set read across polls, the plan (services/deploy-orchestrator/src/artifacts.ts).
  'pollChangeSet s3:PutObject': (env) => [
    ...stagedObject('s3:PutObject', (e) => `verdicts/${e.stackName}/codepipeline-0123/verdict.json`)(env),
    ...stagedObject('s3:PutObject', (e) => `verdicts/${e.stackName}/codepipeline-0123/progress-2.json`)(env),
    ...stagedObject('s3:PutObject', (e) => `plans/${e.stackName}/codepipeline-0123.json`)(env),
  ],
  'pollChangeSet s3:GetObject': (env) => [
    ...stagedObject('s3:GetObject', (e) => `verdicts/${e.stackName}/codepipeline-0123/progress-2.json`)(env),
    ...stagedObject('s3:GetObject', (e) => `plans/${e.stackName}/codepipeline-0001.json`)(env),
  ],
  'cloudformation:CreateStack': (env) => [
    ...onStacks('cloudformation:CreateStack', withRole)(env),
    ...onStacks('cloudformation:TagResource')(env),
    passCloudFormationRole(env),
    stagedTemplate(env),
  ],
  'cloudformation:CreateChangeSet': (env) => [
    ...onStacks('cloudformation:CreateChangeSet', withRole)(env),
    ...onStacks('cloudformation:TagResource')(env),
    passCloudFormationRole(env),
    stagedTemplate(env),
  ],
  'cloudformation:DeleteStack': (env) => [
    ...onStacks('cloudformation:DeleteStack', withRole)(env),
    passCloudFormationRole(env),
  ],
  'prepareTemplate s3:GetObject': () => [
    { action: 's3:GetObject', resource: `arn:aws:s3:::${artifactBucket()}/glue-cd-${STAGE}/BuildOutpu/AbCdEf1` },
  ],
  'prepareTemplate s3:PutObject': (env) => [{ ...stagedTemplate(env), action: 's3:PutObject' }],
  'emptyBuckets s3:ListObjectVersions': (env) => [
    { action: 's3:ListBucketVersions', resource: `arn:aws:s3:::${env.stackName}-raw-${ACCOUNT}` },
  ],
  'emptyBuckets s3:DeleteObjects': (env) =>
    ['s3:DeleteObject', 's3:DeleteObjectVersion'].map((action) => ({ action, resource: dataObject(env) })),
};

/** Denials by design: IAM, not code, keeps the bucket-emptying task off a protected environment's data. */
const deniedByDesign = (task: string, call: SdkCall, env: Environment) =>
  task === 'emptyBuckets' && call.client === 's3' && env.protected;

/** Grants no SDK call of the code shows, each with its reason; the test fails once the code sends one. */
const AWAITED: Record<string, string[]> = {
  // CreateStack sets the stack policy and termination protection of a protected stack through its own parameters
  // (StackPolicyBody, EnableTerminationProtection); the matching actions are granted in case CloudFormation
  // authorizes those parameters as the actions they stand for.
  createStack: ['cloudformation:SetStackPolicy', 'cloudformation:UpdateTerminationProtection'],
};

const requestsFor = (
  owner: string,
  calls: SdkCall[],
  touches: Record<string, (env: Environment) => Request[]>,
  envs: Environment[],
  exempt: (call: SdkCall) => boolean = () => false,
) => {
  const missing: string[] = [];
  const expected: { request: Request; decision: 'Allowed' | 'denied' }[] = [];
  for (const call of calls.filter((c) => !exempt(c))) {
    const key = `${call.client}:${call.operation}`;
    const touch = touches[`${owner} ${key}`] ?? touches[key];
    if (!touch) {
      missing.push(`${owner} ${key} (${call.at})`);
      continue;
    }
    for (const env of envs) {
      for (const request of touch(env)) {
        expected.push({ request, decision: deniedByDesign(owner, call, env) ? 'denied' : 'Allowed' });
      }
    }
  }
  return { missing, expected };
};

const judged = async (role: SimulatedRole, expected: { request: Request; decision: 'Allowed' | 'denied' }[]) => {
  const decisions = await decideAll(
    role,
    expected.map((e) => e.request),
  );
  return decisions.map(({ request, decision }) => ({
    request,
    decision: decision === 'Allowed' ? ('Allowed' as const) : ('denied' as const),
  }));
};

describe('static IAM proof: the orchestrator’s task roles', () => {
  it('finds the SDK commands the handlers send (the walk is not blind)', () => {
    expect(sdkCalls.get('createStack')?.map((c) => `${c.client}:${c.operation}`)).toContain(
      'cloudformation:CreateStack',
    );
    expect(sdkCalls.get('emptyBuckets')?.map((c) => `${c.client}:${c.operation}`)).toEqual(
      expect.arrayContaining(['s3:DeleteObjects', 's3:ListObjectVersions', 'cloudformation:ListStackResources']),
    );
    // Symbol-level: createStack imports stack-operations.ts but never reaches its DeleteStackCommand.
    expect(sdkCalls.get('createStack')?.map((c) => c.operation)).not.toContain('DeleteStack');
  });

  it.each(tasks.TASK_NAMES)(
    '%s may send every command its code sends, on the stacks and objects it touches',
    async (task) => {
      const role = roleOf(orchestrator(), templates.orchestrator!, tasks.roleId(task));
      const { missing, expected } = requestsFor(task, sdkCalls.get(task) ?? [], ORCHESTRATOR_TOUCHES, ENVS);
      expect(missing).toEqual([]);
      expect(await judged(role, expected)).toEqual(
        expected.map(({ request, decision }) => ({
          request: `${request.action} ${request.resource}${request.context ? ` ${JSON.stringify(request.context)}` : ''}`,
          decision,
        })),
      );
    },
  );

  it.each(tasks.TASK_NAMES)('%s is granted nothing its code does not send (but for awaited work)', (task) => {
    const role = roleOf(orchestrator(), templates.orchestrator!, tasks.roleId(task));
    const { expected } = requestsFor(task, sdkCalls.get(task) ?? [], ORCHESTRATOR_TOUCHES, ENVS);
    const sent = new Set(expected.map((e) => e.request.action));
    const awaited = AWAITED[task] ?? [];
    expect({ unused: grantedActions(role).filter((a) => !sent.has(a) && !awaited.includes(a)) }).toEqual({
      unused: [],
    });
    expect({ awaitedButAlreadySent: awaited.filter((a) => sent.has(a)) }).toEqual({ awaitedButAlreadySent: [] });
  });

  it('refuses what no task may do: the wrong environment’s role, no role, prod data, other buckets', async () => {
    const [test, prod] = [envNamed('test'), envNamed('prod')];
    const r = orchestrator();
    const cases: [task: string, request: Request][] = [
      [
        'createStack',
        { action: 'cloudformation:CreateStack', resource: stackArn(prod.stackName), context: withRole(test) },
      ],
      ['createStack', { action: 'cloudformation:CreateStack', resource: stackArn(prod.stackName) }],
      [
        'createChangeSet',
        { action: 'cloudformation:CreateChangeSet', resource: stackArn(test.stackName), context: withRole(prod) },
      ],
      [
        'deleteStack',
        {
          action: 'cloudformation:DeleteStack',
          resource: stackArn(`glue-cd-deploy-orchestrator-${STAGE}`),
          context: withRole(test),
        },
      ],
      [
        'createStack',
        {
          action: 'iam:PassRole',
          resource: cloudFormationRoleArn(test),
          context: { 'iam:PassedToService': 'lambda.amazonaws.com' },
        },
      ],
      ['emptyBuckets', { action: 's3:DeleteObject', resource: dataObject(prod) }],
      [
        'emptyBuckets',
        { action: 's3:DeleteObject', resource: `arn:aws:s3:::${artifactBucket()}/glue-cd-${STAGE}/BuildOutpu/AbCdEf1` },
      ],
      ['emptyBuckets', { action: 's3:DeleteObject', resource: `arn:aws:s3:::${stagingBucket()}/templates/x` }],
      ['prepareTemplate', { action: 's3:GetObject', resource: dataObject(test) }],
      ['prepareTemplate', { action: 's3:PutObject', resource: `arn:aws:s3:::${stagingBucket()}/verdicts/x.json` }],
      ['checkStack', { action: 'cloudformation:DescribeStacks', resource: stackArn(`glue-cd-pipeline-${STAGE}`) }],
    ];
    const decisions = await Promise.all(
      cases.map(async ([task, request]) => {
        const [decision] = await decideAll(roleOf(r, templates.orchestrator!, tasks.roleId(task)), [request]);
        return `${task}: ${decision!.request} → ${decision!.decision}`;
      }),
    );
    expect(decisions.filter((d) => d.endsWith('→ Allowed'))).toEqual([]);
  });
});

// --- The pipeline trigger and the live test ---------------------------------------------------------------------

describe('static IAM proof: the pipeline trigger and the live test', () => {
  const TRIGGER_TOUCHES: Record<string, () => Request[]> = {
    'sfn:StartExecution': () => [{ action: 'states:StartExecution', resource: stateMachineArn }],
    'sfn:DescribeExecution': () => [
      {
        action: 'states:DescribeExecution',
        resource: `arn:aws:states:${REGION}:${ACCOUNT}:execution:glue-cd-deploy-${STAGE}:codepipeline-3f7c1a9e`,
      },
    ],
    // Job-worker actions have no resource-level permissions.
    'codepipeline:PutJobSuccessResult': () => [{ action: 'codepipeline:PutJobSuccessResult', resource: '*' }],
    'codepipeline:PutJobFailureResult': () => [{ action: 'codepipeline:PutJobFailureResult', resource: '*' }],
    // The pipeline execution and action a continuation token is bound to.
    'codepipeline:GetJobDetails': () => [{ action: 'codepipeline:GetJobDetails', resource: '*' }],
    // The HMAC key of the continuation tokens: the trigger stack's own secret, and no other.
    'secrets-manager:GetSecretValue': () => [
      { action: 'secretsmanager:GetSecretValue', resource: trigger().ref('ContinuationTokenKey') },
    ],
  };
  // Input artifacts are read with the job's short-lived artifact credentials (artifactS3Client), not the role.
  const sentWithArtifactCredentials = (call: SdkCall) => call.client === 's3' && call.operation === 'GetObject';

  it('the trigger may send every command its code sends with its role, and is granted nothing else', async () => {
    const role = roleOf(trigger(), templates.trigger!, 'PipelineTriggerRole');
    const calls = sdkCalls.get('trigger') ?? [];
    expect(calls.filter(sentWithArtifactCredentials)).toHaveLength(1);
    const { missing, expected } = requestsFor(
      'trigger',
      calls,
      TRIGGER_TOUCHES,
      [ENVS[0]!],
      sentWithArtifactCredentials,
    );
    expect(missing).toEqual([]);
    expect(allowedOnly(await judged(role, expected))).toEqual([]);
    const sent = new Set(expected.map((e) => e.request.action));
    expect(grantedActions(role).filter((a) => !sent.has(a) && !(AWAITED.trigger ?? []).includes(a))).toEqual([]);
    expect((AWAITED.trigger ?? []).filter((a) => sent.has(a))).toEqual([]);
  });

  it('the live test may run the test stack’s crawlers, job and queries, and touches nothing of prod', async () => {
    const test = envNamed('test');
    const app = application(test);
    const arn = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
    const lake = app.ref('DataLakeBucket');
    const raw = app.ref('RawBucket');
    const lakeDb = app.ref('DataLakeDatabase');
    const results = app.ref('AthenaResultsBucket');
    const workGroup = arn('athena', `workgroup/${app.ref('AthenaWorkGroup')}`);
    const touches: Record<string, () => Request[]> = {
      'glue:StartCrawler': () =>
        ['RawCrawler', 'DataLakeCrawler'].map((c) => ({
          action: 'glue:StartCrawler',
          resource: arn('glue', `crawler/${app.ref(c)}`),
        })),
      'glue:GetCrawler': () =>
        ['RawCrawler', 'DataLakeCrawler'].map((c) => ({
          action: 'glue:GetCrawler',
          resource: arn('glue', `crawler/${app.ref(c)}`),
        })),
      'glue:StartJobRun': () => [{ action: 'glue:StartJobRun', resource: arn('glue', `job/${app.ref('NycTaxiJob')}`) }],
      'glue:GetJobRun': () => [{ action: 'glue:GetJobRun', resource: arn('glue', `job/${app.ref('NycTaxiJob')}`) }],
      // Athena reads the catalog and the data, and writes the results, with the caller's credentials.
      'athena:StartQueryExecution': () => [
        { action: 'athena:StartQueryExecution', resource: workGroup },
        { action: 'glue:GetDatabase', resource: arn('glue', `database/${lakeDb}`) },
        { action: 'glue:GetTable', resource: arn('glue', `table/${lakeDb}/yellow_tripdata`) },
        { action: 'glue:GetPartitions', resource: arn('glue', `table/${lakeDb}/yellow_tripdata`) },
        { action: 's3:ListBucket', resource: `arn:aws:s3:::${lake}` },
        { action: 's3:GetObject', resource: `arn:aws:s3:::${lake}/nyc-taxi/yellow_tripdata/part-0.parquet` },
        { action: 's3:GetBucketLocation', resource: `arn:aws:s3:::${results}` },
        { action: 's3:PutObject', resource: `arn:aws:s3:::${results}/results/q-1.csv` },
      ],
      'athena:GetQueryExecution': () => [{ action: 'athena:GetQueryExecution', resource: workGroup }],
      'athena:GetQueryResults': () => [
        { action: 'athena:GetQueryResults', resource: workGroup },
        { action: 's3:GetObject', resource: `arn:aws:s3:::${results}/results/q-1.csv` },
      ],
      's3:PutObject': () => [
        { action: 's3:PutObject', resource: `arn:aws:s3:::${raw}/nyc-taxi/yellow_tripdata/2024-01.csv` },
      ],
      's3:ListObjectsV2': () => [
        {
          action: 's3:ListBucket',
          resource: `arn:aws:s3:::${lake}`,
          context: { 's3:prefix': 'rejects/nyc-taxi/yellow_tripdata/' },
        },
      ],
      's3:GetObject': () => [
        { action: 's3:GetObject', resource: `arn:aws:s3:::${lake}/rejects/nyc-taxi/yellow_tripdata/part-0.csv` },
      ],
    };
    const role = roleOf(pipeline(), templates.pipeline!, 'LiveTestProjectRole');
    const { missing, expected } = requestsFor('liveTest', sdkCalls.get('liveTest') ?? [], touches, [test]);
    expect(missing).toEqual([]);
    expect(allowedOnly(await judged(role, expected))).toEqual([]);

    const prod = application(envNamed('prod'));
    const onProd: Request[] = [
      { action: 'glue:StartCrawler', resource: arn('glue', `crawler/${prod.ref('RawCrawler')}`) },
      { action: 'glue:StartJobRun', resource: arn('glue', `job/${prod.ref('NycTaxiJob')}`) },
      { action: 's3:PutObject', resource: `arn:aws:s3:::${prod.ref('RawBucket')}/nyc-taxi/yellow_tripdata/x.csv` },
      { action: 'athena:StartQueryExecution', resource: arn('athena', `workgroup/${prod.ref('AthenaWorkGroup')}`) },
      { action: 'glue:GetTable', resource: arn('glue', `table/${prod.ref('DataLakeDatabase')}/yellow_tripdata`) },
    ];
    expect((await decideAll(role, onProd)).filter((d) => d.decision === 'Allowed')).toEqual([]);
  });

  it('CodeBuild may fill the live test’s report group with the project role, and no other group', async () => {
    const role = roleOf(pipeline(), templates.pipeline!, 'LiveTestProjectRole');
    const group = (name: string) => `arn:aws:codebuild:${REGION}:${ACCOUNT}:report-group/${name}`;
    const calls = [
      'codebuild:CreateReportGroup',
      'codebuild:CreateReport',
      'codebuild:UpdateReport',
      'codebuild:BatchPutTestCases',
      'codebuild:BatchPutCodeCoverages',
    ];
    // buildspecs/live-test.yml names the group `checks`: CodeBuild uses <project name>-checks.
    const ours = group(`glue-cd-pipeline-${STAGE}-live-test-checks`);
    expect(pipeline().getAtt('LiveTestReportGroup', 'Arn')).toBe(ours);
    expect(
      allowedOnly(
        await decideAll(
          role,
          calls.map((action) => ({ action, resource: ours })),
        ),
      ),
    ).toEqual([]);
    const others = [group(`glue-cd-pipeline-${STAGE}-build-checks`), group('checks')];
    const elsewhere = await decideAll(
      role,
      others.flatMap((resource) => calls.map((action) => ({ action, resource }))),
    );
    expect(elsewhere.filter((d) => d.decision === 'Allowed')).toEqual([]);
  });
});

// --- CloudFormation's roles per environment ---------------------------------------------------------------------

type Resolver = ReturnType<typeof makeResolver>;
/** What a resource's ARNs are on AWS, by the kinds config/cloudformation-role.js grants on. */
const ARNS_OF: Record<string, Record<string, (id: string, r: Resolver, template: Template) => string[]>> = {
  'AWS::S3::Bucket': { buckets: (id, r) => [`arn:aws:s3:::${r.ref(id)}`] },
  'AWS::S3::BucketPolicy': {
    buckets: (id, r, t) => [`arn:aws:s3:::${String(r.resolve(t.Resources[id]?.Properties?.Bucket))}`],
  },
  'AWS::IAM::Role': { roles: (id, r) => [r.getAtt(id, 'Arn')] },
  'AWS::Glue::Database': {
    catalog: () => [`arn:aws:glue:${REGION}:${ACCOUNT}:catalog`],
    databases: (id, r) => [`arn:aws:glue:${REGION}:${ACCOUNT}:database/${r.ref(id)}`],
    tables: (id, r) => [`arn:aws:glue:${REGION}:${ACCOUNT}:table/${r.ref(id)}/yellow_tripdata`],
    userDefinedFunctions: (id, r) => [`arn:aws:glue:${REGION}:${ACCOUNT}:userDefinedFunction/${r.ref(id)}/f`],
  },
  'AWS::Glue::Crawler': {
    crawlers: (id, r) => [`arn:aws:glue:${REGION}:${ACCOUNT}:crawler/${r.ref(id)}`],
    any: () => ['*'],
  },
  'AWS::Glue::Job': { jobs: (id, r) => [`arn:aws:glue:${REGION}:${ACCOUNT}:job/${r.ref(id)}`] },
  'AWS::Athena::WorkGroup': {
    workgroups: (id, r) => [`arn:aws:athena:${REGION}:${ACCOUNT}:workgroup/${r.ref(id)}`],
    buckets: (id, r, t) => [`arn:aws:s3:::${resultsLocation(id, r, t).split('/')[0]}`],
    objects: (id, r, t) => [`arn:aws:s3:::${resultsLocation(id, r, t)}athena-check.txt`],
  },
};
const resultsLocation = (id: string, r: Resolver, t: Template): string =>
  String(
    (
      r.resolve(t.Resources[id]?.Properties) as {
        WorkGroupConfiguration: { ResultConfiguration: { OutputLocation: string } };
      }
    ).WorkGroupConfiguration.ResultConfiguration.OutputLocation,
  ).replace(/^s3:\/\//, '');

/** Every call CloudFormation's handlers make for the application stack of `env` named `stackName`. */
const handlerCalls = (
  env: Environment,
  stackName: string,
  actionsOf = (grant: object) => grantActions(grant, env),
  passRoles = true,
) => {
  const r = application(env, stackName);
  const template = templates[`glue-etl-${env.name}`]!;
  const boundary = {
    'iam:PermissionsBoundary': [...boundaries().keys()].find((arn) =>
      arn.endsWith(`glue-cd-${env.name}-workload-boundary`),
    )!,
  };
  const calls: { request: Request; resources: string[] }[] = [];
  const unknown: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const grants = RESOURCE_TYPES[resource.Type];
    if (!grants) {
      unknown.push(`${id}: ${resource.Type}`);
      continue;
    }
    for (const grant of grants) {
      const resources = grant.on.flatMap((kind) => {
        const arns = ARNS_OF[resource.Type]?.[kind];
        if (!arns) throw new Error(`no ARN of kind ${kind} for ${resource.Type} in the test's ARNS_OF`);
        return arns(id, r, template);
      });
      for (const action of actionsOf(grant)) {
        calls.push({
          request: { action, resource: '', ...(resource.Type === 'AWS::IAM::Role' ? { context: boundary } : {}) },
          resources,
        });
      }
    }
    const passedTo = PASSED_TO[resource.Type];
    if (passedTo && passRoles) {
      const passed = String(r.resolve(resource.Properties?.Role));
      calls.push({
        request: { action: 'iam:PassRole', resource: '', context: { 'iam:PassedToService': passedTo } },
        resources: [passed],
      });
    }
  }
  return { calls, unknown };
};

/** A call is allowed when every resource it names is (Glue authorizes a database delete on each of its tables). */
const callDecisions = async (role: SimulatedRole, calls: { request: Request; resources: string[] }[]) =>
  Promise.all(
    calls.map(async ({ request, resources }) => {
      const decisions = await decideAll(
        role,
        resources.map((resource) => ({ ...request, resource })),
      );
      return {
        call: `${request.action} ${resources.join(' ')}`,
        allowed: decisions.every((d) => d.decision === 'Allowed'),
      };
    }),
  );

describe('static IAM proof: CloudFormation’s role per environment', () => {
  it.each(ENVIRONMENT_NAMES)('%s: allows every handler call for its stack and a blue/green copy', async (name) => {
    const env = envNamed(name);
    const role = roleOf(orchestrator(), templates.orchestrator!, `CloudFormationRole${env.id}`);
    for (const stackName of [env.stackName, blueGreen(env)]) {
      const { calls, unknown } = handlerCalls(env, stackName);
      expect(unknown).toEqual([]);
      expect(calls.length).toBeGreaterThan(50);
      expect((await callDecisions(role, calls)).filter((d) => !d.allowed)).toEqual([]);
    }
  });

  it.each(ENVIRONMENT_NAMES.flatMap((own) => ENVIRONMENT_NAMES.filter((o) => o !== own).map((other) => [own, other])))(
    '%s’s role can do nothing to %s’s resources',
    async (own, other) => {
      const role = roleOf(orchestrator(), templates.orchestrator!, `CloudFormationRole${envNamed(own).id}`);
      const otherEnv = envNamed(other);
      const { calls } = handlerCalls(otherEnv, otherEnv.stackName, (grant) => grantActions(grant, envNamed(own)));
      // CreateCrawler has no resource-level permissions: what stops a crawler for the other environment is PassRole
      // of that environment's role, which is among these calls.
      const scoped = calls.filter((c) => !c.resources.every((resource) => resource === '*'));
      expect(scoped.filter((c) => c.request.action === 'iam:PassRole')).toHaveLength(3);
      expect((await callDecisions(role, scoped)).filter((d) => d.allowed)).toEqual([]);
    },
  );

  it('a protected environment’s role cannot destroy its data, even for a template without Retain', async () => {
    for (const env of ENVS.filter((e) => e.protected)) {
      const role = roleOf(orchestrator(), templates.orchestrator!, `CloudFormationRole${env.id}`);
      const { calls } = handlerCalls(
        env,
        env.stackName,
        (grant) => (grant as { dataLoss?: string[] }).dataLoss ?? [],
        false,
      );
      expect(calls.map((c) => c.request.action)).toEqual(
        expect.arrayContaining(['s3:DeleteBucket', 'glue:DeleteDatabase']),
      );
      expect((await callDecisions(role, calls)).filter((d) => d.allowed)).toEqual([]);
    }
  });

  it('creates and changes roles only with the environment’s boundary, and passes them only to Glue', async () => {
    const env = envNamed('test');
    const role = roleOf(orchestrator(), templates.orchestrator!, 'CloudFormationRoleTest');
    const appRole = application(env).getAtt('JobRole', 'Arn');
    const otherBoundary = {
      'iam:PermissionsBoundary': `arn:aws:iam::${ACCOUNT}:policy/glue-cd/glue-cd-prod-workload-boundary`,
    };
    const requests: Request[] = [
      { action: 'iam:CreateRole', resource: appRole },
      { action: 'iam:CreateRole', resource: appRole, context: otherBoundary },
      { action: 'iam:PutRolePolicy', resource: appRole },
      { action: 'iam:AttachRolePolicy', resource: appRole, context: otherBoundary },
      { action: 'iam:DeleteRolePermissionsBoundary', resource: appRole },
      { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/admin` },
      { action: 'iam:PassRole', resource: appRole, context: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      { action: 'iam:PassRole', resource: appRole },
      { action: 'lambda:CreateFunction', resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${env.stackName}-x` },
    ];
    expect((await decideAll(role, requests)).filter((d) => d.decision === 'Allowed')).toEqual([]);
  });
});

// --- The application's roles inside their boundary --------------------------------------------------------------

describe('static IAM proof: the Glue ETL roles work inside their permissions boundary', () => {
  const glue = (resource: string) => `arn:aws:glue:${REGION}:${ACCOUNT}:${resource}`;
  const logs = (resource: string) => `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${resource}`;
  const s3 = (url: string) => `arn:aws:s3:::${url.replace(/^s3:\/\//, '')}`;
  /** Folder keys Glue's S3 file system HEADs and marks while it walks and creates a prefix. */
  const folders = (url: string): string[] => {
    const [bucket, ...parts] = url
      .replace(/^s3:\/\//, '')
      .replace(/\/$/, '')
      .split('/');
    return parts.flatMap((_, i) => {
      const dir = `${bucket}/${parts.slice(0, i + 1).join('/')}`;
      return [s3(dir), s3(`${dir}_$folder$`)];
    });
  };

  const workloadOf = (env: Environment) => {
    const r = application(env);
    const template = templates[`glue-etl-${env.name}`]!;
    const props = (id: string): unknown => r.resolve(template.Resources[id]?.Properties);
    const crawler = (id: string): Request[] => {
      const { Targets, DatabaseName } = props(id) as {
        Targets: { S3Targets: { Path: string }[] };
        DatabaseName: string;
      };
      const target = Targets.S3Targets[0]!.Path;
      const [bucket, ...prefix] = target.replace(/^s3:\/\//, '').split('/');
      return [
        { action: 's3:ListBucket', resource: s3(bucket!), context: { 's3:prefix': prefix.join('/') } },
        { action: 's3:GetBucketLocation', resource: s3(bucket!) },
        { action: 's3:GetObject', resource: s3(`${target}part-0`) },
        ...[glue('catalog'), glue(`database/${DatabaseName}`)].map((resource) => ({
          action: 'glue:GetDatabase',
          resource,
        })),
        ...['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable', 'glue:BatchCreatePartition'].flatMap((action) =>
          [glue('catalog'), glue(`database/${DatabaseName}`), glue(`table/${DatabaseName}/yellow_tripdata`)].map(
            (resource) => ({ action, resource }),
          ),
        ),
        { action: 'logs:CreateLogGroup', resource: logs('/aws-glue/crawlers') },
        { action: 'logs:PutLogEvents', resource: logs('/aws-glue/crawlers:log-stream:run-1') },
      ];
    };
    const job = props('NycTaxiJob') as {
      Command: { ScriptLocation: string };
      DefaultArguments: Record<string, string>;
    };
    const args = job.DefaultArguments;
    const writes = [args['--target_path']!, args['--rejects_path']!];
    const jobRequests: Request[] = [
      { action: 's3:GetObject', resource: s3(job.Command.ScriptLocation) },
      { action: 's3:GetObject', resource: s3(args['--mapping_path']!) },
      { action: 's3:ListBucket', resource: s3(args['--source_path']!.replace(/^s3:\/\//, '').split('/')[0]!) },
      { action: 's3:GetObject', resource: s3(`${args['--source_path']}2024-01.csv`) },
      ...folders(args['--source_path']!).map((resource) => ({ action: 's3:GetObject', resource })),
      ...writes.flatMap((url) =>
        ['s3:PutObject', 's3:GetObject', 's3:DeleteObject'].flatMap((action) =>
          [s3(`${url}part-0.parquet`), s3(`${url}_SUCCESS`), ...folders(url)].map((resource) => ({ action, resource })),
        ),
      ),
      { action: 'logs:PutLogEvents', resource: logs('/aws-glue/jobs/logs-v2:log-stream:jr_1') },
      { action: 'cloudwatch:PutMetricData', resource: '*', context: { 'cloudwatch:namespace': 'Glue' } },
    ];
    return { r, template, crawler, jobRequests };
  };

  it.each(ENVIRONMENT_NAMES)('%s: the crawlers and the job may do their work, boundary included', async (name) => {
    const env = envNamed(name);
    const { r, template, crawler, jobRequests } = workloadOf(env);
    const work: [string, Request[]][] = [
      ['RawCrawlerRole', crawler('RawCrawler')],
      ['DataLakeCrawlerRole', crawler('DataLakeCrawler')],
      ['JobRole', jobRequests],
    ];
    for (const [roleId, requests] of work) {
      const role = roleOf(r, template, roleId);
      expect(role.boundary).toBeDefined();
      expect({ roleId, denied: allowedOnly(await decideAll(role, requests)) }).toEqual({ roleId, denied: [] });
    }
  });

  it('the boundary caps a role whose own policy grants too much', async () => {
    const test = envNamed('test');
    const { r, template } = workloadOf(test);
    const role = roleOf(r, template, 'JobRole');
    const prodBucket = application(envNamed('prod')).ref('DataLakeBucket');
    const widened: SimulatedRole = {
      ...role,
      policies: [
        ...role.policies,
        {
          name: 'widened',
          policy: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['s3:GetObject', 'iam:CreateRole'],
                Resource: [`arn:aws:s3:::${prodBucket}/*`, '*'],
              },
            ],
          },
        },
      ],
    };
    const requests: Request[] = [
      { action: 's3:GetObject', resource: `arn:aws:s3:::${prodBucket}/nyc-taxi/yellow_tripdata/part-0.parquet` },
      { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/admin` },
    ];
    expect((await decideAll(widened, requests)).map((d) => d.decision)).toEqual([
      'ImplicitlyDenied',
      'ImplicitlyDenied',
    ]);
  });
});

describe('policy sizes stay under IAM’s quotas', () => {
  it('every role’s inline policies ≤ 10,240 characters and every managed policy ≤ 6,144, resolved', () => {
    const sizes: { owner: string; chars: number; limit: number }[] = [];
    const resolvers: Record<string, Resolver> = {
      orchestrator: orchestrator(),
      trigger: trigger(),
      pipeline: pipeline(),
      ...Object.fromEntries(ENVS.map((env) => [`glue-etl-${env.name}`, application(env, blueGreen(env))])),
    };
    for (const [name, template] of Object.entries(templates)) {
      for (const [id, resource] of Object.entries(template.Resources)) {
        const properties = resolvers[name]!.resolve(resource.Properties) as Record<string, unknown>;
        if (resource.Type === 'AWS::IAM::Role') {
          sizes.push({
            owner: `${name}#${id}`,
            chars: JSON.stringify(properties.Policies ?? []).length,
            limit: 10_240,
          });
        }
        if (resource.Type === 'AWS::IAM::ManagedPolicy') {
          sizes.push({ owner: `${name}#${id}`, chars: JSON.stringify(properties.PolicyDocument).length, limit: 6_144 });
        }
      }
    }
    expect(sizes.length).toBeGreaterThan(20);
    expect(sizes.filter((s) => s.chars > s.limit)).toEqual([]);
  });
});

// --- Operations on AWS: execution logs and traces, the failed-executions alarm, notifications --------------------

describe('operations of the deploy state machine (packaged templates)', () => {
  const resource = (name: 'orchestrator' | 'pipeline', id: string) => {
    const found = templates[name]!.Resources[id];
    if (!found) throw new Error(`${name} has no ${id}`);
    return found;
  };
  /** EventBridge's input transformer: a placeholder outside quotes becomes the JSON value, inside quotes the text. */
  const transform = (transformer: { InputPathsMap: Record<string, string>; InputTemplate: string }, event: object) =>
    JSON.parse(
      transformer.InputTemplate.replace(
        /"([^"]*)"|<([a-zA-Z]+)>/g,
        (whole, quoted: string | undefined, name: string) => {
          const valueOf = (key: string) =>
            transformer.InputPathsMap[key]!.slice(2)
              .split('.')
              .reduce<unknown>((value, part) => (value as Record<string, unknown>)[part], event);
          if (quoted !== undefined)
            return `"${quoted.replace(/<([a-zA-Z]+)>/g, (_m, key: string) => String(valueOf(key)))}"`;
          return JSON.stringify(valueOf(name));
        },
      ),
    ) as Record<string, unknown>;

  it('tells the local release what of it the local cloud only records (printed as differences)', () => {
    const packaged = { service: 'deploy-orchestrator', template: templates.orchestrator } as unknown as PackagedService;
    // On a machine with the Node its functions declare (nodejs22.x), only the operations resources.
    const differences = operationsDifferences([packaged], 'v22.11.0');
    expect(differences).toHaveLength(6);
    expect(operationsDifferences([packaged], 'v20.20.2')).toEqual([
      ...differences,
      "deploy-orchestrator: 13 functions declare Runtime nodejs22.x: the local Lambda runs them on this machine's Node v20.20.2",
    ]);
    expect(differences).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`glue-cd-deploy-${STAGE}: LoggingConfiguration ignored`),
        expect.stringContaining(`glue-cd-deploy-${STAGE}: TracingConfiguration ignored`),
        expect.stringContaining('KMS key NotificationKey recorded'),
        expect.stringContaining(`SNS topic glue-cd-notifications-${STAGE} recorded`),
        expect.stringContaining(`alarm glue-cd-deploy-${STAGE}-executions-failed recorded`),
        expect.stringContaining(`EventBridge rule glue-cd-deploy-${STAGE}-refused recorded`),
      ]),
    );
  });

  it('logs failed executions to its own log group (ERROR, no execution data), with retention, and traces them', () => {
    const properties = resource('orchestrator', 'DeployStateMachine').Properties!;
    expect(properties.LoggingConfiguration).toEqual({
      Level: 'ERROR',
      IncludeExecutionData: false,
      Destinations: [
        { CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['DeployStateMachineLogGroup', 'Arn'] } } },
      ],
    });
    expect(properties.TracingConfiguration).toEqual({ Enabled: true });
    expect(resource('orchestrator', 'DeployStateMachineLogGroup').Properties).toEqual({
      LogGroupName: `/aws/vendedlogs/states/glue-cd-deploy-${STAGE}`,
      RetentionInDays: 30,
    });
  });

  it('its role may deliver the logs and write the traces (actions without resource-level permissions)', async () => {
    const role = roleOf(orchestrator(), templates.orchestrator!, 'DeployStateMachineRole');
    const requests = [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ].map((action) => ({ action, resource: '*' }));
    expect(allowedOnly(await decideAll(role, requests))).toEqual([]);
    const tasksInvoked = tasks.TASK_NAMES.map((task) => ({
      action: 'lambda:InvokeFunction',
      resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:glue-cd-deploy-orchestrator-${STAGE}-${task}`,
    }));
    expect(allowedOnly(await decideAll(role, tasksInvoked))).toEqual([]);
    expect(grantedActions(role).filter((a) => !a.startsWith('logs:') && !a.startsWith('xray:'))).toEqual([
      'lambda:InvokeFunction',
    ]);
  });

  it('alarms on failed executions of the state machine, to the notification topic', () => {
    expect(resource('orchestrator', 'DeployExecutionsFailedAlarm').Properties).toMatchObject({
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: 'DeployStateMachine' } }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: 'NotificationTopic' }],
    });
  });

  it('encrypts the topic with a rotated customer managed key its publishers may use', () => {
    expect(resource('orchestrator', 'NotificationTopic').Properties?.KmsMasterKeyId).toEqual({
      Ref: 'NotificationKey',
    });
    const key = orchestrator().resolve(resource('orchestrator', 'NotificationKey').Properties) as {
      EnableKeyRotation: boolean;
      KeyPolicy: { Statement: { Principal: Record<string, unknown>; Action: string[] }[] };
    };
    expect(key.EnableKeyRotation).toBe(true);
    const publishers = key.KeyPolicy.Statement.find((s) => 'Service' in s.Principal)!;
    expect(publishers).toMatchObject({
      Principal: { Service: ['cloudwatch.amazonaws.com', 'events.amazonaws.com'] },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
    });
  });

  it('lets exactly the alarm, the refused-deploy rule and the pipeline’s failure rule publish to the topic', () => {
    const policy = orchestrator().resolve(resource('orchestrator', 'NotificationTopicPolicy').Properties) as {
      Topics: string[];
      PolicyDocument: {
        Statement: {
          Effect: string;
          Principal: unknown;
          Action: string[];
          Condition?: Record<string, Record<string, unknown>>;
        }[];
      };
    };
    expect(policy.Topics).toEqual([notificationTopicArn]);
    const allows = policy.PolicyDocument.Statement.filter((s) => s.Effect === 'Allow').map((s) => ({
      principal: s.Principal,
      action: s.Action,
      sources: [s.Condition?.ArnEquals?.['aws:SourceArn']].flat(),
    }));
    expect(allows).toEqual([
      {
        principal: { Service: 'cloudwatch.amazonaws.com' },
        action: ['sns:Publish'],
        sources: [orchestrator().getAtt('DeployExecutionsFailedAlarm', 'Arn')],
      },
      {
        principal: { Service: 'events.amazonaws.com' },
        action: ['sns:Publish'],
        sources: [orchestrator().getAtt('RefusedDeployRule', 'Arn'), pipeline().getAtt('PipelineFailureRule', 'Arn')],
      },
    ]);
    expect(templates.orchestrator!.Outputs).toMatchObject({
      NotificationTopicArn: { Export: { Name: `glue-cd-deploy-orchestrator-${STAGE}-NotificationTopicArn` } },
    });
    // Packaged without --param notificationEmail: no subscription.
    expect(Object.values(templates.orchestrator!.Resources).filter((r) => r.Type === 'AWS::SNS::Subscription')).toEqual(
      [],
    );
  });

  it('sends a refused deploy with the violations from the execution’s cause, never its input', () => {
    const rule = orchestrator().resolve(resource('orchestrator', 'RefusedDeployRule').Properties) as {
      EventPattern: Record<string, unknown>;
      Targets: { Arn: string; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
    };
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: ['FAILED'], stateMachineArn: [stateMachineArn], error: ['UnsafeChangeSetError'] },
    });
    expect(rule.Targets.map((t) => t.Arn)).toEqual([notificationTopicArn]);
    const refusal =
      'refused change set glue-cd-codepipeline-1 on stack glue-cd-glue-etl-prod: RESOURCES-BEING-DELETED-OR-REPLACED\n  - RawBucket (AWS::S3::Bucket): Modify: replacement "True"';
    const cause = JSON.stringify({ errorType: 'UnsafeChangeSetError', errorMessage: refusal, trace: [] });
    const message = transform(rule.Targets[0]!.InputTransformer, {
      time: '2026-01-02T03:04:05Z',
      detail: {
        name: 'codepipeline-1',
        executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:codepipeline-1`,
        status: 'FAILED',
        error: 'UnsafeChangeSetError',
        cause,
        input: '{"template":{"body":"SECRET-TEMPLATE"}}',
      },
    });
    expect(message).toMatchObject({ execution: 'codepipeline-1', error: 'UnsafeChangeSetError', cause });
    expect((JSON.parse(message.cause as string) as { errorMessage: string }).errorMessage).toContain(
      'RawBucket (AWS::S3::Bucket): Modify: replacement "True"',
    );
    expect(JSON.stringify(message)).not.toContain('SECRET-TEMPLATE');
  });

  it('the pipeline sends each failed action of its own pipeline to the orchestrator’s topic', () => {
    const rule = pipeline().resolve(resource('pipeline', 'PipelineFailureRule').Properties) as {
      Name: string;
      EventPattern: Record<string, unknown>;
      Targets: { Arn: string; InputTransformer: { InputPathsMap: Record<string, string>; InputTemplate: string } }[];
    };
    expect(rule.EventPattern).toEqual({
      source: ['aws.codepipeline'],
      'detail-type': ['CodePipeline Action Execution State Change'],
      detail: { pipeline: [`glue-cd-${STAGE}`], state: ['FAILED'] },
    });
    expect(rule.Targets.map((t) => t.Arn)).toEqual([notificationTopicArn]);
    const message = transform(rule.Targets[0]!.InputTransformer, {
      region: REGION,
      time: '2026-01-02T03:04:05Z',
      detail: {
        pipeline: `glue-cd-${STAGE}`,
        'execution-id': '5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b',
        stage: 'DeployToProduction',
        action: 'DeployToProduction',
        state: 'FAILED',
        type: { provider: 'Lambda' },
      },
    });
    expect(message).toMatchObject({
      pipeline: `glue-cd-${STAGE}`,
      stage: 'DeployToProduction',
      action: 'DeployToProduction',
      console: `https://${REGION}.console.aws.amazon.com/codesuite/codepipeline/pipelines/glue-cd-${STAGE}/executions/5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a2b/timeline`,
    });
  });
});
