/**
 * @jest-config-loader ts-node
 * @jest-config-loader-options {"transpileOnly":true,"skipProject":true,"compilerOptions":{"esModuleInterop":true}}
 */
// One docblock: jest reads only the first, and with two ts-node type-checked this file (~3 CPU-s per run).
import path from 'node:path';
import type { Config } from 'jest';

// One jest project per workspace package/service (tests in <dir>/test), plus the repo-level tests in test/
// (delivery pipeline template, end-to-end runs against the local cloud).
const workspaces = [
  'packages/core',
  'packages/data-lake',
  'packages/live-test',
  'packages/local-cloud',
  'packages/release',
  'packages/lambda-edge',
  'services/pipeline-trigger',
  'services/deploy-orchestrator',
  'services/glue-etl',
];

const repoRoot = __dirname;

// cloudformation-diff's service spec database: the verified table instead (config/aws-service-spec-embedded.cjs; the
// same stand-in as scripts/register-ts.cjs gives the run-ts processes).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { SPEC_PACKAGE, EMBEDDED_SPEC_MODULE } = require('./config/aws-service-spec-table.cjs') as {
  SPEC_PACKAGE: string;
  EMBEDDED_SPEC_MODULE: string;
};
const exactly = (name: string) => `^${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`;

const project = (displayName: string, dir: string): Config => ({
  displayName,
  rootDir: path.join(repoRoot, dir),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Type checking is `pnpm typecheck`; jest only transpiles, file by file, with esbuild (scripts/transpile-ts.cjs).
  transform: { '^.+\\.ts$': path.join(repoRoot, 'scripts/jest-transform.cjs') },
  moduleNameMapper: {
    '^@glue-cd/([a-z-]+)$': path.join(repoRoot, 'packages/$1/src'),
    [exactly(SPEC_PACKAGE)]: EMBEDDED_SPEC_MODULE,
  },
  setupFiles: [path.join(repoRoot, 'jest.setup.ts')],
  // jest's runtime, with each module compiled once per worker, not once per test file (V8 code cache).
  runtime: path.join(repoRoot, 'test/support/code-cache-runtime.cjs'),
  // A file's CPU time (with GLUE_CD_TEST_TIMINGS); a file that needs packagings of the run's warm-up waits for them
  // first (test/support/global-setup.ts).
  setupFilesAfterEnv: ['file-timings.ts', 'wait-for-packagings.ts'].map((file) =>
    path.join(repoRoot, 'test/support', file),
  ),
});

const config: Config = {
  projects: [...workspaces.map((dir) => project(dir, dir)), project('repo', '.')],
  testTimeout: 60_000,
  // jest's default on 2 cores is one worker; the slow suites wait on child processes (sls, the local cloud's Lambda
  // runtimes), so two keep both cores busy. `--maxWorkers=1` on the command line still wins.
  maxWorkers: 2,
  // One package cache per run, filled before the tests with every packaging they ask for (test/support/packagings.ts).
  globalSetup: path.join(repoRoot, 'test/support/global-setup.ts'),
  globalTeardown: path.join(repoRoot, 'test/support/global-teardown.ts'),
  // The slowest files first (jest's times from this machine's last run, else test/support/durations.json).
  testSequencer: path.join(repoRoot, 'test/support/sequencer.cjs'),
  // One more line at the end: the run's time and its slowest files (every file's time with GLUE_CD_TEST_TIMINGS).
  reporters: ['default', path.join(repoRoot, 'test/support/timings-reporter.cjs')],
  transform: { '^.+\\.ts$': path.join(repoRoot, 'scripts/jest-transform.cjs') },
};

export default config;
