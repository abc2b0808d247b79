// Every `sls package` the tests ask for, with the very arguments they pass, so the run's warm-up (jest's global
// setup, warm-up.ts) makes each one once, beside the tests that need none, into the run's package cache; a test file
// listed in `usedBy` waits for its packagings, then copies them from the cache (packageService keys a package by the
// content hash of its inputs, its stage, arguments and environment). A file missing here packages on its own.
import { deploymentBucketFor, type PackageServiceOptions } from '@glue-cd/release';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export type TestPackaging = Omit<PackageServiceOptions, 'repoRoot' | 'outDir' | 'cache'>;

/** A packaging and the files that ask for it (repo-relative): a run of other tests does not make it; the test files
 * among them wait for it. */
export interface WarmedPackaging {
  packaging: TestPackaging;
  usedBy: string[];
}

const PIPELINE_PARAMS = [
  '--param=connectionArn=arn:aws:codeconnections:eu-west-1:123456789012:connection/11111111-2222-3333-4444-555555555555',
  '--param=repository=acme/glue-etl',
  '--param=branch=release',
];

/** The packagings of test/pipeline.test.ts: the defaults, and with every parameter given. */
export const PIPELINE_PACKAGINGS = {
  defaults: { serviceDir: '.', stage: 'test' },
  withParams: { serviceDir: '.', stage: 'test', extraArgs: PIPELINE_PARAMS },
} satisfies Record<string, TestPackaging>;

/** The Glue ETL service as services/glue-etl/test packages it (its own deployment bucket name). */
export const GLUE_ETL_TEST_BUCKET = 'glue-cd-jest-deployments';

const delivery = (stage: string, bucket: boolean, usedBy: string[]): WarmedPackaging[] =>
  ['services/deploy-orchestrator', 'services/pipeline-trigger'].map((serviceDir) => ({
    packaging: { serviceDir, stage, ...(bucket ? { deploymentBucket: deploymentBucketFor(stage) } : {}) },
    usedBy,
  }));

const PACKAGED_TEMPLATES = ['test/packaged-templates.test.ts'];
// The pipeline stack's template at stage ci, deployed with one role statement cut.
const CODEBUILD_ROLE = ['packages/release/test/codebuild-role.test.ts'];
const E2E_HARNESS = [
  'test/e2e/deploy-scenarios.test.ts',
  'test/e2e/deploy-scenarios-recovery.test.ts',
  'test/e2e/harness.ts',
  'test/e2e/prod-safety.test.ts',
  'test/faults.test.ts',
  'faults/context.ts',
];
const RELEASE = ['test/e2e/release.test.ts', 'test/e2e/release-changes.test.ts', 'test/e2e/release-fixture.ts'];

export const TEST_PACKAGINGS: WarmedPackaging[] = [
  // Each service's own package test, as `pnpm package` would (the services' default bucket).
  ...[
    'services/deploy-orchestrator/test/package.test.ts',
    'services/pipeline-trigger/test/serverless-package.test.ts',
  ].map((test) => ({ packaging: { serviceDir: path.dirname(path.dirname(test)), stage: 'test' }, usedBy: [test] })),
  ...Object.values(PIPELINE_PACKAGINGS).map((packaging) => ({ packaging, usedBy: ['test/pipeline.test.ts'] })),
  ...['test', 'prod'].map((stage) => ({
    packaging: { serviceDir: 'services/glue-etl', stage, deploymentBucket: GLUE_ETL_TEST_BUCKET },
    usedBy: ['services/glue-etl/test/serverless-template.test.ts'],
  })),
  // Every deployed template, as the Build and the bootstrap package them.
  ...delivery('ci', true, PACKAGED_TEMPLATES),
  {
    packaging: { serviceDir: '.', stage: 'ci', deploymentBucket: deploymentBucketFor('ci') },
    usedBy: [...PACKAGED_TEMPLATES, ...CODEBUILD_ROLE],
  },
  ...['test', 'prod'].map((stage) => ({
    packaging: { serviceDir: 'services/glue-etl', stage, deploymentBucket: deploymentBucketFor(stage) },
    // The local-cloud test and the live-test buildspec's deploy the test stage under its boundary, which allows
    // that stage's bucket only.
    usedBy:
      stage === 'test'
        ? [...PACKAGED_TEMPLATES, 'services/glue-etl/test/local-cloud.test.ts', 'test/e2e/live-test-buildspec.test.ts']
        : PACKAGED_TEMPLATES,
  })),
  // The end-to-end runs: the harness's services (stage e2e) and the release's (stage local).
  ...delivery('e2e', true, E2E_HARNESS),
  ...delivery('local', true, RELEASE),
  {
    packaging: { serviceDir: '.', stage: 'local', deploymentBucket: deploymentBucketFor('local') },
    usedBy: RELEASE,
  },
];

/** The packagings a run needs: all of them, or those of the test files its path patterns select. */
export const packagingsFor = (testPathPatterns: string[]): WarmedPackaging[] =>
  TEST_PACKAGINGS.filter(
    ({ usedBy }) =>
      testPathPatterns.length === 0 ||
      usedBy.some((file) =>
        testPathPatterns.some((pattern) => new RegExp(pattern, 'i').test(path.join(REPO_ROOT, file))),
      ),
  );

/** How a packaging reads in the run's log: `<service folder>@<stage>`, then its bucket and arguments when given. */
export const packagingLabel = ({ serviceDir, stage, deploymentBucket, extraArgs }: TestPackaging): string =>
  [
    `${serviceDir === '.' ? 'pipeline' : path.basename(serviceDir)}@${stage}`,
    ...(deploymentBucket ? [`bucket ${deploymentBucket}`] : []),
    ...(extraArgs?.length ? [`${extraArgs.length} params`] : []),
  ].join(' ');
