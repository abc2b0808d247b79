import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand, type Stack } from '@aws-sdk/client-cloudformation';
import {
  functionArn,
  type FunctionRuntime,
  type InvokeResult,
  type LocalFunctionDefinition,
  type ObjectStore,
  type ServiceHandler,
  stateMachineArn,
  type StateMachineRegistry,
} from '../../src/contracts';
import { type CloudFormationEngine, createCloudFormationService } from '../../src/cloudformation';

/** In-memory S3 that behaves like the local ObjectStore (BucketNotEmpty on deleting a bucket with objects). */
export class FakeObjectStore implements ObjectStore {
  readonly buckets = new Map<string, Map<string, Uint8Array>>();
  readonly calls: string[] = [];

  async createBucket(bucket: string): Promise<void> {
    this.calls.push(`createBucket ${bucket}`);
    if (this.buckets.has(bucket))
      throw Object.assign(new Error(`bucket ${bucket} exists`), { name: 'BucketAlreadyOwnedByYou' });
    this.buckets.set(bucket, new Map());
  }
  async deleteBucket(bucket: string): Promise<void> {
    this.calls.push(`deleteBucket ${bucket}`);
    const objects = this.buckets.get(bucket);
    if (!objects) throw Object.assign(new Error(`no bucket ${bucket}`), { name: 'NoSuchBucket' });
    if (objects.size > 0)
      throw Object.assign(new Error('The bucket you tried to delete is not empty'), { name: 'BucketNotEmpty' });
    this.buckets.delete(bucket);
  }
  async bucketExists(bucket: string): Promise<boolean> {
    return this.buckets.has(bucket);
  }
  async putObject(bucket: string, key: string, body: Uint8Array): Promise<void> {
    const objects = this.buckets.get(bucket);
    if (!objects) throw Object.assign(new Error(`no bucket ${bucket}`), { name: 'NoSuchBucket' });
    objects.set(key, body);
  }
  async getObject(bucket: string, key: string): Promise<Uint8Array | undefined> {
    return this.buckets.get(bucket)?.get(key);
  }
  async listObjects(bucket: string, prefix = ''): Promise<{ key: string; size: number; lastModified: Date }[]> {
    return [...(this.buckets.get(bucket)?.entries() ?? [])]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, body]) => ({ key, size: body.length, lastModified: new Date(0) }));
  }
  async deleteObject(bucket: string, key: string): Promise<void> {
    this.buckets.get(bucket)?.delete(key);
  }
  bucketPath(bucket: string): string {
    return `/fake-s3/${bucket}`;
  }
}

export class FakeFunctionRuntime implements FunctionRuntime {
  readonly functions = new Map<string, LocalFunctionDefinition>();
  readonly calls: string[] = [];

  async createFunction(def: LocalFunctionDefinition): Promise<{ functionArn: string }> {
    this.calls.push(`createFunction ${def.functionName}`);
    if (this.functions.has(def.functionName)) throw new Error(`Function already exist: ${def.functionName}`);
    this.functions.set(def.functionName, def);
    return { functionArn: functionArn(def.functionName) };
  }
  async updateFunction(def: LocalFunctionDefinition): Promise<{ functionArn: string }> {
    this.calls.push(`updateFunction ${def.functionName}`);
    if (!this.functions.has(def.functionName)) throw new Error(`Function not found: ${def.functionName}`);
    this.functions.set(def.functionName, def);
    return { functionArn: functionArn(def.functionName) };
  }
  async deleteFunction(functionName: string): Promise<void> {
    this.calls.push(`deleteFunction ${functionName}`);
    this.functions.delete(functionName);
  }
  async invoke(): Promise<InvokeResult> {
    throw new Error('not used by the CloudFormation engine');
  }
}

export class FakeStateMachineRegistry implements StateMachineRegistry {
  readonly machines = new Map<string, { definition: string; roleArn?: string | undefined }>();
  readonly calls: string[] = [];

  async createStateMachine(def: {
    name: string;
    definition: string;
    roleArn?: string;
  }): Promise<{ stateMachineArn: string }> {
    const arn = stateMachineArn(def.name);
    this.calls.push(`createStateMachine ${def.name}`);
    this.machines.set(arn, { definition: def.definition, roleArn: def.roleArn });
    return { stateMachineArn: arn };
  }
  async updateStateMachine(arn: string, def: { definition: string; roleArn?: string }): Promise<void> {
    this.calls.push(`updateStateMachine ${arn}`);
    this.machines.set(arn, { definition: def.definition, roleArn: def.roleArn });
  }
  async deleteStateMachine(arn: string): Promise<void> {
    this.calls.push(`deleteStateMachine ${arn}`);
    this.machines.delete(arn);
  }
}

/** Serves a ServiceHandler on 127.0.0.1 the way the local cloud's router does. */
export const serve = async (handle: ServiceHandler): Promise<{ endpoint: string; close(): Promise<void> }> => {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(',') : (v ?? '')]),
      );
      handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        body: Buffer.concat(chunks),
      })
        .then((response) => {
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  // Longer than a slow test's pause between calls: an idle keep-alive socket closed by the server mid-request is ECONNRESET.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { endpoint: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
};

export interface Harness {
  stateDir: string;
  objects: FakeObjectStore;
  functions: FakeFunctionRuntime;
  stateMachines: FakeStateMachineRegistry;
  engine: CloudFormationEngine;
  cfn: CloudFormationClient;
  /** A second service over the same state folder and fakes (a restarted local cloud). */
  restart(): Promise<void>;
  close(): Promise<void>;
  stack(name: string): Promise<Stack>;
}

export const startHarness = async (
  options: { changeSetPageSize?: number; stepDelayMs?: number } = {},
): Promise<Harness> => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'local-cfn-'));
  const objects = new FakeObjectStore();
  const functions = new FakeFunctionRuntime();
  const stateMachines = new FakeStateMachineRegistry();
  const start = async () => {
    const service = createCloudFormationService({
      stateDir,
      objects,
      functions,
      stateMachines,
      stepDelayMs: 20,
      ...options,
    });
    const server = await serve(service.handle);
    const cfn = new CloudFormationClient({
      endpoint: server.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    return { service, server, cfn };
  };
  let current = await start();
  const harness: Harness = {
    stateDir,
    objects,
    functions,
    stateMachines,
    engine: current.service.engine,
    cfn: current.cfn,
    async restart() {
      await current.service.engine.waitForIdle();
      current.cfn.destroy();
      await current.server.close();
      current = await start();
      harness.engine = current.service.engine;
      harness.cfn = current.cfn;
    },
    async close() {
      await current.service.engine.waitForIdle();
      current.cfn.destroy();
      await current.server.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
    async stack(name) {
      const { Stacks } = await harness.cfn.send(new DescribeStacksCommand({ StackName: name }));
      return Stacks![0]!;
    },
  };
  return harness;
};

export const json = (template: unknown): string => JSON.stringify(template);
