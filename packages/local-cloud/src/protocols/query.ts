import { AwsServiceError } from '../aws-error';
import type { LocalResponse, ServiceHandler } from '../contracts';
import type { LogSink } from '../log';
import { authorizeCall, failureOf, newCall, type Operation } from './call';
import { memberOf, membersOf, operationModel, type ServiceModel, type Shape } from './shapes';
import { escapeXml } from './xml';

// The AWS Query protocol (CloudFormation, STS, IAM …): form-encoded members in, XML out. Member types (lists,
// booleans, numbers, timestamps, maps) come from the operation's input and output shapes.

type FormValue = string | FormValue[] | { [key: string]: FormValue };
type FormObject = Record<string, FormValue>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/** `Parameters.member.2.ParameterKey=x` → `{ Parameters: [, { ParameterKey: 'x' }] }`; `entry.N` indexes maps alike. */
const formTree = (form: URLSearchParams): FormObject => {
  const root: FormObject = {};
  for (const [key, raw] of form) {
    if (key === 'Action' || key === 'Version') continue;
    const segments = key.split('.');
    const path: (string | number)[] = [];
    for (let i = 0; i < segments.length; i += 1) {
      const segment = segments[i]!;
      if ((segment === 'member' || segment === 'entry') && /^\d+$/.test(segments[i + 1] ?? '')) {
        path.push(Number(segments[i + 1]) - 1);
        i += 1;
      } else path.push(segment);
    }
    let node: FormObject | FormValue[] = root;
    path.forEach((segment, index) => {
      const container = node as Record<string | number, FormValue>;
      if (index === path.length - 1) container[segment] = raw;
      else {
        const existing = container[segment];
        if (typeof existing !== 'object') container[segment] = typeof path[index + 1] === 'number' ? [] : {};
        node = container[segment] as FormObject | FormValue[];
      }
    });
  }
  return root;
};

const compactList = (value: FormValue[]): FormValue[] => value.filter((item) => item !== undefined);

/** A raw form value as the shape says: lists, maps, booleans, numbers and timestamps; unknown members stay text. */
const coerce = (value: FormValue, shape: Shape | undefined): unknown => {
  if (shape?.isListSchema()) {
    // The SDK sends an empty list as `Tags=` (no members); a flattened list numbers its items directly.
    if (value === '') return [];
    const items = Array.isArray(value) ? compactList(value) : isObject(value) ? Object.values(value) : [value];
    return items.map((item) => coerce(item, shape.getValueSchema()));
  }
  if (shape?.isMapSchema()) {
    if (value === '') return {};
    const entries = Array.isArray(value) ? compactList(value) : [];
    return Object.fromEntries(
      entries
        .filter((entry): entry is FormObject => isObject(entry))
        .map((entry) => [String(entry.key ?? ''), coerce(entry.value ?? '', shape.getValueSchema())]),
    );
  }
  if (Array.isArray(value)) return compactList(value).map((item) => coerce(item, undefined));
  if (isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, coerce(child, memberOf(shape, key))]));
  }
  if (shape?.isBooleanSchema()) return value === 'true';
  if (shape?.isNumericSchema()) return Number(value);
  if (shape?.isTimestampSchema()) return new Date(value);
  return value;
};

/** Decodes AWS Query form members into an operation's input, typed by the input shape when there is one. */
export const decodeQueryForm = (form: URLSearchParams, input?: Shape): Record<string, unknown> =>
  coerce(formTree(form), input) as Record<string, unknown>;

const elementName = (name: string, shape: Shape | undefined): string =>
  (shape?.getMergedTraits().xmlName as string | undefined) ?? name;

/**
 * Serializes an output value as the Query protocol does: members in shape order (then any extra ones), list items as
 * `<member>` (or the list's own member name), maps as `<entry><key/><value/></entry>`, timestamps in ISO 8601.
 */
export const encodeQueryXml = (value: unknown, shape?: Shape): string => {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (Array.isArray(value)) {
    const item = shape?.isListSchema() ? shape.getValueSchema() : undefined;
    const name = (item?.getMemberTraits().xmlName as string | undefined) ?? 'member';
    return value.map((child) => `<${name}>${encodeQueryXml(child, item)}</${name}>`).join('');
  }
  if (isObject(value)) {
    if (shape?.isMapSchema()) {
      return Object.entries(value)
        .map(
          ([key, child]) =>
            `<entry><key>${escapeXml(key)}</key><value>${encodeQueryXml(child, shape.getValueSchema())}</value></entry>`,
        )
        .join('');
    }
    const known = membersOf(shape).map(([name]) => name);
    const names = [...known.filter((name) => name in value), ...Object.keys(value).filter((k) => !known.includes(k))];
    return names
      .filter((name) => value[name] !== undefined && value[name] !== null && name !== '$metadata')
      .map((name) => {
        const member = memberOf(shape, name);
        const child = value[name];
        if (Array.isArray(child) && member?.getMergedTraits().xmlFlattened) {
          const item = member.getValueSchema();
          return child.map((entry) => `<${name}>${encodeQueryXml(entry, item)}</${name}>`).join('');
        }
        const element = elementName(name, member);
        return `<${element}>${encodeQueryXml(child, member)}</${element}>`;
      })
      .join('');
  }
  if (shape?.isTimestampSchema() && typeof value === 'string') return new Date(value).toISOString();
  return escapeXml(String(value));
};

const xmlResponse = (status: number, requestId: string, body: string): LocalResponse => ({
  status,
  headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
  body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
});

/** `<ErrorResponse>` with Type (Sender/Receiver), Code, Message and RequestId, as Query services answer errors. */
export const queryErrorResponse = (error: AwsServiceError, requestId: string, xmlns?: string): LocalResponse =>
  xmlResponse(
    error.statusCode,
    requestId,
    `<ErrorResponse${xmlns ? ` xmlns="${xmlns}"` : ''}><Error><Type>${error.senderFault ? 'Sender' : 'Receiver'}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  );

export interface QueryServiceOptions {
  /** For messages: `CloudFormation`. */
  serviceName: string;
  /** The response namespace (`http://cloudformation.amazonaws.com/doc/2010-05-15/`). */
  xmlns: string;
  model: ServiceModel;
  operations: Readonly<Record<string, Operation>>;
  /** Where internal failures are logged; without it they go up to the router, which logs them with the cloud's sink. */
  log?: LogSink;
}

/** An AWS Query front end: form-encoded POST (or GET query) in, `<ActionResponse><ActionResult>` XML out. */
export function createQueryService(options: QueryServiceOptions): ServiceHandler {
  return async (request) => {
    const call = newCall(request);
    const form = new URLSearchParams(request.query);
    if (request.body.length > 0)
      for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) form.append(key, value);
    const action = form.get('Action');
    try {
      if (!action) throw new AwsServiceError('MissingAction', 'Missing Action', 400);
      const operation = Object.hasOwn(options.operations, action) ? options.operations[action] : undefined;
      if (!operation)
        throw new AwsServiceError('InvalidAction', `The action ${action} is not valid for this web service.`);
      const model = operationModel(options.model, action);
      const input = decodeQueryForm(form, model?.input);
      await authorizeCall(request, action, input);
      const output = await operation(input, call);
      const response = xmlResponse(
        200,
        call.requestId,
        `<${action}Response xmlns="${options.xmlns}"><${action}Result>${encodeQueryXml(output, model?.output)}</${action}Result><ResponseMetadata><RequestId>${call.requestId}</RequestId></ResponseMetadata></${action}Response>`,
      );
      return { ...response, headers: { ...response.headers, ...call.headers } };
    } catch (error) {
      const failure = failureOf(error, options, action, call.requestId, 'action');
      return queryErrorResponse(failure, call.requestId, options.xmlns);
    }
  };
}
