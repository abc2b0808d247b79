import { ConfigurationError, parsePipelineJob, type PipelineJob } from '@glue-cd/core';
import { buildDeployInput } from '../src';

const PLAN = 's3://staging/plans/glue-cd-glue-etl-prod/codepipeline-1.json';

/** A job of an Invoke action with these UserParameters and one input artifact. */
const jobWith = (userParameters: Record<string, unknown>): PipelineJob =>
  parsePipelineJob({
    'CodePipeline.job': {
      id: 'job-1',
      accountId: '123456789012',
      data: {
        actionConfiguration: {
          configuration: { FunctionName: 'trigger', UserParameters: JSON.stringify(userParameters) },
        },
        inputArtifacts: [
          {
            name: 'BuildOutput',
            location: { type: 'S3', s3Location: { bucketName: 'artifacts', objectKey: 'p/BuildOutput/abc' } },
          },
        ],
        outputArtifacts: [],
        artifactCredentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'session' },
      },
    },
  } as never);

const prodFile = (extra: Record<string, unknown> = {}) => ({
  environmentName: 'prod',
  stackName: 'glue-cd-glue-etl-prod',
  action: 'deploy',
  template: { artifactPath: 'packaged/prod/glue-etl/cloudformation-template-update-stack.json' },
  capabilities: ['CAPABILITY_IAM'],
  onUnsafeChange: 'fail',
  onRollbackComplete: 'fail',
  ...extra,
});

describe('UserParameters that reuse one deploy file', () => {
  test('"action": "plan" plans the file\'s deploy with every other setting kept', () => {
    const job = jobWith({ inputFile: 'deploy/prod.json', action: 'plan' });
    const deploy = buildDeployInput(prodFile(), jobWith({ inputFile: 'deploy/prod.json' }));
    const plan = buildDeployInput(prodFile(), job);
    expect(plan).toEqual({ ...deploy, action: 'plan', pipeline: { jobId: 'job-1' } });
    expect(deploy.action).toBe('deploy');
  });

  test('a plan of a delete is refused, naming the stack, and nothing is started', () => {
    const job = jobWith({ inputFile: 'deploy/prod.json', action: 'plan' });
    const document = { environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', action: 'delete' };
    expect(() => buildDeployInput(document, job)).toThrow(ConfigurationError);
    expect(() => buildDeployInput(document, job)).toThrow(
      /deletes stack glue-cd-glue-etl-prod; only a deploy is planned/,
    );
  });

  test('a plan fails on what the deploy file itself gets wrong', () => {
    const job = jobWith({ inputFile: 'deploy/prod.json', action: 'plan' });
    expect(() => buildDeployInput(prodFile({ onUnsafeChange: 'maybe' }), job)).toThrow(/DeployInput\.onUnsafeChange/);
  });

  test("approvedPlan is the deploy's approved plan when the file asks for approval and names none", () => {
    const job = jobWith({ inputFile: 'deploy/prod.json', approvedPlan: PLAN });
    expect(buildDeployInput(prodFile({ onBroadening: 'approve' }), job).approvedPlan).toBe(PLAN);
  });

  test('approvedPlan is ignored when the file refuses broadening or names its own plan', () => {
    const job = jobWith({ inputFile: 'deploy/prod.json', approvedPlan: PLAN });
    expect(buildDeployInput(prodFile(), job).approvedPlan).toBeUndefined();
    expect(buildDeployInput(prodFile({ onBroadening: 'fail' }), job).approvedPlan).toBeUndefined();
    const own = 's3://staging/plans/glue-cd-glue-etl-prod/reviewed.json';
    expect(buildDeployInput(prodFile({ onBroadening: 'approve', approvedPlan: own }), job).approvedPlan).toBe(own);
  });

  test('an approved plan of another stack is refused by the deploy input rules', () => {
    const job = jobWith({ inputFile: 'deploy/prod.json', approvedPlan: 's3://staging/plans/other-prod/e.json' });
    expect(() => buildDeployInput(prodFile({ onBroadening: 'approve' }), job)).toThrow(
      /approvedPlan: must be a plan of stack glue-cd-glue-etl-prod/,
    );
  });
});
