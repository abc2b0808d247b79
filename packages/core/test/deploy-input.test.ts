import { ConfigurationError, parseDeployInput } from '../src';

const valid = {
  environmentName: 'prod',
  stackName: 'glue-cd-glue-etl-prod',
  template: { artifact: { bucket: 'artifacts', key: 'build.zip' }, path: 'packaged/prod/glue-etl.json' },
};

describe('parseDeployInput', () => {
  test('fills the documented defaults', () => {
    expect(parseDeployInput(valid)).toEqual({
      ...valid,
      action: 'deploy',
      parameters: {},
      capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM', 'CAPABILITY_AUTO_EXPAND'],
      onUnsafeChange: 'fail',
      onRollbackComplete: 'delete-and-recreate',
      tags: {},
    });
  });

  test('turns parameter numbers and booleans into CloudFormation strings', () => {
    expect(parseDeployInput({ ...valid, parameters: { Workers: 2, Bookmarks: true } }).parameters).toEqual({
      Workers: '2',
      Bookmarks: 'true',
    });
  });

  test('a delete needs no template', () => {
    expect(
      parseDeployInput({ environmentName: 'test', stackName: 'glue-cd-glue-etl-test', action: 'delete' }).action,
    ).toBe('delete');
  });

  test('a plan needs a template; onBroadening and approvedPlan are optional', () => {
    expect(parseDeployInput({ ...valid, action: 'plan' })).toMatchObject({ action: 'plan' });
    expect(() => parseDeployInput({ ...valid, action: 'plan', template: undefined })).toThrow(
      /DeployInput\.template: is required when action is plan/,
    );
    expect(
      parseDeployInput({
        ...valid,
        onBroadening: 'approve',
        approvedPlan: 's3://staging/plans/glue-cd-glue-etl-prod/plan-1.json',
      }),
    ).toMatchObject({ onBroadening: 'approve' });
  });

  test.each([
    [{ ...valid, onBroadening: 'ignore' }, /DeployInput\.onBroadening/],
    [
      { ...valid, approvedPlan: 's3://staging/plans/glue-cd-glue-etl-prod/p.json' },
      /DeployInput\.approvedPlan: is only read when onBroadening is approve/,
    ],
    [
      { ...valid, onBroadening: 'approve', approvedPlan: 'https://x/plans/p.json' },
      /DeployInput\.approvedPlan: must be s3:/,
    ],
    [
      { ...valid, onBroadening: 'approve', approvedPlan: 's3://staging/plans/glue-cd-glue-etl-test/p.json' },
      /DeployInput\.approvedPlan: must be a plan of stack glue-cd-glue-etl-prod/,
    ],
    [{ ...valid, stackName: '1-starts-with-digit' }, /DeployInput\.stackName: must be a CloudFormation stack name/],
    [{ ...valid, template: undefined }, /DeployInput\.template: is required when action is deploy/],
    [{ ...valid, onUnsafeChange: 'ignore' }, /DeployInput\.onUnsafeChange/],
    [{ ...valid, capabilities: ['CAPABILITY_EVERYTHING'] }, /DeployInput\.capabilities\[0\]/],
    [{ ...valid, template: { url: 'ftp://x' } }, /DeployInput\.template/],
    [{ ...valid, surprise: true }, /Unrecognized key/],
    [
      { ...valid, safetyPolicy: { conditionalReplacement: 'maybe' } },
      /DeployInput\.safetyPolicy\.conditionalReplacement/,
    ],
  ])('rejects %p naming the field', (input, message) => {
    expect(() => parseDeployInput(input)).toThrow(ConfigurationError);
    expect(() => parseDeployInput(input)).toThrow(message);
  });
});
