import type * as Api from '@aws-sdk/client-cloudformation';
import { ACTIONS, type ApiContext } from './api';
import type { CloudFormationServiceDeps } from './deps';
import { Executor } from './executor/executor';
import { StackStore } from './store/store';
import { warmTemplateDiff } from './change-set/changes';
import { resourceSpec } from './model/spec';
import { warmUpDefinitionCheck } from '../stepfunctions/definitions';

/** One resource of a stack as the engine holds it (for tests and the local release). */
export interface StackResourceView {
  logicalId: string;
  type: string;
  physicalId: string;
  status: string;
  properties: Record<string, unknown>;
}

/**
 * The local CloudFormation, assembled from its layers: the store (stacks, change sets, exports), the executor
 * (create/update/rollback/delete over the resource provisioners) and the API actions. The methods are the actions
 * for callers inside the process; the wire protocol calls the same functions.
 */
export class CloudFormationEngine {
  readonly api: ApiContext;

  constructor(deps: CloudFormationServiceDeps) {
    const store = new StackStore(deps.stateDir);
    this.api = { store, executor: new Executor(store, deps), deps, changeSetPageSize: deps.changeSetPageSize ?? 100 };
  }

  /** Runs an action; what it changed is on disk before its answer is (the store gathers the writes of operations). */
  async answering<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } finally {
      this.api.store.flush();
    }
  }

  createStack = (input: Api.CreateStackInput): Promise<Api.CreateStackOutput> =>
    this.answering(() => ACTIONS.CreateStack(this.api, input));
  updateStack = (input: Api.UpdateStackInput): Promise<Api.UpdateStackOutput> =>
    this.answering(() => ACTIONS.UpdateStack(this.api, input));
  deleteStack = (input: Api.DeleteStackInput): Promise<void> =>
    this.answering(() => ACTIONS.DeleteStack(this.api, input));
  describeStacks = (input: Api.DescribeStacksInput = {}): Promise<Api.DescribeStacksOutput> =>
    ACTIONS.DescribeStacks(this.api, input);
  listStacks = (input: Api.ListStacksInput = {}): Promise<Api.ListStacksOutput> => ACTIONS.ListStacks(this.api, input);
  createChangeSet = (input: Api.CreateChangeSetInput): Promise<Api.CreateChangeSetOutput> =>
    this.answering(() => ACTIONS.CreateChangeSet(this.api, input));
  executeChangeSet = (input: Api.ExecuteChangeSetInput): Promise<Api.ExecuteChangeSetOutput> =>
    this.answering(() => ACTIONS.ExecuteChangeSet(this.api, input));

  /** Each resource of a stack with its resolved properties (the local live test reads Glue definitions from here). */
  stackResources(stackName: string): StackResourceView[] {
    const stack = this.api.store.requireStack(stackName, true);
    return Object.values(stack.resources).map((r) => ({
      logicalId: r.logicalId,
      type: r.type,
      physicalId: r.physicalId,
      status: r.status,
      properties: structuredClone(r.properties),
    }));
  }

  exports(): Record<string, string> {
    return Object.fromEntries(this.api.store.exportList().map((e) => [e.name, e.value]));
  }

  /**
   * Loads now what the first stack operation and the first change set of the process would load (the resource
   * specification's extract, the template diff and its table: ~0.1 CPU-s), and the state machine definition check
   * (~0.3 CPU-s), so that they do not wait for it.
   */
  warmUp(): void {
    resourceSpec('AWS::S3::Bucket');
    warmTemplateDiff();
    warmUpDefinitionCheck();
  }

  /** Resolves when no stack operation or change set computation is running. */
  waitForIdle(): Promise<void> {
    return this.api.executor.runner.waitForIdle();
  }

  /** Changes the pause between status steps (LocalCloudOptions.stackStepMs), from the next step on. */
  setStepDelay(ms: number): void {
    this.api.executor.runner.setStepDelay(ms);
  }
}
