import { deploymentBucketFor, packageService } from '@glue-cd/release';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DELIVERY_STAGE } from '../../../test/support/packagings';

const SERVICE_DIR = path.join(__dirname, '..');
const REPO_ROOT = path.join(SERVICE_DIR, '../..');

interface Statement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}
interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, { Value: unknown; Export?: { Name: string } }>;
}

const actionsOf = (statement: Statement): string[] => [statement.Action].flat();

// The release's stage (its package is the run's warm-up); every name below proves it comes from the stage.
const STAGE = DELIVERY_STAGE;
const STATE_MACHINE_ARN = {
  'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:stateMachine:glue-cd-deploy-${STAGE}`,
};

describe(`sls package --stage ${STAGE} (offline, no AWS credentials)`, () => {
  let packageDir: string;
  let template: Template;

  beforeAll(async () => {
    packageDir = mkdtempSync(path.join(tmpdir(), 'glue-cd-pipeline-trigger-'));
    // No AWS credentials (packageService drops AWS_*), no local override: the template must not need AWS to build.
    delete process.env.GLUE_CD_LOCAL_DEPLOY_STATE_MACHINE_ARN;
    template = (
      await packageService({
        repoRoot: REPO_ROOT,
        serviceDir: SERVICE_DIR,
        stage: STAGE,
        outDir: packageDir,
        deploymentBucket: deploymentBucketFor(STAGE),
      })
    ).template as Template;
  }, 300_000);

  afterAll(() => rmSync(packageDir, { recursive: true, force: true }));

  const role = () => template.Resources.PipelineTriggerRole;
  const statements = (): Statement[] =>
    (role()?.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[]).flatMap(
      (policy) => policy.PolicyDocument.Statement,
    );

  test('the function runs the trigger handler with its own role and the state machine ARN built from its name', () => {
    const fn = template.Resources.TriggerLambdaFunction?.Properties;
    expect(fn?.Handler).toBe('src/handlers/trigger.handler');
    expect(fn?.Role).toEqual({ 'Fn::GetAtt': ['PipelineTriggerRole', 'Arn'] });
    expect(fn?.Timeout).toBeLessThanOrEqual(60);
    // Not imported from the orchestrator's stack (config/delivery-names.js): the stacks deploy in any order.
    expect(fn?.FunctionName).toBe(`glue-cd-pipeline-trigger-${STAGE}-trigger`);
    expect((fn?.Environment as { Variables: Record<string, unknown> }).Variables.DEPLOY_STATE_MACHINE_ARN).toEqual(
      STATE_MACHINE_ARN,
    );
    // One role only: ours, not the framework's shared one.
    expect(Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::IAM::Role')).toHaveLength(1);
  });

  test('no statement allows a wildcard action', () => {
    for (const statement of statements()) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
    }
  });

  test('each permission is scoped to what the trigger touches', () => {
    const byAction = (action: string) => statements().filter((statement) => actionsOf(statement).includes(action));
    expect(byAction('states:StartExecution')).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Resource: STATE_MACHINE_ARN,
      }),
    ]);
    expect(byAction('states:DescribeExecution')).toEqual([
      expect.objectContaining({
        Resource: {
          'Fn::Sub': `arn:\${AWS::Partition}:states:\${AWS::Region}:\${AWS::AccountId}:execution:glue-cd-deploy-${STAGE}:*`,
        },
      }),
    ]);
    for (const action of ['codepipeline:PutJobSuccessResult', 'codepipeline:PutJobFailureResult']) {
      expect(byAction(action)).toHaveLength(1);
    }
    expect(byAction('logs:PutLogEvents')[0]?.Resource).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/glue-cd-pipeline-trigger-${STAGE}-trigger:*`,
    });
    // Only the CodePipeline job-worker calls (no resource-level permissions in AWS) use Resource "*".
    const wildcardResources = statements()
      .filter((statement) => statement.Resource === '*')
      .flatMap(actionsOf);
    expect(wildcardResources.sort()).toEqual([
      'codepipeline:GetJobDetails',
      'codepipeline:PutJobFailureResult',
      'codepipeline:PutJobSuccessResult',
    ]);
    expect(byAction('secretsmanager:GetSecretValue')).toEqual([
      expect.objectContaining({ Effect: 'Allow', Resource: { Ref: 'ContinuationTokenKey' } }),
    ]);
  });

  test('the token key is a generated secret of this stack, handed to the function by ARN', () => {
    expect(template.Resources.ContinuationTokenKey).toEqual({
      Type: 'AWS::SecretsManager::Secret',
      Properties: expect.objectContaining({
        GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
      }),
    });
    const variables = (
      template.Resources.TriggerLambdaFunction?.Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(variables.CONTINUATION_TOKEN_KEY_SECRET_ARN).toEqual({ Ref: 'ContinuationTokenKey' });
  });

  test('exports the function ARN and name for the pipeline stack', () => {
    expect(template.Outputs.TriggerFunctionArn).toEqual(
      expect.objectContaining({
        Value: { 'Fn::GetAtt': ['TriggerLambdaFunction', 'Arn'] },
        Export: { Name: `glue-cd-pipeline-trigger-${STAGE}-TriggerFunctionArn` },
      }),
    );
    expect(template.Outputs.TriggerFunctionName).toEqual(
      expect.objectContaining({
        Value: { Ref: 'TriggerLambdaFunction' },
        Export: { Name: `glue-cd-pipeline-trigger-${STAGE}-TriggerFunctionName` },
      }),
    );
  });
});
