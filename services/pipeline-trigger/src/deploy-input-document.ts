// Core's modules by path, not its index: trigger.ts requires this module on first use, and esbuild wraps what a
// required module imports; through the index that would be all of core, in every bundle of the trigger.
import type { PipelineJob } from '@glue-cd/core';
import { ARTIFACT_ZIP_LIMIT, DEPLOY_INPUT_FILE_LIMIT, readZipEntry } from '@glue-cd/core/src/codepipeline/artifact-zip';
import { parseDeployInput, type DeployInput } from '@glue-cd/core/src/deploy-input';
import { ConfigurationError } from '@glue-cd/core/src/errors';
import { parseS3Url, type S3Location } from '@glue-cd/core/src/s3-location';

/**
 * Reads one S3 object with the job's artifact credentials; rejects with the S3 error, or with a ConfigurationError
 * when the object is larger than `maxBytes` (without reading past it).
 */
export type ReadObject = (location: S3Location, maxBytes: number) => Promise<Uint8Array>;

/** `s3://bucket/key` names an S3 object; anything else (`s3://bucket` without a key too) is a path in the artifact. */
const s3ObjectOf = (url: string): S3Location | undefined => {
  const location = parseS3Url(url);
  return location?.key ? location : undefined;
};

const firstInputArtifact = (job: PipelineJob, why: string) => {
  const artifact = job.inputArtifacts[0];
  if (!artifact) throw new ConfigurationError(`${why}, but the action has no input artifact`);
  return artifact;
};

const parseJson = (bytes: Uint8Array, source: string): unknown => {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new ConfigurationError(`inputFile ${source} is not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
};

/**
 * The deploy input document named by UserParameters: the inline `input`, a JSON file inside the action's first
 * input artifact, or an `s3://bucket/key` object (read with the artifact credentials too).
 */
export const loadDeployInputDocument = async (job: PipelineJob, readObject: ReadObject): Promise<unknown> => {
  const { input, inputFile } = job.userParameters;
  if (input !== undefined) return input;
  if (inputFile === undefined)
    throw new ConfigurationError('UserParameters: give exactly one of "input" (inline) or "inputFile"');
  const s3Location = s3ObjectOf(inputFile);
  if (s3Location) return parseJson(await readObject(s3Location, DEPLOY_INPUT_FILE_LIMIT), inputFile);
  const artifact = firstInputArtifact(
    job,
    `UserParameters.inputFile "${inputFile}" is a path inside the input artifact`,
  );
  const zip = await readObject({ bucket: artifact.bucket, key: artifact.key }, ARTIFACT_ZIP_LIMIT);
  const describeZip = `input artifact ${artifact.name} (s3://${artifact.bucket}/${artifact.key})`;
  const file = readZipEntry(zip, inputFile, { describeZip, maxBytes: DEPLOY_INPUT_FILE_LIMIT });
  return parseJson(file, `"${inputFile}" in ${describeZip}`);
};

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Expands `"template": { "artifactPath": "<path>" }` to the first input artifact's location plus the path, adds
 * which CodePipeline job this is, and validates the result (ConfigurationError naming the field).
 */
export const buildDeployInput = (document: unknown, job: PipelineJob): DeployInput => {
  if (!isRecord(document)) {
    throw new ConfigurationError(
      `DeployInput: must be a JSON object, got ${Array.isArray(document) ? 'an array' : typeof document}`,
    );
  }
  const expanded: Record<string, unknown> = { ...document };
  const template = document.template;
  if (isRecord(template) && 'artifactPath' in template) {
    const { artifactPath, ...rest } = template;
    if (typeof artifactPath !== 'string' || artifactPath.trim() === '') {
      throw new ConfigurationError(
        'DeployInput.template.artifactPath: must be a non-empty path inside the input artifact',
      );
    }
    if (Object.keys(rest).length > 0) {
      throw new ConfigurationError(
        `DeployInput.template: artifactPath cannot be combined with ${Object.keys(rest)
          .map((key) => `"${key}"`)
          .join(', ')}`,
      );
    }
    const artifact = firstInputArtifact(
      job,
      `DeployInput.template.artifactPath "${artifactPath}" is a path inside the input artifact`,
    );
    expanded.template = { artifact: { bucket: artifact.bucket, key: artifact.key }, path: artifactPath };
  }
  const given = isRecord(document.pipeline) ? document.pipeline : {};
  expanded.pipeline = {
    jobId: job.jobId,
    ...(typeof given.pipelineName === 'string' ? { pipelineName: given.pipelineName } : {}),
  };
  // The document is validated as written first: a plan of it fails on what its deploy would fail on.
  return applyActionParameters(parseDeployInput(expanded), job);
};

/**
 * UserParameters that reuse one deploy file: `"action": "plan"` plans its deploy (every other setting kept, so the
 * verdict is the one the deploy would get); `approvedPlan` is the reviewed plan for a deploy that asks for approval.
 */
const applyActionParameters = (input: DeployInput, job: PipelineJob): DeployInput => {
  const { action, approvedPlan } = job.userParameters;
  if (action === 'plan') {
    if (input.action === 'delete') {
      throw new ConfigurationError(
        `UserParameters.action "plan": the deploy input deletes stack ${input.stackName}; only a deploy is planned (a delete in a protected environment is refused, see "Tearing down a protected stack")`,
      );
    }
    return { ...input, action: 'plan' };
  }
  if (approvedPlan !== undefined && input.onBroadening === 'approve' && input.approvedPlan === undefined) {
    return parseDeployInput({ ...input, approvedPlan });
  }
  return input;
};
