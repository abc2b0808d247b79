// Contracts between the local cloud's services. The CloudFormation engine (src/cloudformation) provisions
// resources through these; the S3, Lambda and Step Functions services (src/s3, src/lambda, src/stepfunctions)
// implement them. Keep this file the one place these shapes are defined.

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';

/** Local S3: buckets are folders under `<stateDir>/s3/<bucket>/`. */
export interface ObjectStore {
  createBucket(bucket: string): Promise<void>;
  /** Throws a `BucketNotEmpty`-named error when the bucket still has objects (as AWS does). */
  deleteBucket(bucket: string): Promise<void>;
  bucketExists(bucket: string): Promise<boolean>;
  putObject(bucket: string, key: string, body: Uint8Array): Promise<void>;
  getObject(bucket: string, key: string): Promise<Uint8Array | undefined>;
  listObjects(bucket: string, prefix?: string): Promise<{ key: string; size: number; lastModified: Date }[]>;
  deleteObject(bucket: string, key: string): Promise<void>;
  /** The folder that holds a bucket's objects (for engines such as DuckDB that read files directly). */
  bucketPath(bucket: string): string;
}

export interface LocalFunctionDefinition {
  functionName: string;
  /** `file.export`, e.g. `src/handlers/trigger.handler` as serverless-esbuild writes it. */
  handler: string;
  runtime: string;
  role?: string;
  timeoutSeconds: number;
  memorySize?: number;
  environment: Record<string, string>;
  code: { s3Bucket: string; s3Key: string } | { zipFile: string };
}

export interface InvokeResult {
  statusCode: number;
  /** Set when the handler threw: AWS's `X-Amz-Function-Error: Unhandled`. */
  functionError?: 'Unhandled';
  /** JSON text of the handler's result, or of `{ errorType, errorMessage, trace }` when it threw. */
  payload: string;
  logs: string;
}

/** Local Lambda: runs the packaged bundles with each function's environment. */
export interface FunctionRuntime {
  createFunction(def: LocalFunctionDefinition): Promise<{ functionArn: string }>;
  updateFunction(def: LocalFunctionDefinition): Promise<{ functionArn: string }>;
  deleteFunction(functionName: string): Promise<void>;
  invoke(functionNameOrArn: string, payload: unknown): Promise<InvokeResult>;
}

/** Local Step Functions: runs the real ASL through aws-local-stepfunctions. */
export interface StateMachineRegistry {
  createStateMachine(def: { name: string; definition: string; roleArn?: string }): Promise<{ stateMachineArn: string }>;
  updateStateMachine(stateMachineArn: string, def: { definition: string; roleArn?: string }): Promise<void>;
  deleteStateMachine(stateMachineArn: string): Promise<void>;
}

export const functionArn = (name: string): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${name}`;
export const stateMachineArn = (name: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${name}`;

/** One HTTP request as the local cloud's router hands it to a service (body already de-chunked for S3). */
export interface LocalRequest {
  method: string;
  /** URL path without the query string, percent-decoded per segment by the service itself. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: Buffer;
  /** Set by the router: who is calling, and the per-request hook the protocol layer calls once it knows the operation. */
  context?: RequestContext;
}

/** Who sent a request: the access key id its SigV4 signature was verified with, and who that key acts as. */
export interface Principal {
  accessKeyId?: string;
  /** `arn:aws:iam::<account>:root` for the operator's key, the role ARN for a key issued to a role. */
  arn?: string;
  kind?: 'root' | 'role';
}

/** One decoded service call, as the router's authorize hook sees it (IAM enforcement plugs in here). */
export interface ServiceCall {
  service: string;
  /** The API operation (`CreateStack`, `StartExecution`, `Invoke` …): `<service>:<operation>` is the IAM action. */
  operation: string;
  input: Record<string, unknown>;
  principal: Principal;
}

export type AuthorizeHook = (call: ServiceCall) => void | Promise<void>;

export interface RequestContext {
  requestId: string;
  service: string;
  principal: Principal;
  /** Called by the protocol layer with the decoded operation and input; throws an AwsServiceError to refuse. */
  authorize(operation: string, input: Record<string, unknown>): Promise<void>;
  /** Set only when a fault injector is on (src/faults.ts): called with the decoded call before it executes. */
  injectFault?(operation: string, input: Record<string, unknown>): Promise<void>;
  /**
   * What the server does with the answer once the call executed (set by an injected fault); `crash-caller`: the call
   * did not execute, the Lambda invocation that signed it is killed.
   */
  afterwards?: 'drop' | 'kill' | 'crash-caller';
}

export interface LocalResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

/** A service's wire-protocol front end (`cloudformation`, `states`, `lambda`, `codepipeline`, `s3`). */
export type ServiceHandler = (request: LocalRequest) => Promise<LocalResponse>;

/** CodePipeline job results recorded by the local CodePipeline service. */
export type JobResult =
  | {
      jobId: string;
      status: 'succeeded';
      summary?: string;
      continuationToken?: string;
      outputVariables?: Record<string, string>;
    }
  | { jobId: string; status: 'failed'; failureType: string; message: string };

/**
 * A JSON-protocol service called in-process with its wire shapes (the CloudFormation providers use this, so a
 * resource goes through exactly what an SDK call would). Errors are the service's AwsServiceErrors.
 */
export interface LocalServiceClient {
  call(operation: string, input: Record<string, unknown>): Promise<Record<string, unknown>>;
}
