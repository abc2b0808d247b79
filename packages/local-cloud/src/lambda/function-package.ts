import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConfigurationError, readZipFiles } from '@glue-cd/core';
import { AwsServiceError } from '../aws-error';
import type { LocalFunctionDefinition, ObjectStore } from '../contracts';

/** Where a function's code was installed: `CodeSha256`, `CodeSize`, and its folder relative to the state folder. */
export interface InstalledPackage {
  /** Base64 SHA-256 of the deployment package, as Lambda reports `CodeSha256`. */
  codeSha256: string;
  codeSize: number;
  /** The extracted code, relative to the state folder: `lambda/<functionName>/<hash>`. */
  codeDir: string;
}

/** Lambda's limit on a deployment package's unzipped size (layers aside), and the error CreateFunction gives over it. */
export const UNZIPPED_PACKAGE_LIMIT = 262_144_000;

const isZip = (bytes: Uint8Array): boolean =>
  bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** The deployment package's files: the S3 zip, or inline `ZipFile` source (written as `index.js`, as CloudFormation does). */
async function loadPackage(
  def: LocalFunctionDefinition,
  objects: ObjectStore,
): Promise<{ bytes: Uint8Array; files: Record<string, Uint8Array> }> {
  const invalid = (message: string): AwsServiceError =>
    new AwsServiceError('InvalidParameterValueException', message, 400, { Type: 'User' });
  let bytes: Uint8Array;
  if ('s3Bucket' in def.code) {
    const { s3Bucket, s3Key } = def.code;
    let found: Uint8Array | undefined;
    try {
      found = await objects.getObject(s3Bucket, s3Key);
    } catch (error) {
      const code = error instanceof AwsServiceError ? error.code : 'InternalError';
      throw invalid(
        `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${(error as Error).message} (s3://${s3Bucket}/${s3Key})`,
      );
    }
    if (!found)
      throw invalid(
        `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (s3://${s3Bucket}/${s3Key})`,
      );
    bytes = found;
  } else {
    const decoded = Buffer.from(def.code.zipFile, 'base64');
    if (isZip(decoded)) bytes = decoded;
    else {
      const source = new TextEncoder().encode(def.code.zipFile);
      return { bytes: source, files: { 'index.js': source } };
    }
  }
  let entries: ReturnType<typeof readZipFiles>;
  try {
    entries = readZipFiles(bytes, {
      describeZip: `the package of ${def.functionName}`,
      maxBytes: UNZIPPED_PACKAGE_LIMIT,
      tooLarge: () => invalid(`Unzipped size must be smaller than ${UNZIPPED_PACKAGE_LIMIT} bytes`),
    });
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw invalid(`Could not unzip uploaded file of ${def.functionName}: ${error.message}`);
  }
  const files: Record<string, Uint8Array> = {};
  for (const { name, content } of entries) {
    if (name.endsWith('/')) continue;
    const normalized = path.posix.normalize(name);
    if (normalized.startsWith('../') || path.posix.isAbsolute(normalized))
      throw invalid(`The deployment package of ${def.functionName} has an unsafe entry path "${name}"`);
    files[normalized] = content;
  }
  return { bytes, files };
}

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

/** Extracts a package once per content hash into `lambda/<name>/<hash>/` (temp folder + rename: never half-written). */
export const installPackage = async (
  stateDir: string,
  objects: ObjectStore,
  def: LocalFunctionDefinition,
): Promise<InstalledPackage> => {
  const { bytes, files } = await loadPackage(def, objects);
  const digest = sha256(bytes);
  const codeDir = path.posix.join('lambda', def.functionName, digest.toString('hex').slice(0, 16));
  const target = path.join(stateDir, codeDir);
  if (!existsSync(target)) {
    const temp = `${target}.${randomUUID()}.tmp`;
    for (const [name, content] of Object.entries(files)) {
      const destination = path.join(temp, ...name.split('/'));
      await mkdir(path.dirname(destination), { recursive: true, mode: 0o700 });
      await writeFile(destination, content, { mode: 0o600 });
    }
    await mkdir(temp, { recursive: true, mode: 0o700 });
    try {
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { recursive: true, force: true });
      if (!existsSync(target)) throw error;
    }
  }
  return { codeSha256: digest.toString('base64'), codeSize: bytes.length, codeDir };
};
