import { randomUUID } from 'node:crypto';
import type { LocalRequest, LocalResponse, ServiceHandler } from '../contracts';
import type { CloudFormationEngine } from './engine';
import { CloudFormationError } from './errors';

export const CLOUDFORMATION_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';

// Query-protocol members that are booleans or numbers; everything else stays a string.
const BOOLEAN_MEMBERS = new Set([
  'IncludeNestedStacks',
  'UsePreviousValue',
  'UsePreviousTemplate',
  'DisableRollback',
  'EnableTerminationProtection',
  'RetainExceptOnCreate',
  'ImportExistingResources',
  'IncludePropertyValues',
]);
const NUMBER_MEMBERS = new Set(['TimeoutInMinutes', 'MaxResults']);

type FormValue = string | boolean | number | FormObject | FormValue[];
interface FormObject {
  [key: string]: FormValue;
}

/**
 * Decodes AWS Query form members into an input object: `Parameters.member.2.ParameterKey=x` becomes
 * `{ Parameters: [, { ParameterKey: 'x' }] }` (lists are compacted afterwards).
 */
const LIST_MEMBERS = new Set([
  'Tags',
  'Capabilities',
  'Parameters',
  'NotificationARNs',
  'ResourceTypes',
  'StackStatusFilter',
  'RetainResources',
  'ResourcesToImport',
  'ResourcesToSkip',
]);

export const decodeQueryMembers = (form: URLSearchParams): Record<string, unknown> => {
  const root: FormObject = {};
  for (const [key, raw] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const segments = key.split('.');
    const path: (string | number)[] = [];
    for (let i = 0; i < segments.length; i += 1) {
      const segment = segments[i]!;
      if (segment === 'member' && /^\d+$/.test(segments[i + 1] ?? '')) {
        path.push(Number(segments[i + 1]) - 1);
        i += 1;
      } else path.push(segment);
    }
    const leaf = path[path.length - 1];
    // The SDK sends an empty list as `Tags=` (no members).
    if (path.length === 1 && typeof leaf === 'string' && LIST_MEMBERS.has(leaf) && raw === '') {
      root[leaf] = [];
      continue;
    }
    const value: FormValue =
      typeof leaf === 'string' && BOOLEAN_MEMBERS.has(leaf)
        ? raw === 'true'
        : typeof leaf === 'string' && NUMBER_MEMBERS.has(leaf)
          ? Number(raw)
          : raw;
    let node: FormObject | FormValue[] = root;
    path.forEach((segment, index) => {
      const last = index === path.length - 1;
      const container = node as Record<string | number, FormValue>;
      if (last) container[segment] = value;
      else {
        container[segment] ??= typeof path[index + 1] === 'number' ? [] : {};
        node = container[segment] as FormObject | FormValue[];
      }
    });
  }
  const compact = (value: FormValue): FormValue => {
    if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(compact);
    if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compact(v)]));
    return value;
  };
  return compact(root) as Record<string, unknown>;
};

const escapeXml = (text: string): string =>
  text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    // Carriage returns survive XML parsing only as character references.
    .replace(/\r/g, '&#xD;');

/** Serializes an output object the way the Query protocol does: list items as `<member>`, dates in ISO 8601. */
export const toXml = (value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${toXml(item)}</member>`).join('');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([key, child]) => child !== undefined && child !== null && key !== '$metadata')
      .map(([key, child]) => `<${key}>${toXml(child)}</${key}>`)
      .join('');
  }
  return escapeXml(String(value));
};

type ActionHandler = (engine: CloudFormationEngine, input: never) => Promise<unknown>;

const ACTIONS: Record<string, ActionHandler> = {
  CreateStack: (e, i) => e.createStack(i),
  UpdateStack: (e, i) => e.updateStack(i),
  DeleteStack: (e, i) => e.deleteStack(i),
  DescribeStacks: (e, i) => e.describeStacks(i),
  ListStacks: (e, i) => e.listStacks(i),
  DescribeStackEvents: (e, i) => e.describeStackEvents(i),
  DescribeStackResources: (e, i) => e.describeStackResources(i),
  ListStackResources: (e, i) => e.listStackResources(i),
  DescribeStackResource: (e, i) => e.describeStackResource(i),
  GetTemplate: (e, i) => e.getTemplate(i),
  ValidateTemplate: (e, i) => e.validateTemplate(i),
  CreateChangeSet: (e, i) => e.createChangeSet(i),
  DescribeChangeSet: (e, i) => e.describeChangeSet(i),
  ListChangeSets: (e, i) => e.listChangeSets(i),
  ExecuteChangeSet: (e, i) => e.executeChangeSet(i),
  DeleteChangeSet: (e, i) => e.deleteChangeSet(i),
  ListExports: (e, i) => e.listExports(i),
};

export const SUPPORTED_ACTIONS: readonly string[] = Object.keys(ACTIONS);

const xmlResponse = (status: number, requestId: string, body: string): LocalResponse => ({
  status,
  headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
});

const errorResponse = (
  requestId: string,
  status: number,
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
): LocalResponse =>
  xmlResponse(
    status,
    requestId,
    `<ErrorResponse xmlns="${CLOUDFORMATION_XMLNS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );

/** The AWS Query front end of the engine: form-encoded POST (or GET query) in, XML out. */
export const createQueryHandler =
  (engine: CloudFormationEngine): ServiceHandler =>
  async (request: LocalRequest) => {
    const requestId = randomUUID();
    const form = new URLSearchParams(request.query);
    if (request.body.length > 0)
      for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) form.append(key, value);
    const action = form.get('Action');
    if (!action) return errorResponse(requestId, 400, 'Sender', 'MissingAction', 'Missing Action');
    const handler = ACTIONS[action];
    if (!handler)
      return errorResponse(
        requestId,
        400,
        'Sender',
        'InvalidAction',
        `The action ${action} is not valid for this web service.`,
      );
    try {
      const output = await handler(engine, decodeQueryMembers(form) as never);
      return xmlResponse(
        200,
        requestId,
        `<${action}Response xmlns="${CLOUDFORMATION_XMLNS}"><${action}Result>${toXml(output)}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
    } catch (error) {
      if (error instanceof CloudFormationError)
        return errorResponse(requestId, error.status, 'Sender', error.code, error.message);
      console.error(
        JSON.stringify({
          service: 'cloudformation',
          action,
          requestId,
          event: 'internal-error',
          error: (error as Error).stack ?? String(error),
        }),
      );
      return errorResponse(
        requestId,
        500,
        'Receiver',
        'InternalFailure',
        `The local CloudFormation failed on ${action}: ${(error as Error).message}`,
      );
    }
  };
