// Each task of the deploy state machine, declared once: its Lambda function (handler, timeout, memory, environment)
// and its IAM statements. serverless.yml takes `functions` and `resources` from here; the handler map
// (src/handlers/index.ts), the handler files and deploy.asl.yaml's `Fn::GetAtt: [<task>, Arn]` are checked against
// this table (test/tasks.test.ts), and test/iam-proof.test.ts simulates every SDK call the code sends under its role.
// Names: task `createStack` → handler src/handlers/create-stack.handler, role CreateStackRole, Lambda logical id
// CreateStackLambdaFunction (serverless' naming).

const {
  allow,
  functionRoleExtensions,
  arn,
  lambdaLogs,
  managedPolicy,
  passRole,
  secureBucket,
  serviceRole,
  sub,
} = require('../../config/iam');
const {
  environments,
  permissionsBoundaryArn,
  resourceArns,
  workloadBoundaryStatements,
} = require('../../config/environments');
const { cloudFormationRole, cloudFormationRoleArn, cloudFormationRoleId } = require('../../config/cloudformation-role');

/** What the statements of a task depend on: the stage's names and the application environments. */
const deployContext = ({ stage, stackNamePrefix = 'glue-cd-' }) => {
  const envs = environments();
  const stacks = (which = envs) => which.flatMap((env) => resourceArns(env).stacks);
  const stagingObjects = (prefix, which = envs) =>
    which.flatMap((env) => env.stackNames.map((name) => arn.s3(`\${TemplateStagingBucket}/${prefix}/${name}/*`)));
  const unprotected = envs.filter((env) => !env.protected);
  const guarded = envs.filter((env) => env.protected);
  /** One statement per environment: the stack operation only with that environment's CloudFormation role. */
  const withRole = (sid, action) =>
    envs.map((env) =>
      allow(`${sid}${env.id}`, action, resourceArns(env).stacks, {
        StringEquals: { 'cloudformation:RoleArn': cloudFormationRoleArn(env) },
      }),
    );
  return {
    stage,
    stackNamePrefix,
    envs,
    describeStacks: allow('DescribeStacks', 'cloudformation:DescribeStacks', stacks()),
    stacksAction: (sid, actions, which) => allow(sid, actions, stacks(which)),
    withRole,
    tagStacks: allow('TagStacks', 'cloudformation:TagResource', stacks()),
    passCloudFormationRoles: passRole(
      'PassCloudFormationRoles',
      envs.map(cloudFormationRoleArn),
      'cloudformation.amazonaws.com',
    ),
    /** Templates over the TemplateBody limit, staged under templates/<stack name>/ (CloudFormation reads them as the caller). */
    readStagedTemplates: allow('ReadStagedTemplates', 's3:GetObject', stagingObjects('templates')),
    stagingObjects,
    unprotected,
    guarded,
    // The pipeline's artifact store (serverless.yml at the repo root names it after the same stage).
    artifactObjects: arn.s3(`glue-cd-pipeline-${stage}-artifacts*/*`),
  };
};

/** The task table: name → { statements(context), environment?, timeout?, memorySize? }. */
const TASKS = {
  validateInput: {
    statements: () => [],
    environment: (c) => ({
      STACK_NAME_PREFIX: c.stackNamePrefix,
      // validateInput refuses a pipeline delete and an `onBroadening: allow` in these (config/environments.js).
      PROTECTED_ENVIRONMENTS: c.guarded.map((env) => env.name).join(','),
    }),
  },
  checkStack: {
    statements: (c) => [c.describeStacks],
  },
  prepareTemplate: {
    statements: (c) => [
      allow('ReadBuildArtifacts', 's3:GetObject', c.artifactObjects),
      allow('StageTemplates', 's3:PutObject', c.stagingObjects('templates')),
    ],
    environment: () => ({ TEMPLATE_STAGING_BUCKET: { Ref: 'TemplateStagingBucket' } }),
  },
  createStack: {
    statements: (c) => [
      ...c.withRole('CreateStack', 'cloudformation:CreateStack'),
      // A retried CreateStack (same ClientRequestToken) reads the stack and its events to find its own operation.
      c.describeStacks,
      c.stacksAction('ReadStackEvents', 'cloudformation:DescribeStackEvents'),
      c.tagStacks,
      c.passCloudFormationRoles,
      c.readStagedTemplates,
      // Protected environments get termination protection and a stack policy when they are created.
      c.stacksAction(
        'ProtectStacks',
        ['cloudformation:UpdateTerminationProtection', 'cloudformation:SetStackPolicy'],
        c.guarded,
      ),
    ],
    environment: 'cloudFormationRoles',
  },
  createChangeSet: {
    statements: (c) => [
      ...c.withRole('CreateChangeSet', 'cloudformation:CreateChangeSet'),
      // A retried call finds its own change set (ClientToken) and describes it instead of failing.
      c.stacksAction('ReadChangeSets', 'cloudformation:DescribeChangeSet'),
      c.tagStacks,
      c.passCloudFormationRoles,
      c.readStagedTemplates,
    ],
    environment: 'cloudFormationRoles',
  },
  pollChangeSet: {
    statements: (c) => [
      c.stacksAction('ReadChangeSets', [
        'cloudformation:DescribeChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:GetTemplate',
      ]),
      c.readStagedTemplates,
      // The full verdict and the plan go to S3 (the state holds a bounded summary); pages read across polls too.
      allow(
        'WriteVerdictsAndPlans',
        ['s3:PutObject', 's3:GetObject'],
        [...c.stagingObjects('verdicts'), ...c.stagingObjects('plans')],
      ),
      // A plan's CREATE change set leaves a REVIEW_IN_PROGRESS stack: deleted with the environment's role.
      ...c.withRole('DeleteReviewStack', 'cloudformation:DeleteStack'),
      c.passCloudFormationRoles,
    ],
    environment: (c) => ({
      TEMPLATE_STAGING_BUCKET: { Ref: 'TemplateStagingBucket' },
      CLOUDFORMATION_ROLE_ARNS: cloudFormationRoleArns(c.envs),
    }),
  },
  executeChangeSet: {
    statements: (c) => [
      c.stacksAction('ExecuteChangeSets', [
        'cloudformation:ExecuteChangeSet',
        'cloudformation:DescribeStacks',
        // A retried execute finds its change set executing or executed and carries on.
        'cloudformation:DescribeChangeSet',
      ]),
      // A protected stack keeps its stack policy on every update.
      c.stacksAction(
        'KeepStackPolicies',
        [
          'cloudformation:GetStackPolicy',
          'cloudformation:SetStackPolicy',
          'cloudformation:UpdateTerminationProtection',
        ],
        c.guarded,
      ),
    ],
  },
  deleteChangeSet: {
    statements: (c) => [c.stacksAction('DeleteChangeSets', 'cloudformation:DeleteChangeSet')],
  },
  refuseChangeSet: {
    // The refusal message comes from the bounded verdict summary in the state, which names the full verdict's S3 URL.
    statements: (c) => [c.stacksAction('DeleteChangeSets', 'cloudformation:DeleteChangeSet')],
  },
  pollStackOperation: {
    statements: (c) => [
      c.stacksAction('ReadStacks', [
        'cloudformation:DescribeStacks',
        'cloudformation:DescribeStackEvents',
        // An update still reading the previous *_COMPLETE status: the change set says whether it has started.
        'cloudformation:DescribeChangeSet',
      ]),
    ],
  },
  emptyBuckets: {
    statements: (c) => [
      c.stacksAction('ReadStackResources', ['cloudformation:ListStackResources', 'cloudformation:GetTemplate']),
      // Only unprotected environments' data buckets: IAM, not code, keeps this task off prod data.
      allow(
        'ListDataBuckets',
        's3:ListBucketVersions',
        c.unprotected.flatMap((env) => resourceArns(env).buckets),
      ),
      allow(
        'EmptyDataBuckets',
        ['s3:DeleteObject', 's3:DeleteObjectVersion'],
        c.unprotected.flatMap((env) => resourceArns(env).objects),
      ),
    ],
    // Empties for up to 15 minutes per attempt; the state retries (BucketsNotEmptyYetError) to carry on.
    timeout: 900,
    memorySize: 512,
  },
  deleteStack: {
    statements: (c) => [
      ...c.withRole('DeleteStack', 'cloudformation:DeleteStack'),
      c.passCloudFormationRoles,
      c.describeStacks,
      // A protected stack left in ROLLBACK_COMPLETE / REVIEW_IN_PROGRESS holds no resources: protection off, then delete.
      c.stacksAction('UnprotectEmptyStacks', 'cloudformation:UpdateTerminationProtection', c.guarded),
    ],
    environment: 'cloudFormationRoles',
  },
  finish: {
    statements: (c) => [c.describeStacks],
  },
};

/**
 * What the state machine's loggingConfig and tracingConfig (serverless.yml) need of its role. Neither the CloudWatch
 * Logs vended-delivery actions nor X-Ray's take a resource ARN: Resource "*" is the only form IAM accepts.
 */
const STATE_MACHINE_OPERATIONS = [
  allow(
    'DeliverExecutionLogs',
    [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ],
    '*',
  ),
  allow(
    'WriteTraces',
    ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
    '*',
  ),
];

const TASK_NAMES = Object.keys(TASKS);
const kebab = (name) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const pascal = (name) => name.charAt(0).toUpperCase() + name.slice(1);
const handlerPath = (task) => `src/handlers/${kebab(task)}.handler`;
const roleId = (task) => `${pascal(task)}Role`;
const lambdaLogicalId = (task) => `${pascal(task)}LambdaFunction`;

/** CLOUDFORMATION_ROLE_ARNS: `{"test":"<arn>","prod":"<arn>"}`, the role the orchestrator passes per environment. */
const cloudFormationRoleArns = (envs) =>
  sub(JSON.stringify(Object.fromEntries(envs.map((env) => [env.name, `\${${cloudFormationRoleId(env)}.Arn}`]))));

const environmentOf = (task, context) => {
  const declared = TASKS[task].environment;
  if (declared === 'cloudFormationRoles') return { CLOUDFORMATION_ROLE_ARNS: cloudFormationRoleArns(context.envs) };
  return declared ? declared(context) : undefined;
};

/** The serverless `functions` block. */
const functionsFor = (context) =>
  Object.fromEntries(
    TASK_NAMES.map((task) => {
      const { timeout, memorySize } = TASKS[task];
      const environment = environmentOf(task, context);
      return [
        task,
        {
          handler: handlerPath(task),
          role: roleId(task),
          ...(timeout ? { timeout } : {}),
          ...(memorySize ? { memorySize } : {}),
          ...(environment ? { environment } : {}),
        },
      ];
    }),
  );

/** The task roles, the state machine's role, the CloudFormation roles and boundaries, the staging bucket. */
const resourcesFor = (context) => {
  const Resources = {};
  for (const task of TASK_NAMES) {
    Resources[roleId(task)] = serviceRole({
      services: 'lambda.amazonaws.com',
      policyName: `${task}-task`,
      statements: [lambdaLogs(`\${AWS::StackName}-${task}`), ...TASKS[task].statements(context)],
    });
  }
  Resources.DeployStateMachineRole = serviceRole({
    services: 'states.amazonaws.com',
    policyName: 'invoke-deploy-tasks',
    statements: [
      allow(
        'InvokeDeployTasks',
        'lambda:InvokeFunction',
        TASK_NAMES.flatMap((task) => [
          { 'Fn::GetAtt': [lambdaLogicalId(task), 'Arn'] },
          sub(`\${${lambdaLogicalId(task)}.Arn}:*`),
        ]),
      ),
      ...STATE_MACHINE_OPERATIONS,
    ],
  });
  for (const env of context.envs) {
    Resources[cloudFormationRoleId(env)] = cloudFormationRole(env);
    Resources[`WorkloadBoundary${env.id}`] = managedPolicy({
      name: env.permissionsBoundaryName,
      path: env.permissionsBoundaryPath,
      description: `Caps every role the ${env.name} Glue ETL stacks create (their permissions boundary).`,
      statements: workloadBoundaryStatements(env),
    });
  }
  Object.assign(
    Resources,
    // Templates over CloudFormation's 51,200-byte TemplateBody limit, verdicts and plans: working files only.
    secureBucket('TemplateStagingBucket', {
      lifecycleRules: [
        {
          Id: 'expire-staged-files',
          Status: 'Enabled',
          ExpirationInDays: 30,
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        },
      ],
    }),
  );
  return { Resources, extensions: functionRoleExtensions(TASK_NAMES.map(lambdaLogicalId)) };
};

const contextOf = async ({ resolveVariable }) =>
  deployContext({
    stage: await resolveVariable('sls:stage'),
    stackNamePrefix: await resolveVariable('self:custom.managedStackPrefix'),
  });

module.exports = {
  TASKS,
  STATE_MACHINE_OPERATIONS,
  TASK_NAMES,
  handlerPath,
  roleId,
  lambdaLogicalId,
  deployContext,
  functionsFor,
  resourcesFor,
  permissionsBoundaryArn,
  /** `functions: ${file(./tasks.js):functions}` */
  functions: async (sls) => functionsFor(await contextOf(sls)),
  /** `resources: - ${file(./tasks.js):resources}` */
  resources: async (sls) => resourcesFor(await contextOf(sls)),
};
