// aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks: load the repo's polyfill first.
import '../../../../scripts/promise-with-resolvers';
import { randomUUID } from 'node:crypto';
import { executionArnFor } from '@glue-cd/core';
import { AwsServiceError } from '../aws-error';
import type { FunctionRuntime, StateMachineRegistry } from '../contracts';
import { LOCAL_ACCOUNT_ID, stateMachineArn as arnForStateMachine } from '../contracts';
import { type LogSink, logLine, silentLog } from '../log';
import {
  checkExecutionArn,
  checkStateMachineArn,
  executionDoesNotExist,
  invalidName,
  NAME,
  parseDefinition,
  stateMachineDoesNotExist,
} from './definitions';
import { type RunningExecution, runExecution } from './execution';
import type { ExecutionRecord, StateMachineRecord } from './records';
import { StepFunctionsStore } from './store';

export type { ExecutionRecord, ExecutionStatus, HistoryEvent, StateMachineRecord } from './records';
export { LambdaTaskError } from './lambda-tasks';
export { checkExecutionArn, executionDoesNotExist, parseDefinition } from './definitions';

export interface LocalStateMachines extends StateMachineRegistry {
  getStateMachine(stateMachineArn: string): StateMachineRecord | undefined;
  listStateMachines(): StateMachineRecord[];
  startExecution(input: { stateMachineArn: string; name?: string; input?: string }): {
    executionArn: string;
    startDate: string;
  };
  getExecution(executionArn: string): ExecutionRecord | undefined;
  executions(stateMachineArn?: string): ExecutionRecord[];
  waitForExecution(executionArn: string): Promise<ExecutionRecord>;
  stopExecution(executionArn: string, details?: { error?: string; cause?: string }): Promise<ExecutionRecord>;
  /** Drops executions closed longer ago than the retention (done at start and after each execution). */
  prune(now?: number): number;
  /** Aborts running executions (used by `LocalCloud.close()`): they end ABORTED. */
  close(): Promise<void>;
}

export interface StateMachineOptions {
  stateDir: string;
  functions: FunctionRuntime;
  /** Wait seconds (every form) × waitScale = local wait (default 0.01). Retry intervals are scaled the same way. */
  waitScale?: number;
  /** Days a closed execution is kept (AWS: 90). */
  executionRetentionDays?: number;
  log?: LogSink;
}

const DEFAULT_ROLE = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local-cloud-state-machine`;
/** Step Functions' payload quota, for the execution input as for every state's input and output. */
export const PAYLOAD_QUOTA_BYTES = 262_144;

const now = (): string => new Date().toISOString();

/** The JSON execution input, within the payload quota (AWS's ValidationException / InvalidExecutionInput). */
function checkExecutionInput(input: string): void {
  if (Buffer.byteLength(input, 'utf8') > PAYLOAD_QUOTA_BYTES) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${PAYLOAD_QUOTA_BYTES}`,
      400,
    );
  }
  try {
    JSON.parse(input);
  } catch (error) {
    throw new AwsServiceError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${(error as Error).message}'`,
      400,
    );
  }
}

/** Executions that were running when the previous process died cannot resume: they become ABORTED. */
function abortInterrupted(store: StepFunctionsStore): void {
  for (const execution of store.executions.values()) {
    if (execution.status !== 'RUNNING') continue;
    execution.status = 'ABORTED';
    execution.stopDate = now();
    execution.error = 'LocalCloud.Interrupted';
    execution.cause = 'The local cloud process stopped while this execution was running';
    const last = execution.events[execution.events.length - 1];
    store.appendEvent(execution, {
      id: (last?.id ?? 0) + 1,
      previousEventId: last?.id ?? 0,
      timestamp: execution.stopDate,
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: execution.error, cause: execution.cause },
    });
    store.saveExecution(execution);
  }
}

/** The local Step Functions: state machines and their executions, run by aws-local-stepfunctions. */
export function createStateMachines(options: StateMachineOptions): LocalStateMachines {
  const waitScale = options.waitScale ?? 0.01;
  const log = options.log ?? silentLog;
  const store = new StepFunctionsStore(options.stateDir, {
    ...(options.executionRetentionDays === undefined ? {} : { retentionDays: options.executionRetentionDays }),
    log,
  });
  abortInterrupted(store);
  const running = new Map<string, RunningExecution>();

  const prune = (at = Date.now()): number => {
    const pruned = store.prune(at);
    if (pruned > 0) logLine(log, 'states', `pruned ${pruned} execution(s) past the retention`);
    return pruned;
  };
  prune();

  const requireStateMachine = (arn: string): StateMachineRecord => {
    checkStateMachineArn(arn);
    const record = Object.hasOwn(store.stateMachines, arn) ? store.stateMachines[arn] : undefined;
    if (!record) throw stateMachineDoesNotExist(arn);
    return record;
  };

  /** A write that fails (the state folder removed under a running execution) is logged; the execution goes on. */
  const persisting = (execution: ExecutionRecord, write: () => void): void => {
    try {
      write();
    } catch (error) {
      logLine(log, 'states', `${execution.name}: state not written`, { error: (error as Error).message });
    }
  };

  const start = (execution: ExecutionRecord, machine: StateMachineRecord): void => {
    running.set(
      execution.executionArn,
      runExecution(execution, machine, {
        functions: options.functions,
        waitScale,
        appendEvent: (target, event) => persisting(target, () => store.appendEvent(target, event)),
        finished: (target) => {
          running.delete(target.executionArn);
          persisting(target, () => store.saveExecution(target));
          logLine(log, 'states', `${target.name} ${target.status}${target.error ? ` ${target.error}` : ''}`);
          prune();
        },
      }),
    );
  };

  return {
    async createStateMachine(def) {
      if (!NAME.test(def.name)) throw invalidName(def.name);
      const arn = arnForStateMachine(def.name);
      parseDefinition(def.definition);
      const existing = Object.hasOwn(store.stateMachines, arn) ? store.stateMachines[arn] : undefined;
      if (existing) {
        // AWS is idempotent for an identical create and refuses a different one.
        if (existing.definition === def.definition && existing.roleArn === (def.roleArn ?? DEFAULT_ROLE))
          return { stateMachineArn: arn };
        throw new AwsServiceError('StateMachineAlreadyExists', `State Machine Already Exists: '${arn}'`, 400);
      }
      store.stateMachines[arn] = {
        name: def.name,
        stateMachineArn: arn,
        definition: def.definition,
        roleArn: def.roleArn ?? DEFAULT_ROLE,
        type: 'STANDARD',
        creationDate: now(),
      };
      store.saveStateMachines();
      return { stateMachineArn: arn };
    },

    async updateStateMachine(arn, def) {
      const record = requireStateMachine(arn);
      parseDefinition(def.definition);
      record.definition = def.definition;
      if (def.roleArn) record.roleArn = def.roleArn;
      record.updatedDate = now();
      store.saveStateMachines();
    },

    async deleteStateMachine(arn) {
      requireStateMachine(arn);
      delete store.stateMachines[arn];
      store.saveStateMachines();
    },

    getStateMachine: (arn) => (Object.hasOwn(store.stateMachines, arn) ? store.stateMachines[arn] : undefined),
    listStateMachines: () => Object.values(store.stateMachines).sort((a, b) => a.name.localeCompare(b.name)),

    startExecution({ stateMachineArn, name, input }) {
      const machine = requireStateMachine(stateMachineArn);
      const executionName = name ?? randomUUID();
      if (!NAME.test(executionName)) throw invalidName(executionName);
      const inputText = input ?? '{}';
      checkExecutionInput(inputText);
      const executionArn = executionArnFor(machine.stateMachineArn, executionName);
      const existing = store.executions.get(executionArn);
      if (existing) {
        // Standard workflows: the same name and input while RUNNING is the same execution (idempotent retry).
        if (existing.status === 'RUNNING' && existing.input === inputText)
          return { executionArn, startDate: existing.startDate };
        throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`, 400);
      }
      const execution: ExecutionRecord = {
        executionArn,
        stateMachineArn,
        name: executionName,
        status: 'RUNNING',
        input: inputText,
        startDate: now(),
        events: [],
      };
      store.addExecution(execution);
      start(execution, machine);
      logLine(log, 'states', `${machine.name} started ${executionName}`);
      return { executionArn, startDate: execution.startDate };
    },

    getExecution: (arn) => store.executions.get(arn),

    executions: (arn) =>
      [...store.executions.values()].filter((execution) => arn === undefined || execution.stateMachineArn === arn),

    async waitForExecution(arn) {
      const execution = store.executions.get(arn);
      if (!execution) throw executionDoesNotExist(arn);
      await running.get(arn)?.done;
      return execution;
    },

    async stopExecution(arn, details = {}) {
      checkExecutionArn(arn);
      const execution = store.executions.get(arn);
      if (!execution) throw executionDoesNotExist(arn);
      const active = running.get(arn);
      if (execution.status === 'RUNNING' && active) {
        if (details.error !== undefined) execution.error = details.error;
        if (details.cause !== undefined) execution.cause = details.cause;
        active.abort();
        await active.done;
      }
      return execution;
    },

    prune,

    async close() {
      const active = [...running.values()];
      for (const execution of active) execution.abort();
      await Promise.all(active.map((execution) => execution.done.catch(() => undefined)));
    },
  };
}
