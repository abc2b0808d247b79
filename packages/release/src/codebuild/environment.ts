import path from 'node:path';
import { z } from 'zod';

export class BuildEnvironmentError extends Error {
  override name = 'BuildEnvironmentError';
}

/**
 * The environment of one build, lowest precedence first, as CodeBuild layers it: the image, the service role's
 * credentials and region, the buildspec's env.variables, the project's variables, the variables the pipeline action
 * passes (a start-build override), and last the CODEBUILD_* variables CodeBuild itself sets.
 */
export interface EnvironmentLayers {
  image: Record<string, string>;
  role: Record<string, string>;
  buildspec: Record<string, string>;
  project: Record<string, string>;
  action: Record<string, string>;
  codebuild: Record<string, string>;
}

const RESERVED_PREFIX = 'CODEBUILD_';

export const buildEnvironment = (layers: EnvironmentLayers): Record<string, string> => {
  for (const layer of ['buildspec', 'project', 'action'] as const) {
    const reserved = Object.keys(layers[layer]).filter((name) => name.startsWith(RESERVED_PREFIX));
    if (reserved.length > 0) {
      throw new BuildEnvironmentError(
        `${layer} variables ${reserved.join(', ')}: names starting with ${RESERVED_PREFIX} are reserved by CodeBuild`,
      );
    }
  }
  return {
    ...layers.image,
    ...layers.role,
    ...layers.buildspec,
    ...layers.project,
    ...layers.action,
    ...layers.codebuild,
  };
};

// What this process has that a CodeBuild container does not: the caller's AWS identity, the release's own
// package-manager and test-runner context.
const HOST_ONLY = [/^AWS_/, /^CODEBUILD_/, /^npm_/i, /^PNPM_/, /^INIT_CWD$/, /^JEST_WORKER_ID$/, /^NODE_ENV$/];

/**
 * The machine's environment standing in for the build image's: PATH without this checkout's node_modules/.bin
 * folders (which `pnpm start` prepends), and none of the caller's AWS_* variables.
 */
export const imageEnvironment = (env: NodeJS.ProcessEnv, repoRoot: string): Record<string, string> => {
  const image: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || HOST_ONLY.some((pattern) => pattern.test(name))) continue;
    image[name] = value;
  }
  if (image.PATH !== undefined) {
    const root = path.resolve(repoRoot) + path.sep;
    image.PATH = image.PATH.split(path.delimiter)
      .filter(
        (entry) => entry && !path.resolve(entry).startsWith(root) && !entry.includes(`node_modules${path.sep}.bin`),
      )
      .join(path.delimiter);
  }
  return image;
};

/** The EnvironmentVariables configuration of a CodeBuild action (a JSON string in the pipeline definition). */
export const ActionEnvironmentVariablesSchema = z.array(
  z
    .object({
      name: z.string().min(1),
      value: z.string(),
      type: z.enum(['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER']).default('PLAINTEXT'),
    })
    .strict(),
);

/** Project Environment.EnvironmentVariables (CloudFormation shape). */
export const ProjectEnvironmentVariablesSchema = z.array(
  z.object({
    Name: z.string().min(1),
    Value: z.string(),
    Type: z.enum(['PLAINTEXT', 'PARAMETER_STORE', 'SECRETS_MANAGER']).default('PLAINTEXT'),
  }),
);

/** name → value of PLAINTEXT variables; other types need Parameter Store / Secrets Manager, not served locally. */
export const plaintextVariables = (
  variables: { name: string; value: string; type: string }[],
  origin: string,
): Record<string, string> => {
  const other = variables.filter((v) => v.type !== 'PLAINTEXT');
  if (other.length > 0) {
    throw new BuildEnvironmentError(
      `${origin}: ${other.map((v) => `${v.name} (${v.type})`).join(', ')}: only PLAINTEXT variables are supported locally`,
    );
  }
  return Object.fromEntries(variables.map((v) => [v.name, v.value]));
};
