import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const BOOTSTRAP = path.join(__dirname, 'bootstrap.cjs');
/** Written by bootstrap.cjs after an invocation's last output line: `\u001eLOCAL_CLOUD_END:<requestId>\u001e`. */
const END_MARKER = '\u001eLOCAL_CLOUD_END:';

/** How often a running invocation's memory is read against the function's MemorySize. */
const MEMORY_SAMPLE_MS = 20;

/** The outcome of one invocation; `maxMemoryUsedMb` is the process's peak resident memory, where the OS tells it. */
export type ContainerOutcome = (
  | { kind: 'answered'; ok: boolean; payload: string; output: string }
  | { kind: 'timed-out'; output: string }
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; output: string; outOfMemory?: boolean }
) & { maxMemoryUsedMb?: number };

const STATUS_FIELDS = { VmRSS: /^VmRSS:\s+(\d+) kB$/m, VmHWM: /^VmHWM:\s+(\d+) kB$/m };

/** A process's resident memory now (VmRSS) or at its peak (VmHWM), in KiB, from Linux's /proc; undefined elsewhere. */
export const residentKb = (pid: number | undefined, field: keyof typeof STATUS_FIELDS): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    const match = STATUS_FIELDS[field].exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
};

/** The outcome's `maxMemoryUsedMb`, from the invocation's peak (nothing where the OS did not tell it). */
const memoryUsed = (peakKb: number | undefined): { maxMemoryUsedMb?: number } =>
  peakKb === undefined ? {} : { maxMemoryUsedMb: Math.ceil(peakKb / 1024) };

export interface InvocationMessage {
  requestId: string;
  taskRoot: string;
  handler: string;
  eventJson: string;
  deadlineMs: number;
  context: Record<string, string>;
}

interface Sink {
  requestId: string;
  lines: string[];
  answer?: { ok: boolean; payload: string };
  logsComplete: boolean;
  timedOut: boolean;
  /** Set when the process passed the function's MemorySize: it is killed, as Lambda's sandbox kills it. */
  outOfMemory: boolean;
  /** The highest resident memory read so far, in KiB. */
  peakKb?: number;
  settle: (outcome: ContainerOutcome) => void;
}

/**
 * One warm Lambda "container": a child Node process running bootstrap.cjs that serves invocations one at a time,
 * like a Lambda execution environment (module-scope state such as SDK clients survives between invocations).
 */
export class FunctionContainer {
  private readonly child: ChildProcess;
  private sink: Sink | undefined;
  private readonly partial = { stdout: '', stderr: '' };
  private exited = false;
  private retiring = false;
  private idleTimer: NodeJS.Timeout | undefined;

  /** The function's MemorySize in KiB: a process resident past it is killed (Runtime.OutOfMemory). */
  private readonly memoryLimitKb: number | undefined;
  private readonly memorySampleMs: number;

  constructor(options: {
    cwd: string;
    env: Record<string, string>;
    onLog: (line: string) => void;
    /** The function's MemorySize: enforced where the OS tells a process's resident memory (Linux). */
    memorySizeMb?: number;
    /** How often a running invocation's memory is read (default 20 ms); its peak is read when it answers anyway. */
    memorySampleMs?: number;
  }) {
    this.onLog = options.onLog;
    this.memorySampleMs = options.memorySampleMs ?? MEMORY_SAMPLE_MS;
    this.memoryLimitKb = options.memorySizeMb === undefined ? undefined : options.memorySizeMb * 1024;
    this.child = fork(BOOTSTRAP, [], {
      cwd: options.cwd,
      env: options.env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onData('stdout', chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => this.onData('stderr', chunk.toString('utf8')));
    this.child.on(
      'message',
      (message: { requestId?: string; ok?: boolean; payload?: string; exiting?: boolean; prewarmed?: boolean }) => {
        if (message.prewarmed !== undefined) {
          if (!message.prewarmed) this.retiring = true;
          this.settlePrewarm(message.prewarmed);
          return;
        }
        // A crashed runtime or a failed init retires the container: it must not take another invocation.
        if (message.exiting) this.retiring = true;
        if (this.sink && message.requestId === this.sink.requestId) {
          this.sink.answer = { ok: message.ok === true, payload: String(message.payload) };
          this.maybeSettle();
        }
      },
    );
    this.child.on('error', (error) => {
      this.onLog(`container error: ${error.message}`);
      // A process that never started emits no 'close': fail the invocation here instead of waiting forever.
      if (this.child.pid === undefined) {
        this.exited = true;
        const sink = this.sink;
        this.sink = undefined;
        sink?.settle({
          kind: 'exited',
          code: null,
          signal: null,
          output: `could not start the runtime: ${error.message}`,
        });
      }
    });
    this.child.on('close', (code, signal) => {
      this.exited = true;
      this.settlePrewarm(false);
      if (this.idleTimer) clearTimeout(this.idleTimer);
      for (const stream of ['stdout', 'stderr'] as const) {
        if (this.partial[stream] !== '') this.onLine(this.partial[stream]);
        this.partial[stream] = '';
      }
      const sink = this.sink;
      if (!sink) return;
      this.sink = undefined;
      const output = sink.lines.join('\n');
      const memory = memoryUsed(sink.peakKb);
      if (sink.outOfMemory) sink.settle({ kind: 'exited', code, signal, output, outOfMemory: true, ...memory });
      else if (sink.timedOut) sink.settle({ kind: 'timed-out', output, ...memory });
      else if (sink.answer) sink.settle({ kind: 'answered', ...sink.answer, output, ...memory });
      else sink.settle({ kind: 'exited', code, signal, output, ...memory });
    });
  }

  private readonly onLog: (line: string) => void;
  private prewarmed: ((initialized: boolean) => void) | undefined;

  /**
   * Runs the function's init (loads the handler) before any invocation, as provisioned concurrency does; resolves
   * true when it succeeded, false when it failed (the container then ends) or the container died.
   */
  prewarm(init: { taskRoot: string; handler: string }): Promise<boolean> {
    if (this.exited) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      this.prewarmed = resolve;
      this.child.send({ prewarm: init });
    });
  }

  private settlePrewarm(initialized: boolean): void {
    const settle = this.prewarmed;
    this.prewarmed = undefined;
    settle?.(initialized);
  }

  /** Whether the container can take another invocation. */
  get alive(): boolean {
    return !this.exited && !this.retiring;
  }

  /** Runs one invocation; the container is killed when it outlives `timeoutMs`. */
  invoke(message: InvocationMessage, timeoutMs: number): Promise<ContainerOutcome> {
    if (this.sink) throw new Error('a local Lambda container runs one invocation at a time');
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.setReferenced(true);
    return new Promise<ContainerOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (this.sink) this.sink.timedOut = true;
        this.kill();
      }, timeoutMs);
      const sampler =
        this.memoryLimitKb === undefined
          ? undefined
          : setInterval(() => this.checkMemory('VmRSS'), this.memorySampleMs);
      this.sink = {
        requestId: message.requestId,
        lines: [],
        logsComplete: false,
        timedOut: false,
        outOfMemory: false,
        settle: (outcome) => {
          clearTimeout(timer);
          clearInterval(sampler);
          resolve(outcome);
        },
      };
      this.child.send(message);
    });
  }

  /**
   * Reads the process's resident memory (now, or its peak since it started, init included) into the invocation's peak;
   * past the function's MemorySize the invocation is out of memory and the process is killed. True when it was.
   */
  private checkMemory(field: keyof typeof STATUS_FIELDS): boolean {
    const sink = this.sink;
    const kb = residentKb(this.child.pid, field);
    if (!sink || kb === undefined) return false;
    sink.peakKb = Math.max(sink.peakKb ?? 0, kb);
    if (this.memoryLimitKb === undefined || kb <= this.memoryLimitKb || sink.outOfMemory) return false;
    sink.outOfMemory = true;
    this.kill();
    return true;
  }

  /** Parks an idle container: it no longer keeps the parent process alive and retires after `idleMs`. */
  park(idleMs: number, onRetire: () => void): void {
    this.setReferenced(false);
    this.idleTimer = setTimeout(() => {
      onRetire();
      this.kill();
    }, idleMs);
    this.idleTimer.unref();
  }

  /** SIGKILLs the process; retired at once, not when it is gone: a dying container never takes another invocation. */
  kill(): void {
    this.retiring = true;
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private setReferenced(referenced: boolean): void {
    const handles = [this.child, this.child.stdout, this.child.stderr, this.child.channel] as (
      { ref?: () => void; unref?: () => void } | null | undefined
    )[];
    for (const handle of handles) (referenced ? handle?.ref : handle?.unref)?.call(handle);
  }

  private onData(stream: 'stdout' | 'stderr', text: string): void {
    this.partial[stream] += text;
    let newline: number;
    while ((newline = this.partial[stream].indexOf('\n')) >= 0) {
      const line = this.partial[stream].slice(0, newline);
      this.partial[stream] = this.partial[stream].slice(newline + 1);
      this.onLine(line);
    }
  }

  private onLine(line: string): void {
    const at = line.indexOf(END_MARKER);
    if (at < 0) {
      this.emit(line);
      return;
    }
    if (at > 0) this.emit(line.slice(0, at));
    const rest = line.slice(at + END_MARKER.length);
    const requestId = rest.endsWith('\u001e') ? rest.slice(0, -1) : rest;
    if (this.sink && this.sink.requestId === requestId) {
      this.sink.logsComplete = true;
      this.maybeSettle();
    }
  }

  private emit(line: string): void {
    this.sink?.lines.push(line);
    if (line.trim() !== '') this.onLog(line);
  }

  private maybeSettle(): void {
    const sink = this.sink;
    if (!sink?.answer || !sink.logsComplete) return;
    // A peak between two samples still passed the MemorySize: Lambda would have killed the process at that moment.
    if (this.checkMemory('VmHWM')) return;
    this.sink = undefined;
    sink.settle({ kind: 'answered', ...sink.answer, output: sink.lines.join('\n'), ...memoryUsed(sink.peakKb) });
  }
}
