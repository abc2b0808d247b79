import type { PhaseTiming } from './report-schema';

/**
 * Times the pieces of a release (each packaging, each bootstrap stack, each pipeline action, the report) against
 * one origin, so the report says where the time went and which pieces overlapped.
 */
export class PhaseClock {
  private readonly phases: PhaseTiming[] = [];

  constructor(readonly origin: number = Date.now()) {}

  /** Records `work` as `phase`, whether it succeeds or throws. */
  async time<T>(phase: string, work: () => Promise<T>): Promise<T> {
    const began = Date.now();
    try {
      return await work();
    } finally {
      this.record(phase, began);
    }
  }

  record(phase: string, began: number, ended: number = Date.now()): void {
    this.phases.push({ phase, startMs: Math.max(0, began - this.origin), durationMs: Math.max(0, ended - began) });
  }

  /** The phases in the order they started. */
  list(): PhaseTiming[] {
    return [...this.phases].sort((a, b) => a.startMs - b.startMs || a.phase.localeCompare(b.phase));
  }
}

const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The one summary line: every phase as `name start+duration` in seconds, in start order (overlaps show). */
export const formatPhases = (phases: PhaseTiming[], totalMs: number): string =>
  `time ${seconds(totalMs)} s by phase (start+duration, s): ${phases
    .map((p) => `${p.phase} ${seconds(p.startMs)}+${seconds(p.durationMs)}`)
    .join(' · ')}`;
