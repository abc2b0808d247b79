import {
  assertDeployAllowed,
  ConfigurationError,
  deployRuleViolations,
  parseEnvironmentList,
  stackBelongsToEnvironment,
} from '../src';

const PROTECTED = ['prod'];

describe('stackBelongsToEnvironment', () => {
  test.each([
    ['glue-cd-glue-etl-test', 'test', true],
    ['glue-cd-glue-etl-prod', 'prod', true],
    // Blue/green stacks keep their environment segment.
    ['glue-cd-glue-etl-prod-green', 'prod', true],
    ['glue-cd-glue-etl-prod-bg-0a1b2c3d4e', 'prod', true],
    ['glue-cd-e2e-app', 'e2e', true],
    ['glue-cd-glue-etl-eu-west-dev', 'eu-west-dev', true],
    ['glue-cd-glue-etl-prod', 'test', false],
    // A protected environment's stack belongs to it only, whatever other segments the name has.
    ['glue-cd-glue-etl-prod', 'glue', false],
    ['glue-cd-glue-etl-prod', 'etl', false],
    ['glue-cd-glue-etl-production', 'prod', false],
    ['glue-cd-glue-etl-testing', 'test', false],
  ])('%s belongs to %s: %s', (stackName, environment, expected) => {
    expect(stackBelongsToEnvironment(stackName, environment, PROTECTED, 'glue-cd-')).toBe(expected);
  });

  test('the managed prefix is not a segment to match', () => {
    expect(stackBelongsToEnvironment('glue-cd-glue-etl-test', 'cd', PROTECTED, 'glue-cd-')).toBe(false);
  });
});

describe('deployRuleViolations', () => {
  const options = { protectedEnvironments: PROTECTED, stackNamePrefix: 'glue-cd-' };
  const rules = (input: { environmentName: string; stackName: string; action: string; onBroadening?: string }) =>
    deployRuleViolations(input, options).map((v) => v.rule);

  test.each([
    [{ environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', action: 'deploy' }, []],
    [{ environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', action: 'plan' }, []],
    [{ environmentName: 'test', stackName: 'glue-cd-glue-etl-test', action: 'delete' }, []],
    [
      { environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', action: 'delete' },
      ['no-delete-in-protected-environment'],
    ],
    [
      { environmentName: 'test', stackName: 'glue-cd-glue-etl-prod', action: 'delete' },
      ['stack-belongs-to-environment'],
    ],
    [
      { environmentName: 'prod', stackName: 'glue-cd-deploy-orchestrator-prod', action: 'deploy' },
      ['delivery-system-stack'],
    ],
    [
      { environmentName: 'dev', stackName: 'glue-cd-pipeline-trigger-dev', action: 'delete' },
      ['delivery-system-stack'],
    ],
    [{ environmentName: 'dev', stackName: 'glue-cd-pipeline-dev', action: 'deploy' }, ['delivery-system-stack']],
    [
      { environmentName: 'prod', stackName: 'glue-cd-glue-etl-prod', action: 'deploy', onBroadening: 'allow' },
      ['no-unchecked-broadening-in-protected-environment'],
    ],
    [{ environmentName: 'test', stackName: 'glue-cd-glue-etl-test', action: 'deploy', onBroadening: 'allow' }, []],
    [{ environmentName: 'test', stackName: 'payments-test', action: 'deploy' }, ['managed-stack-prefix']],
  ])('%p breaks %p', (input, expected) => {
    expect(rules(input)).toEqual(expected);
  });

  test('assertDeployAllowed names every broken rule in one ConfigurationError', () => {
    const attempt = () =>
      assertDeployAllowed({ environmentName: 'prod', stackName: 'glue-cd-pipeline-prod', action: 'delete' }, options);
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(/^\[delivery-system-stack\] .*; \[no-delete-in-protected-environment\] /);
  });
});

describe('parseEnvironmentList', () => {
  test.each([
    [undefined, ['prod']],
    ['', ['prod']],
    ['prod', ['prod']],
    [' prod , staging,,prod ', ['prod', 'staging']],
  ])('%p → %p', (text, expected) => {
    expect(parseEnvironmentList(text)).toEqual(expected);
  });

  test('names a bad entry', () => {
    expect(() => parseEnvironmentList('prod,Staging!')).toThrow(
      'PROTECTED_ENVIRONMENTS: Staging! is not an environment name',
    );
  });
});
