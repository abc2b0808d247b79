import { AwsServiceError } from '../aws-error';
import type { LocalRequest, ServiceHandler } from '../contracts';
import type { LogSink } from '../log';
import { authorizeCall, failureOf, newCall, type Operation } from './call';
import { encodeJsonValue, jsonErrorResponse } from './json';
import { membersOf, type OperationModel, operationModel, type ServiceModel, type Shape } from './shapes';

// REST-JSON (Lambda …): the operation is found from its HTTP binding in the model (`POST
// /2015-03-31/functions/{FunctionName}/invocations`); labels, query parameters, headers and the payload become the
// input, and the output's header, status-code and payload members go back where the model binds them.

interface Route {
  operation: OperationModel;
  method: string;
  segments: string[];
  query: [string, string | undefined][];
}

const JSON_TYPE = 'application/json';

const compile = (operation: OperationModel): Route | undefined => {
  if (!operation.http) return undefined;
  const [method, uri] = operation.http;
  const [path = '', query = ''] = uri.split('?');
  return {
    operation,
    method,
    segments: path.split('/').filter(Boolean),
    query: query
      .split('&')
      .filter(Boolean)
      .map((pair) => [pair.split('=')[0]!, pair.includes('=') ? pair.slice(pair.indexOf('=') + 1) : undefined]),
  };
};

/** The path labels when the route matches (`{Name}` one segment, `{Name+}` the rest), else undefined. */
const matchRoute = (route: Route, request: LocalRequest, segments: string[]): Record<string, string> | undefined => {
  if (route.method !== request.method) return undefined;
  if (
    !route.query.every(
      ([name, value]) => request.query.has(name) && (value === undefined || request.query.get(name) === value),
    )
  )
    return undefined;
  const labels: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i += 1) {
    const pattern = route.segments[i]!;
    const label = /^\{(\w+)(\+?)\}$/.exec(pattern);
    if (label?.[2] === '+') {
      if (i >= segments.length) return undefined;
      labels[label[1]!] = segments.slice(i).join('/');
      return labels;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (label) labels[label[1]!] = segment;
    else if (pattern !== segment) return undefined;
  }
  return segments.length === route.segments.length ? labels : undefined;
};

const scalar = (text: string, shape: Shape): unknown => {
  if (shape.isBooleanSchema()) return text === 'true';
  if (shape.isNumericSchema()) return Number(text);
  if (shape.isTimestampSchema()) return new Date(text);
  return text;
};

/** The operation input from the request, member by member as the model binds them. */
const decodeInput = (operation: OperationModel, request: LocalRequest, labels: Record<string, string>) => {
  const input: Record<string, unknown> = {};
  let bodyMembers = false;
  for (const [name, member] of membersOf(operation.input)) {
    const traits = member.getMergedTraits();
    if (traits.httpLabel) {
      if (labels[name] !== undefined) input[name] = labels[name];
    } else if (traits.httpQuery) {
      const values = request.query.getAll(traits.httpQuery);
      if (values.length > 0)
        input[name] = member.isListSchema()
          ? values.map((value) => scalar(value, member.getValueSchema()))
          : scalar(values[0]!, member);
    } else if (traits.httpHeader) {
      const value = request.headers[traits.httpHeader.toLowerCase()];
      if (value !== undefined) input[name] = scalar(value, member);
    } else if (traits.httpPayload) {
      if (request.body.length > 0) input[name] = member.isBlobSchema() ? request.body : parseJson(request.body);
    } else bodyMembers = true;
  }
  if (bodyMembers && request.body.length > 0) Object.assign(input, parseJson(request.body));
  return input;
};

const parseJson = (body: Buffer): Record<string, unknown> => {
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new AwsServiceError(
      'SerializationException',
      `The request body is not valid JSON: ${(error as Error).message}`,
      400,
    );
  }
};

export interface RestJsonServiceOptions {
  serviceName: string;
  model: ServiceModel;
  operations: Readonly<Record<string, Operation>>;
  /** Where internal failures are logged; without it they go up to the router, which logs them with the cloud's sink. */
  log?: LogSink;
}

/** A REST-JSON front end whose routes, input bindings and output bindings all come from the service model. */
export function createRestJsonService(options: RestJsonServiceOptions): ServiceHandler {
  const routes = Object.keys(options.operations).map((name) => {
    const operation = operationModel(options.model, name);
    const route = operation && compile(operation);
    if (!route) throw new Error(`The ${options.serviceName} model has no HTTP binding for ${name}`);
    return route;
  });
  // The most specific route wins: more literal segments and query constraints first.
  routes.sort((a, b) => b.query.length - a.query.length || b.segments.length - a.segments.length);
  return async (request) => {
    const call = newCall(request);
    const segments = request.path
      .split('/')
      .filter(Boolean)
      .map((segment) => decodeURIComponent(segment));
    let operationName: string | undefined;
    try {
      const matched = routes
        .map((route) => ({ route, labels: matchRoute(route, request, segments) }))
        .find((candidate) => candidate.labels !== undefined);
      if (!matched) {
        throw new AwsServiceError(
          'UnknownOperationException',
          `The local ${options.serviceName} does not implement ${request.method} ${request.path} (supported: ${Object.keys(options.operations).join(', ')})`,
          400,
        );
      }
      const { operation } = matched.route;
      operationName = operation.name;
      const input = decodeInput(operation, request, matched.labels!);
      await authorizeCall(request, operation.name, input);
      const output = ((await options.operations[operation.name]!(input, call)) ?? {}) as Record<string, unknown>;
      let status = operation.http![2];
      const headers: Record<string, string> = { 'x-amzn-requestid': call.requestId };
      const body: Record<string, unknown> = {};
      let payload: string | Uint8Array | undefined;
      for (const [name, member] of membersOf(operation.output)) {
        const value = output[name];
        if (value === undefined || value === null) continue;
        const traits = member.getMergedTraits();
        if (traits.httpResponseCode) status = Number(value);
        else if (traits.httpHeader) headers[traits.httpHeader.toLowerCase()] = String(value);
        else if (traits.httpPayload)
          payload = value instanceof Uint8Array || typeof value === 'string' ? value : JSON.stringify(value);
        else body[name] = encodeJsonValue(value, member);
      }
      const response = payload ?? (Object.keys(body).length > 0 ? JSON.stringify(body) : undefined);
      return {
        status,
        headers: { ...(response === undefined ? {} : { 'content-type': JSON_TYPE }), ...headers, ...call.headers },
        ...(response === undefined ? {} : { body: response }),
      };
    } catch (error) {
      return jsonErrorResponse(failureOf(error, options, operationName, call.requestId), JSON_TYPE, call.requestId);
    }
  };
}
