import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { AwsServiceError } from '../aws-error';
import type { FaultInjector } from '../faults';
import type { FunctionRuntime, InvokeResult, LocalFunctionDefinition, ObjectStore } from '../contracts';
import { LOCAL_ACCOUNT_ID, functionArn } from '../contracts';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import { FunctionContainer, type ContainerOutcome } from './container';
import { ContainerPool } from './container-pool';
import { installPackage, type InstalledPackage } from './function-package';
import { describeOutcome, invocationEnvironment, invocationIds, invocationMessage, memorySizeOf } from './invocation';

/** What the local Lambda keeps per function (persisted in `<stateDir>/state/lambda.json`). */
export interface FunctionRecord extends InstalledPackage {
  definition: LocalFunctionDefinition;
  functionArn: string;
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
  /**
   * Starts execution environments of a function before its invocations need them (up to `count` idle ones) and runs
   * their init, as provisioned concurrency does; resolves with how many initialized. Node.js runtimes only.
   */
  prewarm(functionNameOrArn: string, count?: number): Promise<number>;
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

/** Variables the Lambda runtime sets itself: a function's configuration may not set them. */
const RESERVED_ENVIRONMENT = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);
/** Lambda's limit on a function's environment variables, measured as their JSON. */
const ENVIRONMENT_LIMIT_BYTES = 4096;

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
  const memorySize = memorySizeOf(def);
  if (!Number.isInteger(memorySize) || memorySize < 128 || memorySize > 10_240) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value '${memorySize}' at 'memorySize' failed to satisfy constraint: Member must have value ${memorySize < 128 ? 'greater than or equal to 128' : 'less than or equal to 10240'}`,
      400,
    );
  }
  for (const [name, value] of Object.entries(def.environment)) {
    if (typeof value !== 'string')
      throw invalid(`Environment variable ${name} of ${def.functionName} must be a string`);
  }
  const reserved = Object.keys(def.environment).filter((name) => RESERVED_ENVIRONMENT.has(name));
  if (reserved.length > 0) {
    throw invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  const measured = JSON.stringify(def.environment);
  if (Buffer.byteLength(measured) > ENVIRONMENT_LIMIT_BYTES) {
    throw invalid(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured}`,
    );
  }
}

export function createFunctionRuntime(options: FunctionRuntimeOptions): LocalFunctionRuntime {
  const { stateDir, objects } = options;
  const log = options.log ?? ((): void => undefined);
  const file = stateFile(stateDir, 'lambda');
  const state = readJsonState<LambdaState>(file, { functions: {} });
  const pool = new ContainerPool();
  const currentRecord = (name: string): FunctionRecord | undefined =>
    Object.hasOwn(state.functions, name) ? state.functions[name] : undefined;
  const save = (): void => writeJsonState(file, state);

  const store = async (def: LocalFunctionDefinition): Promise<{ functionArn: string }> => {
    validateDefinition(def);
    const code = await installPackage(stateDir, objects, def);
    pool.retire(def.functionName);
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

  /** The function's code folder, unpacked again when it is gone (a state folder copied without it). */
  const codeFolder = async (record: FunctionRecord): Promise<string> => {
    const taskRoot = path.join(stateDir, record.codeDir);
    if (!existsSync(taskRoot)) await installPackage(stateDir, objects, record.definition);
    return taskRoot;
  };

  /** A new execution environment of the function: a Node.js process in its code folder, with its role's key. */
  const newContainer = (
    record: FunctionRecord,
    ids: ReturnType<typeof invocationIds>,
    taskRoot: string,
    roleKey: ReturnType<FunctionRuntimeOptions['credentialsForRole']>,
  ): FunctionContainer =>
    new FunctionContainer({
      cwd: taskRoot,
      env: invocationEnvironment(record, ids, { taskRoot, endpoint: options.endpoint(), roleKey }),
      onLog: (line) => log(`[${record.definition.functionName}] ${line}`),
      memorySizeMb: memorySizeOf(record.definition),
    });

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
    const taskRoot = await codeFolder(record);
    const ids = invocationIds(randomUUID());
    const { requestId } = ids;
    const roleKey = options.credentialsForRole(def.role ?? NO_ROLE_ARN);
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
      return describeOutcome(record, requestId, exited, started, log);
    }
    const key = ContainerPool.key(def.functionName, record.revisionId);
    const container = pool.take(key) ?? newContainer(record, ids, taskRoot, roleKey);
    pool.enter(container, roleKey.accessKeyId);
    let outcome: ContainerOutcome;
    try {
      outcome = await container.invoke(
        invocationMessage(record, ids, { taskRoot, eventJson, deadlineMs: started + timeoutMs }),
        timeoutMs,
      );
    } finally {
      pool.leave(container);
    }
    if (fault === 'crash-after') container.kill();
    if (currentRecord(def.functionName)?.revisionId === record.revisionId) pool.park(key, container);
    else container.kill();
    // An injected fault replaces the answer of a function that did run: its side effects stay, its response is lost.
    if (fault === 'crash-after') outcome = { kind: 'exited', code: null, signal: 'SIGKILL', output: outcome.output };
    if (fault === 'timeout') outcome = { kind: 'timed-out', output: outcome.output };
    return describeOutcome(record, requestId, outcome, started, log);
  };

  const prewarm = async (identifier: string, count = 1): Promise<number> => {
    const record = getFunction(identifier);
    if (!record) throw notFound(functionNameOf(identifier));
    const def = record.definition;
    if (!def.runtime.startsWith('nodejs')) return 0;
    const taskRoot = await codeFolder(record);
    const key = ContainerPool.key(def.functionName, record.revisionId);
    const roleKey = options.credentialsForRole(def.role ?? NO_ROLE_ARN);
    const initializing = Array.from({ length: Math.max(0, count - pool.idleCount(key)) }, () => {
      const container = newContainer(record, invocationIds(randomUUID()), taskRoot, roleKey);
      const initialized = container.prewarm({ taskRoot, handler: def.handler });
      // Idle at once: an invocation arriving during the init takes it and waits for that init, as on Lambda.
      pool.park(key, container);
      return initialized;
    });
    return (await Promise.all(initializing)).filter(Boolean).length;
  };

  return {
    invoke,
    prewarm,
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
      pool.retire(name);
      await rm(path.join(stateDir, 'lambda', name), { recursive: true, force: true });
    },

    crashInvocationsOf: (accessKeyId) => pool.killBusySignedBy(accessKeyId),

    async close() {
      pool.close();
    },
  };
}
