// A figure beside its floor: what was measured, what it is measured against (the floor: bare node, parsing the same
// JSON, the cold run), their ratio, and the target it must meet. Minimal on purpose, so it can be unified with the
// data-path benchmarks' shape later.
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { procCpuSeconds } from '../scripts/proc-cpu';

export interface FigureVsFloor {
  name: string;
  value: number;
  /** What the value is measured against, in the same unit (absent for a budget such as a bundle size). */
  floor?: number;
  floorName?: string;
  unit: 'ms' | 's' | 'KB';
  /**
   * `over`: value - floor ≤ limit; `ratio`: value / floor ≤ limit; `max`: value ≤ limit; none: a figure shown beside
   * the targeted ones to read them by (printed `info`, never short).
   */
  target?: { kind: 'over' | 'ratio' | 'max'; limit: number };
  /** Why a figure could not be measured (it is then short). */
  error?: string;
  /** A line that explains the figure (the release's time by phase), printed under it. */
  detail?: string;
}

export const ratioOf = (figure: FigureVsFloor): number | undefined =>
  figure.floor !== undefined && figure.floor > 0 ? figure.value / figure.floor : undefined;

export const meetsTarget = (figure: FigureVsFloor): boolean => {
  if (figure.error !== undefined || !Number.isFinite(figure.value)) return false;
  if (!figure.target) return true;
  const { kind, limit } = figure.target;
  if (kind === 'max') return figure.value <= limit;
  if (figure.floor === undefined) return false;
  return kind === 'over' ? figure.value - figure.floor <= limit : figure.value / figure.floor <= limit;
};

const number = (value: number, unit: FigureVsFloor['unit']): string => `${value.toFixed(unit === 's' ? 1 : 0)} ${unit}`;

const targetText = ({ target, unit }: FigureVsFloor): string =>
  !target
    ? 'none (for reading the others)'
    : target.kind === 'max'
      ? `≤ ${number(target.limit, unit)}`
      : target.kind === 'over'
        ? `≤ floor + ${number(target.limit, unit)}`
        : `≤ ${target.limit} × floor`;

/** One line per figure: ok/short, the value, its floor and ratio, the target. */
export const formatFigure = (figure: FigureVsFloor): string => {
  const ratio = ratioOf(figure);
  const measured =
    figure.error !== undefined
      ? `not measured: ${figure.error}`
      : `${number(figure.value, figure.unit)}${
          figure.floor !== undefined
            ? ` vs ${figure.floorName ?? 'floor'} ${number(figure.floor, figure.unit)} (×${ratio?.toFixed(2)}, ${
                figure.value - figure.floor >= 0 ? '+' : ''
              }${number(figure.value - figure.floor, figure.unit)})`
            : ''
        }`;
  const verdict = !figure.target && figure.error === undefined ? 'info ' : meetsTarget(figure) ? 'ok   ' : 'short';
  return `${verdict}  ${figure.name.padEnd(44)} ${measured}  target ${targetText(figure)}`;
};

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** CPU time (user + sys) of this process's finished children so far, in ms; undefined where Linux's /proc is not. */
export const childrenCpuMs = (): number | undefined => {
  const cpu = procCpuSeconds();
  return cpu === undefined ? undefined : cpu.children * 1000;
};

/** Wall time of one process, in ms. */
export const timeProcess = (
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { ms: number; status: number | null; output: string } => {
  const started = performance.now();
  const result = spawnSync(command, args, { ...options, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return {
    ms: performance.now() - started,
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`,
  };
};

/**
 * The machine's load when a figure was taken (a shared machine's figures are only as quiet as it was), and the Node
 * that took it (the handlers' init too: Lambda runs them on the Node their Runtime declares).
 */
export const loadLine = (): string =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} on ${os.cpus().length} cores, Node ${process.version}`;
