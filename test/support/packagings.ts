// Every `sls package` the tests ask for, with the very arguments they pass, so the run's warm-up (jest's global
// setup, warm-up.ts) makes each one once, beside the tests that need none, into the run's package cache; a test file
// listed in `usedBy` waits for its packagings, then copies them from the cache (packageService keys a package by the
// content hash of its inputs, its stage, arguments and environment). A file missing here packages on its own.
// The packaging module alone, not the package index: jest's own process loads this file for its global setup.
import { deploymentBucketFor, type PackageServiceOptions } from '@glue-cd/release/src/package-services';
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export type TestPackaging = Omit<PackageServiceOptions, 'repoRoot' | 'outDir' | 'cache'>;

/** A packaging and the files that ask for it (repo-relative): a run of other tests does not make it; the test files
 * among them wait for it. */
export interface WarmedPackaging {
  packaging: TestPackaging;
  usedBy: string[];
}

/** The parameters test/pipeline.test.ts packages the pipeline with, beside the defaults. */
export const PIPELINE_PARAMS = [
  '--param=connectionArn=arn:aws:codeconnections:eu-west-1:123456789012:connection/11111111-2222-3333-4444-555555555555',
  '--param=repository=acme/glue-etl',
  '--param=branch=release',
];

/** Where services/glue-etl/test/serverless-template.test.ts packages prod: not its default bucket. */
export const GLUE_ETL_TEST_BUCKET = 'glue-cd-jest-deployments';

/**
 * The stage of the delivery services (orchestrator, trigger, pipeline) in every test: the release's. Their stage
 * only names things, so one packaging each serves the release, the e2e harness, the packaged-template checks and the
 * services' own package tests (which prove each name comes from the stage).
 */
export const DELIVERY_STAGE = 'local';

const delivery = (serviceDir: string, usedBy: string[], extraArgs?: string[]): WarmedPackaging => ({
  packaging: {
    serviceDir,
    stage: DELIVERY_STAGE,
    deploymentBucket: deploymentBucketFor(DELIVERY_STAGE),
    ...(extraArgs ? { extraArgs } : {}),
  },
  usedBy,
});

const PACKAGED_TEMPLATES = 'test/packaged-templates.test.ts';
const E2E_HARNESS = [
  'test/e2e/deploy-scenarios.test.ts',
  'test/e2e/deploy-scenarios-recovery.test.ts',
  'test/e2e/harness.ts',
  'test/e2e/prod-safety.test.ts',
  'test/faults.test.ts',
  'faults/context.ts',
];
const RELEASE = ['test/e2e/release.test.ts', 'test/e2e/release-changes.test.ts', 'test/e2e/release-fixture.ts'];

// In the order the warm-up makes them: first those of the slowest files, which the sequencer starts first.
export const TEST_PACKAGINGS: WarmedPackaging[] = [
  ...['services/deploy-orchestrator', 'services/pipeline-trigger'].map((serviceDir) =>
    delivery(serviceDir, [
      `${serviceDir}/test/${serviceDir.endsWith('orchestrator') ? 'package' : 'serverless-package'}.test.ts`,
      PACKAGED_TEMPLATES,
      ...E2E_HARNESS,
      ...RELEASE,
    ]),
  ),
  // The pipeline stack's template: deployed with one role statement cut by codebuild-role.test.ts.
  delivery('.', [
    'test/pipeline.test.ts',
    PACKAGED_TEMPLATES,
    'packages/release/test/codebuild-role.test.ts',
    ...RELEASE,
  ]),
  delivery('.', ['test/pipeline.test.ts'], PIPELINE_PARAMS),
  // The application stages, as the Build packages them (each in its own deployment bucket). The local-cloud test and
  // the live-test buildspec's deploy the test stage under its boundary, which allows that stage's bucket only.
  ...['test', 'prod'].map((stage) => ({
    packaging: { serviceDir: 'services/glue-etl', stage, deploymentBucket: deploymentBucketFor(stage) },
    usedBy: [
      PACKAGED_TEMPLATES,
      'test/package-stages.test.ts',
      ...(stage === 'test'
        ? [
            'services/glue-etl/test/serverless-template.test.ts',
            'services/glue-etl/test/local-cloud.test.ts',
            'test/e2e/live-test-buildspec.test.ts',
          ]
        : []),
    ],
  })),
  {
    packaging: { serviceDir: 'services/glue-etl', stage: 'prod', deploymentBucket: GLUE_ETL_TEST_BUCKET },
    usedBy: ['services/glue-etl/test/serverless-template.test.ts'],
  },
];

/** Whether a run with jest's test path patterns (none: every file) runs the test file (repo-relative). */
export const selects = (testPathPatterns: string[], file: string): boolean =>
  testPathPatterns.length === 0 ||
  testPathPatterns.some((pattern) => new RegExp(pattern, 'i').test(path.join(REPO_ROOT, file)));

/** The packagings a run needs: all of them, or those of the test files its path patterns select. */
export const packagingsFor = (testPathPatterns: string[]): WarmedPackaging[] =>
  TEST_PACKAGINGS.filter(({ usedBy }) => usedBy.some((file) => selects(testPathPatterns, file)));

/** How a packaging reads in the run's log: `<service folder>@<stage>`, then its bucket and arguments when given. */
export const packagingLabel = ({ serviceDir, stage, deploymentBucket, extraArgs }: TestPackaging): string =>
  [
    `${serviceDir === '.' ? 'pipeline' : path.basename(serviceDir)}@${stage}`,
    ...(deploymentBucket ? [`bucket ${deploymentBucket}`] : []),
    ...(extraArgs?.length ? [`${extraArgs.length} params`] : []),
  ].join(' ');
