import { parse } from 'yaml';
import { z } from 'zod';

/** A buildspec the local CodeBuild cannot read, or one that uses what it does not run; the message names the key. */
export class BuildspecError extends Error {
  override name = 'BuildspecError';
}

/** The phases of a version 0.2 build, in the order CodeBuild runs them. */
export const PHASES = ['install', 'pre_build', 'build', 'post_build'] as const;
export type PhaseName = (typeof PHASES)[number];

// YAML scalars in command lists and variable values are strings to CodeBuild (`- 1` runs the command "1").
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);
// CodeBuild's yes/no flags (YAML 1.2 reads `yes` as the string it is).
const yesNo = z
  .union([z.boolean(), z.enum(['yes', 'no', 'true', 'false'])])
  .transform((v) => v === true || v === 'yes' || v === 'true');
const variableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a shell variable name');

const PhaseSchema = z
  .object({
    'run-as': z.string().optional(),
    // RETRY and its variants are newer CodeBuild options the local runner does not run (README, "not supported").
    'on-failure': z.enum(['ABORT', 'CONTINUE']).optional(),
    'runtime-versions': z.record(z.string(), scalar).optional(),
    commands: z.array(scalar).optional(),
    finally: z.array(scalar).optional(),
  })
  .strict();

const ArtifactSetSchema = z
  .object({
    files: z.array(scalar).min(1),
    name: scalar.optional(),
    'discard-paths': yesNo.optional(),
    'base-directory': scalar.optional(),
    'exclude-paths': z.array(scalar).optional(),
    'enable-symlinks': yesNo.optional(),
    's3-prefix': scalar.optional(),
  })
  .strict();

/** The report file formats CodeBuild reads: test reports, then code coverage reports. */
export const TEST_REPORT_FORMATS = [
  'JUNITXML',
  'CUCUMBERJSON',
  'NUNITXML',
  'NUNIT3XML',
  'TESTNGXML',
  'VISUALSTUDIOTRX',
] as const;
export const COVERAGE_REPORT_FORMATS = ['CLOVERXML', 'COBERTURAXML', 'JACOCOXML', 'SIMPLECOV'] as const;

const ReportGroupSchema = z
  .object({
    files: z.array(scalar).min(1),
    'base-directory': scalar.optional(),
    'discard-paths': yesNo.optional(),
    'file-format': z.enum([...TEST_REPORT_FORMATS, ...COVERAGE_REPORT_FORMATS]).optional(),
  })
  .strict();

/** CodeBuild takes one to five report groups per buildspec. */
export const MAX_REPORT_GROUPS = 5;

const ArtifactsSchema = ArtifactSetSchema.extend({
  files: z.array(scalar).optional(),
  'secondary-artifacts': z.record(z.string(), ArtifactSetSchema).optional(),
}).strict();

/** The buildspec reference (version 0.2), as the local CodeBuild reads it: unknown keys are errors. */
export const BuildspecSchema = z
  .object({
    version: z.union([z.literal(0.2), z.literal('0.2')], {
      error: 'must be 0.2 (0.1 runs every command in its own shell; the local CodeBuild runs 0.2 only)',
    }),
    'run-as': z.string().optional(),
    env: z
      .object({
        shell: z.enum(['bash', '/bin/sh', 'sh']).optional(),
        variables: z.record(variableName, scalar).optional(),
        'parameter-store': z.record(z.string(), z.unknown()).optional(),
        'secrets-manager': z.record(z.string(), z.unknown()).optional(),
        'exported-variables': z.array(variableName).optional(),
        'git-credential-helper': yesNo.optional(),
      })
      .strict()
      .optional(),
    proxy: z.record(z.string(), z.unknown()).optional(),
    batch: z.unknown().optional(),
    phases: z
      .object({
        install: PhaseSchema.optional(),
        pre_build: PhaseSchema.optional(),
        build: PhaseSchema.optional(),
        post_build: PhaseSchema.optional(),
      })
      .strict()
      .optional(),
    reports: z
      .record(z.string(), ReportGroupSchema)
      .refine((groups) => Object.keys(groups).length <= MAX_REPORT_GROUPS, {
        message: `at most ${MAX_REPORT_GROUPS} report groups`,
      })
      .optional(),
    artifacts: ArtifactsSchema.optional(),
    cache: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type Buildspec = z.infer<typeof BuildspecSchema>;
export type BuildspecPhase = z.infer<typeof PhaseSchema>;
export type ArtifactSet = z.infer<typeof ArtifactSetSchema>;
export type ReportGroupSpec = z.infer<typeof ReportGroupSchema>;

const issuePath = (path: PropertyKey[]): string => path.map(String).join('.') || '(root)';

/** Parses buildspec YAML; the error names the file and each offending key. */
export const parseBuildspec = (text: string, origin: string): Buildspec => {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new BuildspecError(`${origin} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = BuildspecSchema.safeParse(document);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      issue.code === 'unrecognized_keys'
        ? `${issuePath(issue.path)}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
        : `${issuePath(issue.path)}: ${issue.message}`,
    );
    throw new BuildspecError(`${origin}: ${problems.join('; ')}`);
  }
  const buildspec = parsed.data;
  // Declared features that need AWS services or a build fleet the local CodeBuild does not have: refuse, never ignore.
  const unsupported = [
    buildspec.env?.['parameter-store'] && 'env.parameter-store',
    buildspec.env?.['secrets-manager'] && 'env.secrets-manager',
    buildspec.batch !== undefined && 'batch',
    ...(['pre_build', 'build', 'post_build'] as const).map(
      (phase) =>
        buildspec.phases?.[phase]?.['runtime-versions'] !== undefined &&
        `phases.${phase}.runtime-versions (CodeBuild reads runtime-versions in install only)`,
    ),
  ].filter((key): key is string => typeof key === 'string');
  if (unsupported.length > 0) {
    throw new BuildspecError(`${origin}: ${unsupported.join(', ')} not supported by the local CodeBuild`);
  }
  return buildspec;
};

/** Keys the local CodeBuild reads but does not act on; each becomes a printed difference when a buildspec has it. */
export const ignoredKeys = (buildspec: Buildspec): string[] =>
  [
    buildspec['run-as'] !== undefined && `run-as ${buildspec['run-as']}: commands run as this machine's user`,
    ...PHASES.map((phase) => {
      const runAs = buildspec.phases?.[phase]?.['run-as'];
      return runAs !== undefined && `phases.${phase}.run-as ${runAs}: commands run as this machine's user`;
    }),
    buildspec.proxy !== undefined && 'proxy: no proxy locally',
    buildspec.cache !== undefined && 'cache: no build cache locally',
    buildspec.env?.['git-credential-helper'] && 'env.git-credential-helper: no git credentials locally',
    buildspec.artifacts?.['s3-prefix'] !== undefined &&
      'artifacts.s3-prefix: CodePipeline names the output artifact object itself',
  ].filter((line): line is string => typeof line === 'string');
