import YAML, { type Tags } from 'yaml';
import { z } from 'zod';
import { templateError, validationError } from '../errors';

const ParameterDeclarationSchema = z
  .object({
    Type: z.string(),
    Default: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
    AllowedValues: z.array(z.union([z.string(), z.number()])).optional(),
    AllowedPattern: z.string().optional(),
    MinLength: z.union([z.number(), z.string()]).optional(),
    MaxLength: z.union([z.number(), z.string()]).optional(),
    MinValue: z.union([z.number(), z.string()]).optional(),
    MaxValue: z.union([z.number(), z.string()]).optional(),
    NoEcho: z.union([z.boolean(), z.string()]).optional(),
    Description: z.string().optional(),
    ConstraintDescription: z.string().optional(),
  })
  .loose();

const ResourceDeclarationSchema = z
  .object({
    Type: z.string().min(1),
    Properties: z.record(z.string(), z.unknown()).optional(),
    DependsOn: z.union([z.string(), z.array(z.string())]).optional(),
    Condition: z.string().optional(),
    DeletionPolicy: z.enum(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']).optional(),
    UpdateReplacePolicy: z.enum(['Delete', 'Retain', 'Snapshot']).optional(),
    Metadata: z.unknown().optional(),
  })
  .loose();

const OutputDeclarationSchema = z
  .object({
    Value: z.unknown(),
    Description: z.string().optional(),
    Condition: z.string().optional(),
    Export: z.object({ Name: z.unknown() }).optional(),
  })
  .loose();

const TemplateSchema = z
  .object({
    AWSTemplateFormatVersion: z.string().optional(),
    Description: z.string().optional(),
    Transform: z.unknown().optional(),
    Parameters: z.record(z.string(), ParameterDeclarationSchema).optional(),
    Mappings: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))).optional(),
    Conditions: z.record(z.string(), z.unknown()).optional(),
    Resources: z.record(z.string(), ResourceDeclarationSchema),
    Outputs: z.record(z.string(), OutputDeclarationSchema).optional(),
    Metadata: z.unknown().optional(),
  })
  .loose();

export type Template = z.infer<typeof TemplateSchema>;
export type ResourceDeclaration = z.infer<typeof ResourceDeclarationSchema>;
export type ParameterDeclaration = z.infer<typeof ParameterDeclarationSchema>;

const FUNCTION_TAGS = [
  'Ref',
  'Condition',
  'Sub',
  'GetAtt',
  'Join',
  'Select',
  'Split',
  'If',
  'Equals',
  'Not',
  'And',
  'Or',
  'FindInMap',
  'GetAZs',
  'Base64',
  'ImportValue',
  'Cidr',
  'ToJsonString',
  'Length',
  'Transform',
] as const;

const intrinsicKey = (tag: string): string => (tag === 'Ref' || tag === 'Condition' ? tag : `Fn::${tag}`);

// CloudFormation's short forms (!Ref X, !GetAtt A.B, !Sub [...]) in any of the three YAML node kinds.
const SHORT_FORM_TAGS: Tags = FUNCTION_TAGS.flatMap((name) => {
  const wrap = (value: unknown): Record<string, unknown> => ({
    [intrinsicKey(name)]: name === 'GetAtt' && typeof value === 'string' ? splitGetAtt(value) : value,
  });
  return [
    { tag: `!${name}`, resolve: (text: string) => wrap(text) },
    { tag: `!${name}`, collection: 'seq' as const, resolve: (node: { toJSON(): unknown }) => wrap(node.toJSON()) },
    { tag: `!${name}`, collection: 'map' as const, resolve: (node: { toJSON(): unknown }) => wrap(node.toJSON()) },
  ];
});

const splitGetAtt = (text: string): string[] => {
  const dot = text.indexOf('.');
  return dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)];
};

/** CloudFormation's quotas on what one template declares. */
const TEMPLATE_QUOTAS: [section: string, what: string, limit: number][] = [
  ['Resources', 'resources', 500],
  ['Outputs', 'outputs', 200],
  ['Parameters', 'parameters', 200],
  ['Mappings', 'mappings', 200],
];

/** Parses a template body (JSON, or YAML with CloudFormation's short-form tags) and checks its shape and quotas. */
export const parseTemplate = (body: string): Template => {
  let raw: unknown;
  const trimmed = body.trimStart();
  try {
    raw = trimmed.startsWith('{')
      ? JSON.parse(body)
      : YAML.parse(body, { customTags: SHORT_FORM_TAGS, uniqueKeys: true });
  } catch (error) {
    throw templateError(
      `${trimmed.startsWith('{') ? 'JSON' : 'YAML'} not well-formed. (${(error as Error).message.split('\n')[0]})`,
    );
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw templateError('template must be a JSON or YAML object');
  const record = raw as Record<string, unknown>;
  if (
    record.Resources === undefined ||
    (typeof record.Resources === 'object' && record.Resources !== null && Object.keys(record.Resources).length === 0)
  ) {
    throw templateError('At least one Resources member must be defined.');
  }
  const parsed = TemplateSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    throw templateError(`${where ? `[/${where.replaceAll('.', '/')}] ` : ''}${issue?.message ?? 'invalid template'}`);
  }
  for (const [section, what, limit] of TEMPLATE_QUOTAS) {
    const count = Object.keys((parsed.data as Record<string, object | undefined>)[section] ?? {}).length;
    if (count > limit) throw templateError(`Number of ${what}, ${count}, is greater than maximum allowed, ${limit}`);
  }
  if (parsed.data.Transform !== undefined) {
    throw validationError(
      `Transform ${JSON.stringify(parsed.data.Transform)} is not supported by the local cloud; deploy the processed template`,
    );
  }
  return parsed.data;
};

export interface S3Location {
  bucket: string;
  key: string;
}

/** The bucket and key of a TemplateURL in any of the forms S3 accepts (virtual-hosted, path-style, s3://, local endpoint). */
export const parseTemplateUrl = (templateUrl: string): S3Location => {
  const invalid = () => validationError(`TemplateURL must be a supported URL: ${templateUrl}`);
  let url: URL;
  try {
    url = new URL(templateUrl);
  } catch {
    throw invalid();
  }
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const pathStyle = (): S3Location => {
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1) throw invalid();
    return { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
  };
  if (url.protocol === 's3:') {
    if (!url.hostname || !path) throw invalid();
    return { bucket: url.hostname, key: path };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid();
  const host = url.hostname;
  const virtualHosted = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.exec(host);
  if (virtualHosted?.[1] && !virtualHosted[1].startsWith('s3.')) {
    if (!path) throw invalid();
    return { bucket: virtualHosted[1], key: path };
  }
  if (/^s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/.test(host) || host === '127.0.0.1' || host === 'localhost')
    return pathStyle();
  throw invalid();
};
