import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LiveTestConfigurationError, formatIssuePath } from './errors';

const ColumnName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name');
const Prefix = z.string().regex(/^([^/].*\/)?$/, 'must be a key prefix ending in "/" (no leading "/")');

export const ValueRangeRuleSchema = z
  .strictObject({ column: ColumnName, min: z.number().optional(), max: z.number().optional() })
  .refine((rule) => rule.min !== undefined || rule.max !== undefined, 'needs min, max or both')
  .refine(
    (rule) => rule.min === undefined || rule.max === undefined || rule.min <= rule.max,
    'min must not exceed max',
  );

export const ValidationRulesSchema = z.strictObject({
  dataset: z.strictObject({
    rawPrefix: Prefix,
    dataLakePrefix: Prefix,
    rejectsPrefix: Prefix,
    table: z.string().regex(/^[a-z0-9_]+$/, 'must be a lower-case Glue table name'),
  }),
  recordCount: z.strictObject({ maxRejected: z.number().int().nonnegative().default(0) }).default({ maxRejected: 0 }),
  requiredColumnsComplete: z.array(ColumnName).default([]),
  valueRanges: z.array(ValueRangeRuleSchema).default([]),
});

export type ValueRangeRule = z.infer<typeof ValueRangeRuleSchema>;
export type ValidationRules = z.infer<typeof ValidationRulesSchema>;

/** Validates parsed validation.yaml content; the error names every bad field. */
export const parseValidationRules = (input: unknown, origin = 'validation rules'): ValidationRules => {
  const parsed = ValidationRulesSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${formatIssuePath(issue.path) || '(root)'}: ${issue.message}`);
  throw new LiveTestConfigurationError(`Invalid ${origin}: ${problems.join('; ')}`);
};

/** Reads and validates a validation.yaml file. */
export const loadValidationRules = async (path: string): Promise<ValidationRules> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new LiveTestConfigurationError(`Cannot read validation rules ${path}: ${(error as Error).message}`);
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new LiveTestConfigurationError(`Validation rules ${path} are not valid YAML: ${(error as Error).message}`);
  }
  return parseValidationRules(document, `validation rules ${path}`);
};
