// The service spec table the bundles embed (config/aws-service-spec-table.cjs), from the database that
// @aws-cdk/cloudformation-diff itself loads: resolved through it, so a table made here matches the diff's version.
import path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SPEC_TABLE_FILE = path.join(REPO_ROOT, 'config/aws-service-spec-table.txt');

interface SpecTableCode {
  tableFromDatabase(db: unknown): string;
  databaseFromTable(text: string): {
    lookup(entity: 'resource', key: 'cloudFormationType', operator: 'equals', value: string): unknown[];
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const specTableCode = require(path.join(REPO_ROOT, 'config/aws-service-spec-table.cjs')) as SpecTableCode;

/** The installed database, as cloudformation-diff (a dependency of packages/core) resolves it. */
export const loadInstalledSpec = (): { all(entity: 'resource'): { cloudFormationType: string }[] } => {
  const diff = require.resolve('@aws-cdk/cloudformation-diff', { paths: [path.join(REPO_ROOT, 'packages/core')] });
  const spec = require.resolve('@aws-cdk/aws-service-spec', { paths: [path.dirname(diff)] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(spec) as { loadAwsServiceSpecSync(): ReturnType<typeof loadInstalledSpec> }).loadAwsServiceSpecSync();
};

export const installedSpecTable = (): string => `${specTableCode.tableFromDatabase(loadInstalledSpec())}\n`;
