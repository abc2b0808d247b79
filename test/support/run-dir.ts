/**
 * The environment variable naming the jest run's own temp folder (made by global-setup.ts, removed by
 * global-teardown.ts): fixtures several test files share, such as the first release, are made there once per run.
 */
export const TEST_RUN_DIR = 'GLUE_CD_TEST_RUN_DIR';
