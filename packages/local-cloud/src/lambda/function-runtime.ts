import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { AwsServiceError } from '../aws-error';
import type { FaultInjector } from '../faults';
import type { FunctionRuntime, InvokeResult, LocalFunctionDefinition, ObjectStore } from '../contracts';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, functionArn } from '../contracts';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { BOOTSTRAP, FunctionContainer, type ContainerOutcome } from './container';

/** What the local Lambda keeps per function (persisted in `<stateDir>/state/lambda.json`). */
export interface FunctionRecord {
  definition: LocalFunctionDefinition;
  functionArn: string;
  /** Base64 SHA-256 of the deployment package, as Lambda reports `CodeSha256`. */
  codeSha256: string;
  codeSize: number;
  /** The extracted code, relative to the state folder: `lambda/<functionName>/<hash>`. */
  codeDir: string;
  lastModified: string;
  revisionId: string;
}

export interface LocalInvokeResult extends InvokeResult {
  requestId: string;
}

export interface LocalFunctionRuntime extends FunctionRuntime {
  invoke(functionNameOrArn: string, payload: unknown): Promise<LocalInvokeResult>;
  getFunction(functionNameOrArn: string): FunctionRecord | undefined;
  listFunctions(): FunctionRecord[];
  /** Fault injection (`crash-caller`): SIGKILLs the running invocations whose code signs with this key; how many. */
  crashInvocationsOf(accessKeyId: string): number;
  /** Kills invocations still running (used by `LocalCloud.close()`). */
  close(): Promise<void>;
}

export interface FunctionRuntimeOptions {
  stateDir: string;
  objects: ObjectStore;
  /** The local cloud's endpoint, handed to the functions as AWS_ENDPOINT_URL (known once the server listens). */
  endpoint: () => string;
  /** The access key a function's code runs with: the one the cloud issued to its execution role. */
  credentialsForRole: (roleArn: string) => { accessKeyId: string; secretAccessKey: string };
  log?: (line: string) => void;
  /** Fault injection: crashes and timeouts of invocations (src/faults.ts); off by default. */
  faults?: FaultInjector;
}

/** What a function without a `Role` runs as: a role nobody defined, so IAM allows it nothing. */
export const NO_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local-cloud-function-without-role`;

interface LambdaState {
  functions: Record<string, FunctionRecord>;
}

/** How long an idle warm container is kept (Lambda keeps them for minutes too). */
const IDLE_CONTAINER_MS = 5 * 60_000;
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([a-zA-Z0-9_-]+)(?::[$a-zA-Z0-9_-]+)?$/;
const PARTIAL_ARN = /^\d{12}:function:([a-zA-Z0-9_-]+)(?::[$a-zA-Z0-9_-]+)?$/;
const QUALIFIED_NAME = /^([a-zA-Z0-9_-]+)(?::[$a-zA-Z0-9_-]+)?$/;

/** `name`, `name:qualifier`, a full or partial function ARN → the function name (qualifiers all mean $LATEST here). */
export function functionNameOf(identifier: string): string {
  const match = ARN.exec(identifier) ?? PARTIAL_ARN.exec(identifier) ?? QUALIFIED_NAME.exec(identifier);
  if (!match?.[1]) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${identifier}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`,
      400,
    );
  }
  return match[1];
}

const notFound = (name: string): AwsServiceError =>
  new AwsServiceError('ResourceNotFoundException', `Function not found: ${functionArn(name)}`, 404, { Type: 'User' });

function validateDefinition(def: LocalFunctionDefinition): void {
  const invalid = (message: string): AwsServiceError =>
    new AwsServiceError('InvalidParameterValueException', message, 400, { Type: 'User' });
  if (!FUNCTION_NAME.test(def.functionName)) {
    throw invalid(`Function name "${def.functionName}" is invalid: use 1-64 letters, numbers, hyphens or underscores`);
  }
  if (!def.handler || !def.handler.includes('.'))
    throw invalid(`Handler "${def.handler}" of ${def.functionName} is invalid: expected <file>.<export>`);
  if (!Number.isFinite(def.timeoutSeconds) || def.timeoutSeconds < 1 || def.timeoutSeconds > 900) {
    throw invalid(
      `Timeout ${def.timeoutSeconds} of ${def.functionName} is invalid: it must be between 1 and 900 seconds`,
    );
  }
  for (const [name, value] of Object.entries(def.environment)) {
    if (typeof value !== 'string')
      throw invalid(`Environment variable ${name} of ${def.functionName} must be a string`);
  }
}

const isZip = (bytes: Uint8Array): boolean =>
  bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;

/** The deployment package's files: the S3 zip, or inline `ZipFile` source (written as `index.js`, as CloudFormation does). */
async function loadPackage(
  def: LocalFunctionDefinition,
  objects: ObjectStore,
): Promise<{ bytes: Uint8Array; files: Record<string, Uint8Array> }> {
  const invalid = (message: string): AwsServiceError =>
    new AwsServiceError('InvalidParameterValueException', message, 400, { Type: 'User' });
  let bytes: Uint8Array;
  if ('s3Bucket' in def.code) {
    const { s3Bucket, s3Key } = def.code;
    let found: Uint8Array | undefined;
    try {
      found = await objects.getObject(s3Bucket, s3Key);
    } catch (error) {
      const code = error instanceof AwsServiceError ? error.code : 'InternalError';
      throw invalid(
        `Error occurred while GetObject. S3 Error Code: ${code}. S3 Error Message: ${(error as Error).message} (s3://${s3Bucket}/${s3Key})`,
      );
    }
    if (!found)
      throw invalid(
        `Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (s3://${s3Bucket}/${s3Key})`,
      );
    bytes = found;
  } else {
    const decoded = Buffer.from(def.code.zipFile, 'base64');
    if (isZip(decoded)) bytes = decoded;
    else {
      const source = new TextEncoder().encode(def.code.zipFile);
      return { bytes: source, files: { 'index.js': source } };
    }
  }
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (error) {
    throw invalid(`Could not unzip uploaded file of ${def.functionName}: ${(error as Error).message}`);
  }
  const files: Record<string, Uint8Array> = {};
  for (const [name, content] of Object.entries(entries)) {
    if (name.endsWith('/')) continue;
    const normalized = path.posix.normalize(name);
    if (normalized.startsWith('../') || path.posix.isAbsolute(normalized))
      throw invalid(`The deployment package of ${def.functionName} has an unsafe entry path "${name}"`);
    files[normalized] = content;
  }
  return { bytes, files };
}

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest();

export function createFunctionRuntime(options: FunctionRuntimeOptions): LocalFunctionRuntime {
  const { stateDir, objects } = options;
  const log = options.log ?? ((): void => undefined);
  const file = stateFile(stateDir, 'lambda');
  const state = readJsonState<LambdaState>(file, { functions: {} });
  // Warm containers per function code version, as Lambda keeps execution environments between invocations.
  const idle = new Map<string, FunctionContainer[]>();
  // Running containers and the access key their code signs with (what a crash-caller fault finds them by).
  const busy = new Map<FunctionContainer, string>();
  let closed = false;
  const containerKey = (record: FunctionRecord): string =>
    `${record.definition.functionName}\u0000${record.revisionId}`;
  const currentRecord = (name: string): FunctionRecord | undefined =>
    Object.hasOwn(state.functions, name) ? state.functions[name] : undefined;
  const takeIdle = (key: string): FunctionContainer | undefined => {
    const list = idle.get(key) ?? [];
    let container: FunctionContainer | undefined;
    while ((container = list.pop()) && !container.alive);
    return container;
  };
  const park = (key: string, container: FunctionContainer): void => {
    const list = idle.get(key) ?? [];
    list.push(container);
    idle.set(key, list);
    container.park(IDLE_CONTAINER_MS, () => {
      const current = idle.get(key);
      if (current)
        idle.set(
          key,
          current.filter((candidate) => candidate !== container),
        );
    });
  };
  /** New code or configuration: the function's warm containers are discarded (busy ones finish first). */
  const retire = (functionName: string): void => {
    for (const [key, list] of idle) {
      if (!key.startsWith(`${functionName}\u0000`)) continue;
      for (const container of list) container.kill();
      idle.delete(key);
    }
  };
  const save = (): void => writeJsonState(file, state);

  /** Extracts a package once per content hash into `lambda/<name>/<hash>/` (temp folder + rename: never half-written). */
  const install = async (
    def: LocalFunctionDefinition,
  ): Promise<Pick<FunctionRecord, 'codeSha256' | 'codeSize' | 'codeDir'>> => {
    const { bytes, files } = await loadPackage(def, objects);
    const digest = sha256(bytes);
    const codeDir = path.posix.join('lambda', def.functionName, digest.toString('hex').slice(0, 16));
    const target = path.join(stateDir, codeDir);
    if (!existsSync(target)) {
      const temp = `${target}.${randomUUID()}.tmp`;
      for (const [name, content] of Object.entries(files)) {
        const destination = path.join(temp, ...name.split('/'));
        await mkdir(path.dirname(destination), { recursive: true, mode: 0o700 });
        await writeFile(destination, content, { mode: 0o600 });
      }
      await mkdir(temp, { recursive: true, mode: 0o700 });
      try {
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { recursive: true, force: true });
        if (!existsSync(target)) throw error;
      }
    }
    return { codeSha256: digest.toString('base64'), codeSize: bytes.length, codeDir };
  };

  const store = async (def: LocalFunctionDefinition): Promise<{ functionArn: string }> => {
    validateDefinition(def);
    const code = await install(def);
    retire(def.functionName);
    state.functions[def.functionName] = {
      definition: { ...def, environment: { ...def.environment } },
      functionArn: functionArn(def.functionName),
      ...code,
      lastModified: new Date().toISOString(),
      revisionId: randomUUID(),
    };
    save();
    return { functionArn: functionArn(def.functionName) };
  };

  const getFunction = (identifier: string): FunctionRecord | undefined => {
    const name = functionNameOf(identifier);
    return Object.hasOwn(state.functions, name) ? state.functions[name] : undefined;
  };

  const invoke = async (identifier: string, payload: unknown): Promise<LocalInvokeResult> => {
    const record = getFunction(identifier);
    if (!record) throw notFound(functionNameOf(identifier));
    const def = record.definition;
    if (!def.runtime.startsWith('nodejs')) {
      throw new AwsServiceError(
        'InvalidRuntimeException',
        `The runtime ${def.runtime} of ${def.functionName} is not supported by the local cloud (Node.js runtimes only)`,
        502,
        { Type: 'User' },
      );
    }
    const taskRoot = path.join(stateDir, record.codeDir);
    if (!existsSync(taskRoot)) await install(def);
    const requestId = randomUUID();
    const endpoint = options.endpoint();
    const roleKey = options.credentialsForRole(def.role ?? NO_ROLE_ARN);
    const logStream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`;
    const env: Record<string, string> = {
      ...def.environment,
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      // The execution role's key, as Lambda hands its code the role's session.
      AWS_ACCESS_KEY_ID: roleKey.accessKeyId,
      AWS_SECRET_ACCESS_KEY: roleKey.secretAccessKey,
      AWS_LAMBDA_FUNCTION_NAME: def.functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(def.memorySize ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${def.functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStream,
      AWS_EXECUTION_ENV: `AWS_Lambda_${def.runtime}`,
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: path.dirname(BOOTSTRAP),
    };
    let eventJson: string;
    try {
      eventJson = JSON.stringify(payload === undefined ? {} : payload);
    } catch (error) {
      throw new AwsServiceError(
        'InvalidRequestContentException',
        `Could not serialize the invocation payload as JSON: ${(error as Error).message}`,
        400,
        { Type: 'User' },
      );
    }
    const started = Date.now();
    const timeoutMs = def.timeoutSeconds * 1000;
    const fault = options.faults?.beforeInvoke(def.functionName) ?? 'run';
    if (fault === 'crash-before') {
      const exited: ContainerOutcome = { kind: 'exited', code: null, signal: 'SIGKILL', output: '' };
      return describeOutcome(record, requestId, exited, started);
    }
    const key = containerKey(record);
    const container =
      takeIdle(key) ??
      new FunctionContainer({ cwd: taskRoot, env, onLog: (line) => log(`[${def.functionName}] ${line}`) });
    busy.set(container, roleKey.accessKeyId);
    let outcome: ContainerOutcome;
    try {
      outcome = await container.invoke(
        {
          requestId,
          taskRoot,
          handler: def.handler,
          eventJson,
          deadlineMs: started + timeoutMs,
          context: {
            functionName: def.functionName,
            functionVersion: '$LATEST',
            invokedFunctionArn: record.functionArn,
            memoryLimitInMB: String(def.memorySize ?? 128),
            awsRequestId: requestId,
            logGroupName: `/aws/lambda/${def.functionName}`,
            logStreamName: logStream,
          },
        },
        timeoutMs,
      );
    } finally {
      busy.delete(container);
    }
    if (fault === 'crash-after') container.kill();
    if (container.alive && !closed && currentRecord(def.functionName)?.revisionId === record.revisionId)
      park(key, container);
    else container.kill();
    // An injected fault replaces the answer of a function that did run: its side effects stay, its response is lost.
    if (fault === 'crash-after') outcome = { kind: 'exited', code: null, signal: 'SIGKILL', output: outcome.output };
    if (fault === 'timeout') outcome = { kind: 'timed-out', output: outcome.output };
    return describeOutcome(record, requestId, outcome, started);
  };

  const describeOutcome = (
    record: FunctionRecord,
    requestId: string,
    outcome: ContainerOutcome,
    started: number,
  ): LocalInvokeResult => {
    const def = record.definition;
    const duration = Date.now() - started;

    let result: { functionError?: 'Unhandled'; payload: string };
    let extraLog = '';
    if (outcome.kind === 'answered') {
      result = outcome.ok ? { payload: outcome.payload } : { functionError: 'Unhandled', payload: outcome.payload };
    } else if (outcome.kind === 'timed-out') {
      const message = `Task timed out after ${def.timeoutSeconds.toFixed(2)} seconds`;
      extraLog = `${new Date().toISOString()} ${requestId} ${message}\n`;
      result = {
        functionError: 'Unhandled',
        payload: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: message }),
      };
    } else {
      const status = outcome.signal ? `signal ${outcome.signal}` : `exit status ${outcome.code ?? 'unknown'}`;
      result = {
        functionError: 'Unhandled',
        payload: JSON.stringify({
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${status}`,
        }),
      };
    }
    const output = outcome.output === '' ? '' : `${outcome.output}\n`;
    const logs =
      `START RequestId: ${requestId} Version: $LATEST\n${output}${extraLog}END RequestId: ${requestId}\n` +
      `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(duration))} ms\tMemory Size: ${def.memorySize ?? 128} MB\n`;
    if (result.functionError)
      log(`[${def.functionName}] invocation ${requestId} failed: ${result.payload.slice(0, 500)}`);
    return { statusCode: 200, ...result, logs, requestId };
  };

  return {
    invoke,
    getFunction,
    listFunctions: () =>
      Object.values(state.functions).sort((a, b) => a.definition.functionName.localeCompare(b.definition.functionName)),

    async createFunction(def) {
      if (Object.hasOwn(state.functions, def.functionName)) {
        throw new AwsServiceError('ResourceConflictException', `Function already exist: ${def.functionName}`, 409, {
          Type: 'User',
        });
      }
      return store(def);
    },

    async updateFunction(def) {
      if (!Object.hasOwn(state.functions, def.functionName)) throw notFound(def.functionName);
      return store(def);
    },

    async deleteFunction(identifier) {
      const name = functionNameOf(identifier);
      if (!Object.hasOwn(state.functions, name)) throw notFound(name);
      delete state.functions[name];
      save();
      retire(name);
      await rm(path.join(stateDir, 'lambda', name), { recursive: true, force: true });
    },

    crashInvocationsOf(accessKeyId) {
      const callers = [...busy].filter(([, key]) => key === accessKeyId).map(([container]) => container);
      for (const container of callers) container.kill();
      return callers.length;
    },

    async close() {
      closed = true;
      for (const container of busy.keys()) container.kill();
      for (const list of idle.values()) for (const container of list) container.kill();
      idle.clear();
    },
  };
}
