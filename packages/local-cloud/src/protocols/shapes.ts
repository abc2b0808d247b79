import { NormalizedSchema } from '@smithy/core/schema';

// The service shapes come from the SDK client packages themselves: since v3.7xx every `@aws-sdk/client-*` exports
// the static Smithy schema of each operation (`CreateStack$`) and error (`AlreadyExistsException$`), the same ones
// its own serializers read. The local cloud reads its members' types, HTTP bindings and error codes from there, so
// no per-member table is kept by hand and the shapes move with the client versions in the lockfile.

/** A client package as a module object: `import * as cloudFormation from '@aws-sdk/client-cloudformation'`. */
export type ServiceModel = Readonly<Record<string, unknown>>;

export type Shape = NormalizedSchema;

export interface OperationModel {
  name: string;
  input: Shape;
  output: Shape;
  /** `[method, uri template, status]` of REST operations (`['POST', '/2015-03-31/functions/{FunctionName}/invocations', 200]`). */
  http?: readonly [string, string, number];
}

export interface ErrorModel {
  code: string;
  status: number;
  senderFault: boolean;
}

const OPERATION = 9;
const ERROR = -3;

type StaticSchema = readonly [number, string, string, unknown, ...unknown[]];

const isStatic = (value: unknown, tag: number): value is StaticSchema =>
  Array.isArray(value) && value[0] === tag && typeof value[2] === 'string';

const traitsOf = (schema: StaticSchema): Record<string, unknown> =>
  typeof schema[3] === 'object' && schema[3] !== null ? (schema[3] as Record<string, unknown>) : {};

const operationCache = new WeakMap<ServiceModel, Map<string, OperationModel>>();

/** Every operation of the model, by name. */
export function operationModels(model: ServiceModel): Map<string, OperationModel> {
  let operations = operationCache.get(model);
  if (operations) return operations;
  operations = new Map();
  for (const value of Object.values(model)) {
    if (!isStatic(value, OPERATION)) continue;
    const http = traitsOf(value).http as OperationModel['http'] | undefined;
    operations.set(value[2], {
      name: value[2],
      input: NormalizedSchema.of(value[4] as never),
      output: NormalizedSchema.of(value[5] as never),
      ...(http ? { http } : {}),
    });
  }
  operationCache.set(model, operations);
  return operations;
}

export const operationModel = (model: ServiceModel, operation: string): OperationModel | undefined =>
  operationModels(model).get(operation);

const errorCache = new WeakMap<ServiceModel, Map<string, ErrorModel>>();

/**
 * The HTTP status and fault of a modelled error, by its wire code: the AWS Query code (`ChangeSetNotFound`, 404)
 * or the shape name (`ExecutionDoesNotExist`, 400). Undefined for codes the model does not declare.
 */
export function errorModel(model: ServiceModel, code: string): ErrorModel | undefined {
  let errors = errorCache.get(model);
  if (!errors) {
    errors = new Map();
    for (const value of Object.values(model)) {
      if (!isStatic(value, ERROR)) continue;
      const traits = traitsOf(value);
      const query = traits.awsQueryError as [string, number] | undefined;
      const senderFault = traits.error !== 'server';
      const status = query?.[1] ?? (traits.httpError as number | undefined) ?? (senderFault ? 400 : 500);
      const entry = { code: query?.[0] ?? value[2], status, senderFault };
      errors.set(entry.code, entry);
    }
    errorCache.set(model, errors);
  }
  return errors.get(code);
}

/** The members of a structure shape, in model order. */
export const membersOf = (shape: Shape | undefined): [string, Shape][] =>
  shape?.isStructSchema() ? [...shape.structIterator()] : [];

/** A structure's member shape, or undefined (for members the model does not know). */
export const memberOf = (shape: Shape | undefined, name: string): Shape | undefined =>
  shape?.isStructSchema() && Object.hasOwn(shape.getMemberSchemas(), name) ? shape.getMemberSchema(name) : undefined;
