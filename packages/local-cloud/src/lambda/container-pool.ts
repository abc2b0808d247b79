import type { FunctionContainer } from './container';

/** How long an idle warm container is kept (Lambda keeps them for minutes too). */
const IDLE_CONTAINER_MS = 5 * 60_000;

/**
 * The warm containers per function code version, as Lambda keeps execution environments between invocations: an
 * invocation takes an idle one or starts its own, and parks it afterwards unless the function changed meanwhile.
 */
export class ContainerPool {
  private readonly idle = new Map<string, FunctionContainer[]>();
  // Running containers and the access key their code signs with (what a crash-caller fault finds them by).
  private readonly busy = new Map<FunctionContainer, string>();
  private closed = false;

  /** The pool of one function version: its name and revision id. */
  static key(functionName: string, revisionId: string): string {
    return `${functionName}\u0000${revisionId}`;
  }

  /** A live idle container of that version, or undefined. */
  take(key: string): FunctionContainer | undefined {
    const list = this.idle.get(key) ?? [];
    let container: FunctionContainer | undefined;
    while ((container = list.pop()) && !container.alive);
    return container;
  }

  /** How many live idle containers a version has. */
  idleCount(key: string): number {
    return (this.idle.get(key) ?? []).filter((container) => container.alive).length;
  }

  /** The container serves an invocation whose code signs with `accessKeyId` (close() kills it). */
  enter(container: FunctionContainer, accessKeyId: string): void {
    this.busy.set(container, accessKeyId);
  }

  /** Kills the running invocations whose code signs with this key (a crash-caller fault); how many. */
  killBusySignedBy(accessKeyId: string): number {
    const callers = [...this.busy].filter(([, key]) => key === accessKeyId).map(([container]) => container);
    for (const container of callers) container.kill();
    return callers.length;
  }

  leave(container: FunctionContainer): void {
    this.busy.delete(container);
  }

  /** After an invocation: kept warm for that version, unless it died or the pool closed meanwhile. */
  park(key: string, container: FunctionContainer): void {
    if (!container.alive || this.closed) {
      container.kill();
      return;
    }
    const list = this.idle.get(key) ?? [];
    list.push(container);
    this.idle.set(key, list);
    container.park(IDLE_CONTAINER_MS, () => {
      const current = this.idle.get(key);
      if (current)
        this.idle.set(
          key,
          current.filter((candidate) => candidate !== container),
        );
    });
  }

  /** New code or configuration: the function's warm containers are discarded (busy ones finish first). */
  retire(functionName: string): void {
    for (const [key, list] of this.idle) {
      if (!key.startsWith(`${functionName}\u0000`)) continue;
      for (const container of list) container.kill();
      this.idle.delete(key);
    }
  }

  /** Kills every container, busy or idle; nothing is parked afterwards. */
  close(): void {
    this.closed = true;
    for (const container of this.busy.keys()) container.kill();
    for (const list of this.idle.values()) for (const container of list) container.kill();
    this.idle.clear();
  }
}
