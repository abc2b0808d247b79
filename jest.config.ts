import type { Config } from 'jest';

// One jest project per workspace package/service; tests live beside each in test/.
const workspaces = [
  'packages/core',
  'packages/data-lake',
  'packages/live-test',
  'packages/local-cloud',
  'packages/release',
  'services/pipeline-trigger',
  'services/deploy-orchestrator',
  'services/glue-etl',
];

const project = (dir: string): Config => ({
  displayName: dir,
  rootDir: `<rootDir>/${dir}`,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // Type checking is `pnpm typecheck`; jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../../tsconfig.base.json' }] },
  moduleNameMapper: { '^@glue-cd/([a-z-]+)$': '<rootDir>/../../packages/$1/src' },
  setupFiles: ['<rootDir>/../../jest.setup.ts'],
});

const config: Config = {
  projects: workspaces.map(project),
  testTimeout: 60_000,
};

export default config;
