// The two generated views of @aws-cdk/aws-service-spec's database, from the database that
// @aws-cdk/cloudformation-diff itself loads (resolved through it, so both match the diff's version):
// - the table the template diff reads (config/aws-service-spec-table.cjs): in bundles, and in every Node process of
//   the repo (config/aws-service-spec-embedded.cjs);
// - the local CloudFormation's extract (packages/local-cloud/src/cloudformation/model/spec-extract.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SPEC_EXTRACT_FILE } from '../packages/local-cloud/src/cloudformation/model/spec';
import { encodeSpecExtract, type SpecFile } from '../packages/local-cloud/src/cloudformation/model/spec-extract';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const SPEC_TABLE_FILE = path.join(REPO_ROOT, 'config/aws-service-spec-table.txt');
export { SPEC_EXTRACT_FILE };

interface SpecTableCode {
  SPEC_PACKAGE: string;
  tableFromDatabase(db: unknown): string;
  databaseFromTable(text: string): {
    lookup(entity: 'resource', key: 'cloudFormationType', operator: 'equals', value: string): unknown[];
  };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const specTableCode = require(path.join(REPO_ROOT, 'config/aws-service-spec-table.cjs')) as SpecTableCode;
/** `@aws-cdk/aws-service-spec`, the name the stand-in answers to. */
export const { SPEC_PACKAGE } = specTableCode;

/**
 * The installed package's folder, as cloudformation-diff (a dependency of packages/core) resolves it. Through its
 * package.json: jest and scripts/register-ts.cjs map the bare package name to the table.
 */
const installedSpecPackage = (): string => {
  const diff = require.resolve('@aws-cdk/cloudformation-diff', { paths: [path.join(REPO_ROOT, 'packages/core')] });
  return path.dirname(require.resolve('@aws-cdk/aws-service-spec/package.json', { paths: [path.dirname(diff)] }));
};

/** The installed package's module itself (what the bare name would give without the stand-in). */
export const installedSpecModule = (): { loadAwsServiceSpecSync(): unknown } => {
  const folder = installedSpecPackage();
  const { main } = JSON.parse(readFileSync(path.join(folder, 'package.json'), 'utf8')) as { main: string };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.join(folder, main)) as { loadAwsServiceSpecSync(): unknown };
};

/** The installed database, loaded by the package itself. */
export const loadInstalledSpec = (): { all(entity: 'resource'): { cloudFormationType: string }[] } =>
  installedSpecModule().loadAwsServiceSpecSync() as ReturnType<typeof loadInstalledSpec>;

/** The installed database file, as loadAwsServiceSpecSync reads it (before hydration). */
export const installedSpecFile = (): SpecFile =>
  JSON.parse(gunzipSync(readFileSync(path.join(installedSpecPackage(), 'db.json.gz'))).toString('utf8')) as SpecFile;

export const installedSpecTable = (): string => `${specTableCode.tableFromDatabase(loadInstalledSpec())}\n`;

export const installedSpecExtract = (file: SpecFile = installedSpecFile()): string => encodeSpecExtract(file);
