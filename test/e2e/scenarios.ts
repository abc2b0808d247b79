// Shared by the deploy scenario files (deploy-scenarios*.test.ts, split so jest's workers run them side by side): the
// harness each file starts, and the deploy actions and arrangements the scenarios are written in.
import { randomUUID } from 'node:crypto';
import { dataTemplate, startHarness, type Harness } from './harness';

/** Starts the harness before the file's tests and closes it after; the returned getter reads it inside a test. */
export const useHarness = (): (() => Harness) => {
  let harness: Harness | undefined;
  beforeAll(async () => {
    // No scenario catches a stack mid-operation: its steps take no pause, as in `pnpm start`.
    harness = await startHarness({ stackStepMs: 0 });
  });
  afterAll(async () => harness?.close());
  return () => {
    if (!harness) throw new Error('the e2e harness did not start (see beforeAll)');
    return harness;
  };
};

/**
 * The environment the scenarios deploy to: one the packaged orchestrator has a CloudFormation role for, and not a
 * protected one (scenarios delete and replace).
 */
export const ENVIRONMENT = 'test';

/**
 * Names no other test uses, inside the environment's IAM scope (config/environments.js: stacks
 * `glue-cd-glue-etl-<env>-*`, buckets of the same prefix, databases `glue_cd_glue_etl_<env>_*`): the orchestrator's
 * roles may touch nothing else, in the local cloud as on AWS.
 */
export const names = (label: string) => {
  const id = randomUUID().slice(0, 8);
  const prefix = `glue-cd-glue-etl-${ENVIRONMENT}-e2e-${label}-${id}`;
  return { stackName: prefix, bucketName: prefix, databaseName: prefix.replace(/-/g, '_') };
};

export const deployFile = (stackName: string, extra: Record<string, unknown> = {}) => ({
  environmentName: ENVIRONMENT,
  stackName,
  template: { artifactPath: 'templates/app.json' },
  ...extra,
});

/** The deploy actions of one harness, and the arrangements built from them. */
export const scenarioActions = (harness: () => Harness) => {
  /** One deploy action with `template` as the artifact's templates/app.json. */
  const deploy = (stackName: string, template: unknown, extra: Record<string, unknown> = {}) =>
    harness().runAction(
      { 'deploy/app.json': deployFile(stackName, extra), 'templates/app.json': template },
      { inputFile: 'deploy/app.json' },
    );

  const deleteStack = (stackName: string) =>
    harness().runAction(
      { 'deploy/cleanup.json': { environmentName: ENVIRONMENT, stackName, action: 'delete' } },
      { inputFile: 'deploy/cleanup.json' },
    );

  /** Arrange: the stack exists, created from `template` (checked, so a failure here is named as the arrangement). */
  const givenStack = async (stackName: string, template: unknown) => {
    const created = await deploy(stackName, template);
    expect({
      arrange: `create ${stackName}`,
      status: created.status,
      outcome: created.outputVariables.outcome,
    }).toEqual({
      arrange: `create ${stackName}`,
      status: 'Succeeded',
      outcome: 'created',
    });
    expect((await harness().describeStack(stackName))?.StackStatus).toBe('CREATE_COMPLETE');
  };

  /** Arrange: a first create that failed and rolled back (an upper-case bucket name is invalid in S3). */
  const givenRolledBackStack = async (stackName: string) => {
    const failed = await deploy(stackName, dataTemplate({ bucketName: 'Invalid_Bucket_Name' }));
    expect(failed.status).toBe('Failed');
    expect((await harness().describeStack(stackName))?.StackStatus).toBe('ROLLBACK_COMPLETE');
  };

  return { deploy, deleteStack, givenStack, givenRolledBackStack };
};
