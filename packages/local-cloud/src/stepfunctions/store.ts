import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { type LogSink, logLine } from '../log';
import { readJsonState, stateFile, writeJsonState } from '../persistence';
import type { ExecutionRecord, HistoryEvent, StateMachineRecord } from './records';

/** AWS keeps a closed standard-workflow execution for 90 days. */
export const DEFAULT_EXECUTION_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

type ExecutionHeader = Omit<ExecutionRecord, 'events'>;

/**
 * Step Functions state under `<stateDir>/state/stepfunctions/`, written incrementally: `state-machines.json`, and per
 * execution `executions/<machine>/<name>.json` (status, input, output; rewritten when they change) plus
 * `<name>.events.jsonl` (the history, one appended line per event). Closed executions older than the retention are
 * pruned. A `state/stepfunctions.json` of an earlier version is read once and moved to this layout.
 */
export class StepFunctionsStore {
  readonly stateMachines: Record<string, StateMachineRecord>;
  readonly executions = new Map<string, ExecutionRecord>();
  private readonly root: string;
  private readonly retentionMs: number;

  constructor(stateDir: string, options: { retentionDays?: number; log: LogSink }) {
    this.root = path.join(stateDir, 'state', 'stepfunctions');
    this.retentionMs = (options.retentionDays ?? DEFAULT_EXECUTION_RETENTION_DAYS) * DAY_MS;
    mkdirSync(path.join(this.root, 'executions'), { recursive: true });
    this.stateMachines = readJsonState<{ stateMachines: Record<string, StateMachineRecord> }>(this.machinesFile(), {
      stateMachines: {},
    }).stateMachines;
    const executions = this.readExecutions().sort((a, b) => a.startDate.localeCompare(b.startDate));
    for (const execution of executions) this.executions.set(execution.executionArn, execution);
    this.migrateLegacyFile(stateDir, options.log);
  }

  saveStateMachines(): void {
    writeJsonState(this.machinesFile(), { stateMachines: this.stateMachines });
  }

  /** Writes an execution's header (everything but its history) and, for a new one, starts its history file. */
  saveExecution(execution: ExecutionRecord): void {
    const { events: _events, ...header } = execution;
    // The folder is made when the execution starts; a state folder removed since is not brought back.
    writeJsonState(this.headerFile(execution), header, { createFolder: false });
  }

  addExecution(execution: ExecutionRecord): void {
    mkdirSync(path.dirname(this.headerFile(execution)), { recursive: true });
    this.executions.set(execution.executionArn, execution);
    this.saveExecution(execution);
    for (const event of execution.events) this.appendLine(execution, event);
  }

  /** The event is the execution's at once; its line on disk follows (a failed write loses only the line). */
  appendEvent(execution: ExecutionRecord, event: HistoryEvent): void {
    execution.events.push(event);
    this.appendLine(execution, event);
  }

  /** Drops executions that closed before the retention window (their files too); returns how many went. */
  prune(now = Date.now()): number {
    let pruned = 0;
    for (const execution of [...this.executions.values()]) {
      if (execution.stopDate === undefined || now - Date.parse(execution.stopDate) <= this.retentionMs) continue;
      this.executions.delete(execution.executionArn);
      rmSync(this.headerFile(execution), { force: true });
      rmSync(this.eventsFile(execution), { force: true });
      pruned += 1;
    }
    return pruned;
  }

  private machinesFile(): string {
    return path.join(this.root, 'state-machines.json');
  }

  private baseName(execution: Pick<ExecutionRecord, 'stateMachineArn' | 'name'>): string {
    const machine = execution.stateMachineArn.slice(execution.stateMachineArn.lastIndexOf(':') + 1);
    return path.join(this.root, 'executions', machine, execution.name);
  }

  private headerFile(execution: Pick<ExecutionRecord, 'stateMachineArn' | 'name'>): string {
    return `${this.baseName(execution)}.json`;
  }

  private eventsFile(execution: Pick<ExecutionRecord, 'stateMachineArn' | 'name'>): string {
    return `${this.baseName(execution)}.events.jsonl`;
  }

  private appendLine(execution: ExecutionRecord, event: HistoryEvent): void {
    appendFileSync(this.eventsFile(execution), `${JSON.stringify(event)}\n`);
  }

  private readExecutions(): ExecutionRecord[] {
    const executions: ExecutionRecord[] = [];
    const folder = path.join(this.root, 'executions');
    for (const machine of readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      for (const file of readdirSync(path.join(folder, machine.name))) {
        if (!file.endsWith('.json')) continue;
        const header = readJsonState<ExecutionHeader | undefined>(path.join(folder, machine.name, file), undefined);
        if (header) executions.push({ ...header, events: this.readEvents(header) });
      }
    }
    return executions;
  }

  /** The history lines; a last line a killed process left unfinished is dropped. */
  private readEvents(header: ExecutionHeader): HistoryEvent[] {
    let text: string;
    try {
      text = readFileSync(this.eventsFile(header), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const events: HistoryEvent[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as HistoryEvent);
      } catch {
        break;
      }
    }
    return events;
  }

  private migrateLegacyFile(stateDir: string, log: LogSink): void {
    const legacy = stateFile(stateDir, 'stepfunctions');
    const state = readJsonState<{ stateMachines?: Record<string, StateMachineRecord>; executions?: ExecutionRecord[] }>(
      legacy,
      {},
    );
    if (state.stateMachines === undefined && state.executions === undefined) return;
    Object.assign(this.stateMachines, state.stateMachines ?? {});
    this.saveStateMachines();
    for (const execution of state.executions ?? []) {
      if (!this.executions.has(execution.executionArn)) this.addExecution(execution);
    }
    rmSync(legacy, { force: true });
    logLine(log, 'states', `moved ${legacy} to ${this.root}`);
  }
}
