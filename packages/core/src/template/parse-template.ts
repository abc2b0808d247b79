import type * as Yaml from 'yaml';
import { ConfigurationError } from '../errors';

// Loaded on the first YAML template: JSON templates (what serverless and CDK write) never pay for the parser.
let yamlLibrary: typeof Yaml | undefined;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = (): typeof Yaml => (yamlLibrary ??= require('yaml') as typeof Yaml);

/** A CloudFormation template as plain data (only `Resources` is read by the diff). */
export type TemplateDocument = Record<string, unknown>;

// Short-form intrinsics whose long form is not `Fn::<name>`.
const LONG_FORM: Record<string, string> = { Ref: 'Ref', Condition: 'Condition' };

/** `!GetAtt A.B` and `!GetAtt [A, B]` are both `{ "Fn::GetAtt": ["A", "B"] }`. */
const getAttArguments = (value: unknown): unknown => {
  if (typeof value !== 'string') return value;
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
};

const longFormOf = (doc: Yaml.Document, node: Yaml.Node): Yaml.Node => {
  const name = (node.tag ?? '').slice(1);
  node.tag = undefined;
  const key = LONG_FORM[name] ?? `Fn::${name}`;
  const value = name === 'GetAtt' && yaml().isScalar(node) ? getAttArguments(node.value) : node;
  return doc.createNode({ [key]: value });
};

/**
 * A template body as CloudFormation accepts it: JSON, or YAML with the short-form intrinsics (`!Ref`, `!Sub`,
 * `!GetAtt a.b` …) turned into their long form. Throws a ConfigurationError naming `label` when it is neither.
 */
export const parseTemplateBody = (body: string, label = 'template'): TemplateDocument => {
  const text = body.trim();
  if (text === '') return {};
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as TemplateDocument;
    } catch (error) {
      throw new ConfigurationError(`${label} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  const { isNode, isSeq, parseDocument, visit } = yaml();
  const doc = parseDocument(text, { logLevel: 'silent', uniqueKeys: false });
  if (doc.errors.length > 0) {
    throw new ConfigurationError(`${label} is neither JSON nor YAML: ${doc.errors[0]?.message ?? 'parse error'}`);
  }
  visit(doc, {
    Node: (_key, node) => {
      if (isNode(node) && typeof node.tag === 'string' && node.tag.startsWith('!')) return longFormOf(doc, node);
      return undefined;
    },
  });
  const value: unknown = doc.toJS({ maxAliasCount: -1 });
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isSeq(value)) {
    throw new ConfigurationError(`${label} is not a CloudFormation template (not a mapping)`);
  }
  return value as TemplateDocument;
};
