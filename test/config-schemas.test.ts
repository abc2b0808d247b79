import { DeployInputDocumentSchema, type PipelineJob } from '@glue-cd/core';
import { parseColumnMapping } from '@glue-cd/data-lake';
import { parseValidationRules } from '@glue-cd/live-test';
import Ajv, { type ValidateFunction } from 'ajv';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { GENERATED_SCHEMAS, REPO_ROOT, SCHEMAS_DIR, renderSchema } from '../scripts/config-schemas';
import { buildDeployInput } from '../services/pipeline-trigger/src/deploy-input-document';

// schemas/*.schema.json: generated from the zod schemas the code parses with, and followed by every config file.

const readRepoFile = (file: string): string => readFileSync(path.join(REPO_ROOT, file), 'utf8');
const parseConfig = (file: string): unknown =>
  file.endsWith('.json') ? JSON.parse(readRepoFile(file)) : parseYaml(readRepoFile(file));

// Strict: an unknown keyword is an error; `type: [a, b]` is standard JSON Schema (zod writes it for unions of scalars).
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validators = new Map<string, ValidateFunction>();
const validatorFor = (file: string): ValidateFunction => {
  if (!validators.has(file)) {
    validators.set(file, ajv.compile(JSON.parse(readFileSync(path.join(SCHEMAS_DIR, file), 'utf8')) as object));
  }
  return validators.get(file)!;
};

const configs = GENERATED_SCHEMAS.flatMap((entry) => entry.configs().map((config) => ({ config, entry })));

describe('schemas/ matches the code', () => {
  test.each(GENERATED_SCHEMAS.map((entry) => [entry.file, entry] as const))(
    '%s is what `pnpm schemas` generates from the zod schema',
    (file, entry) => {
      const committed = readFileSync(path.join(SCHEMAS_DIR, file), 'utf8');
      // On failure: run `pnpm schemas` and commit schemas/.
      expect(committed).toBe(renderSchema(entry));
    },
  );

  test('schemas/ holds no schema that is not generated', () => {
    expect(readdirSync(SCHEMAS_DIR).sort()).toEqual(GENERATED_SCHEMAS.map((entry) => entry.file).sort());
  });

  test('every config file of the repository is covered: deploy inputs, mappings, validation rules', () => {
    expect(configs.map(({ config }) => config)).toEqual([
      'deploy/prod.json',
      'deploy/test-cleanup.json',
      'deploy/test.json',
      'glue-jobs/nyc-taxi/mapping.json',
      'glue-jobs/nyc-taxi/validation.yaml',
    ]);
  });

  test('every field of a deploy input file is described for editors', () => {
    const schema = JSON.parse(readFileSync(path.join(SCHEMAS_DIR, 'deploy-input.schema.json'), 'utf8')) as {
      properties: Record<string, { description?: string }>;
    };
    const undocumented = Object.entries(schema.properties).filter(([, property]) => !property.description);
    expect(undocumented.map(([name]) => name)).toEqual([]);
  });
});

/** The schema a config file names: `"$schema"`, a yaml-language-server comment, or the editor settings. */
const referencedSchema = (config: string): string | undefined => {
  const text = readRepoFile(config);
  const fromFile = config.endsWith('.json')
    ? (JSON.parse(text) as { $schema?: string }).$schema
    : /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)?.[1];
  if (fromFile !== undefined) return path.posix.join(path.posix.dirname(config), fromFile);
  // VS Code settings are JSON with comments.
  const settings = parseYaml(readRepoFile('.vscode/settings.json').replace(/^\s*\/\/.*$/gm, '')) as {
    'json.schemas'?: { fileMatch: string[]; url: string }[];
  };
  const glob = (pattern: string) => new RegExp(`(^|/)${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]+')}$`);
  const match = settings['json.schemas']?.find((entry) => entry.fileMatch.some((p) => glob(p).test(config)));
  return match !== undefined ? path.posix.normalize(match.url) : undefined;
};

describe('every config file follows its schema', () => {
  test.each(configs.map(({ config, entry }) => [config, entry.file] as const))(
    '%s names schemas/%s',
    (config, file) => {
      expect(referencedSchema(config)).toBe(`schemas/${file}`);
    },
  );

  test.each(configs.map(({ config, entry }) => [config, entry.file] as const))(
    '%s validates against schemas/%s (ajv)',
    (config, file) => {
      const validate = validatorFor(file);
      const valid = validate(parseConfig(config));
      expect(validate.errors ?? []).toEqual([]);
      expect(valid).toBe(true);
    },
  );
});

const job: PipelineJob = {
  jobId: '11111111-2222-4333-8444-555555555555',
  accountId: '123456789012',
  functionName: 'glue-cd-pipeline-trigger',
  userParameters: { inputFile: 'deploy/test.json' },
  inputArtifacts: [{ name: 'BuildOutput', bucket: 'glue-cd-artifacts', key: 'glue-cd/BuildOutput/abc' }],
  artifactCredentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
};

describe('the parsers accept the committed files, "$schema" included', () => {
  test.each(readdirSync(path.join(REPO_ROOT, 'deploy')).map((name) => `deploy/${name}`))(
    '%s: the pipeline trigger builds a deploy input from it, without the "$schema"',
    (config) => {
      const document = parseConfig(config) as Record<string, unknown>;
      expect(document.$schema).toBe('../schemas/deploy-input.schema.json');
      const input = buildDeployInput(document, job);
      expect(input).not.toHaveProperty('$schema');
      expect(input).toMatchObject({ stackName: document.stackName, pipeline: { jobId: job.jobId } });
      expect(DeployInputDocumentSchema.safeParse(document).success).toBe(true);
    },
  );

  test('mapping.json and validation.yaml', () => {
    expect(parseColumnMapping(parseConfig('glue-jobs/nyc-taxi/mapping.json')).columns.length).toBeGreaterThan(0);
    expect(parseValidationRules(parseConfig('glue-jobs/nyc-taxi/validation.yaml')).dataset.table).toBe(
      'yellow_tripdata',
    );
  });
});

describe('the generated schema refuses what the parser refuses', () => {
  const base = parseConfig('deploy/test.json') as Record<string, unknown>;
  test.each([
    ['an unknown key', { ...base, stackname: 'x' }],
    ['a bad stack name', { ...base, stackName: '1-stack' }],
    ['an unknown action', { ...base, action: 'destroy' }],
    ['artifactPath beside another template field', { ...base, template: { artifactPath: 't.json', body: '{}' } }],
    ['an empty artifactPath', { ...base, template: { artifactPath: ' ' } }],
    ['a template URL that is not https:// or s3://', { ...base, template: { url: 'ftp://x/t.json' } }],
    ['a job id in the file', { ...base, pipeline: { jobId: 'j' } }],
    ['a "$schema" that is not a string', { ...base, $schema: 7 }],
    ['an unknown capability', { ...base, capabilities: ['CAPABILITY_ALL'] }],
  ])('deploy input with %s', (_what, document) => {
    expect(validatorFor('deploy-input.schema.json')(document)).toBe(false);
    expect(DeployInputDocumentSchema.safeParse(document).success).toBe(false);
  });

  test.each([
    ['an unknown key', { columns: [], extra: true }],
    ['no column', { columns: [] }],
    ['a bad target name', { columns: [{ source: 'a', target: 'a-b', type: 'int', required: true }] }],
    ['a missing field', { columns: [{ source: 'a', target: 'a', type: 'int' }] }],
  ])('column mapping with %s', (_what, document) => {
    expect(validatorFor('column-mapping.schema.json')(document)).toBe(false);
    expect(() => parseColumnMapping(document)).toThrow();
  });

  test.each([
    ['an unknown key', { dataset: { rawPrefix: 'a/', dataLakePrefix: 'b/', rejectsPrefix: 'c/', table: 't' }, x: 1 }],
    [
      'a prefix with a leading slash',
      { dataset: { rawPrefix: '/a/', dataLakePrefix: 'b/', rejectsPrefix: 'c/', table: 't' } },
    ],
    [
      'a negative maxRejected',
      {
        dataset: { rawPrefix: 'a/', dataLakePrefix: 'b/', rejectsPrefix: 'c/', table: 't' },
        recordCount: { maxRejected: -1 },
      },
    ],
  ])('validation rules with %s', (_what, document) => {
    expect(validatorFor('validation-rules.schema.json')(document)).toBe(false);
    expect(() => parseValidationRules(document)).toThrow();
  });
});
