// The shape of every benchmark result: a figure, what it is compared with (a floor measured in the same run), its
// target, and a verdict (ok/short). Times are compared as ratios to a floor so that a busy or slow machine slows both.
import { performance } from 'node:perf_hooks';

export type Unit = 'ms' | 'MB';

export interface Figure {
  label: string;
  value: number;
  unit: Unit;
}

/**
 * `ratioAtLeast`: floor / figure must reach it (smaller is better for both, so 1 means as fast as the floor, 0.5 half
 * as fast). `atMost`: the figure itself must stay at or below it, in the figure's unit.
 */
export type Target = { ratioAtLeast: number } | { atMost: number };

export interface Result {
  name: string;
  figure: Figure;
  /** Measured in the same run as the figure, on the same machine. */
  floor?: Figure;
  target: Target;
}

export interface Judged extends Result {
  ratio?: number;
  ok: boolean;
}

export const judge = (result: Result): Judged => {
  if ('atMost' in result.target) return { ...result, ok: result.figure.value <= result.target.atMost };
  if (!result.floor || result.floor.unit !== result.figure.unit) {
    throw new Error(`${result.name}: a ratio target needs a floor in ${result.figure.unit}`);
  }
  const ratio = result.floor.value / result.figure.value;
  return { ...result, ratio, ok: ratio >= result.target.ratioAtLeast };
};

const show = ({ value, unit }: { value: number; unit: Unit }): string => {
  if (unit === 'MB') return `${Math.round(value)} MB`;
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Number(value.toPrecision(3))} ms`;
};

/** One line: verdict, name, figure, floor, ratio, target. */
export const formatJudged = (judged: Judged): string => {
  const columns = [`${judged.ok ? 'ok   ' : 'short'}  ${judged.name.padEnd(52)} ${show(judged.figure).padStart(11)}`];
  if (judged.floor) columns.push(`vs ${judged.floor.label} ${show(judged.floor)}`);
  if ('ratioAtLeast' in judged.target) {
    columns.push(`ratio ${judged.ratio?.toFixed(2)}, target ≥ ${judged.target.ratioAtLeast}`);
  } else columns.push(`target ≤ ${show({ value: judged.target.atMost, unit: judged.figure.unit })}`);
  return columns.join('  ');
};

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** A timed piece of code and the most its median may take. */
export interface TimedBenchmark {
  name: string;
  targetMs: number;
  runs?: number;
  setup?: () => Promise<void>;
  run: () => unknown;
}

/** Median of repeated runs after a warm-up, judged against its own limit (no floor). */
export const timeBenchmark = async (benchmark: TimedBenchmark): Promise<Result> => {
  await benchmark.setup?.();
  const runs = benchmark.runs ?? 20;
  for (let i = 0; i < Math.min(5, runs); i += 1) await benchmark.run();
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await benchmark.run();
    times.push(performance.now() - started);
  }
  return {
    name: benchmark.name,
    figure: { label: 'median', value: median(times), unit: 'ms' },
    target: { atMost: benchmark.targetMs },
  };
};

/** A group of results measured together; `pnpm bench <filter>` runs the suites whose name contains the filter. */
export interface Suite {
  name: string;
  run: () => Promise<Result[]>;
}
