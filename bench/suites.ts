import type { Benchmark } from './run';

/** Benchmarks of the data path and the local cloud, added as those parts land. */
export const benchmarks = (): Benchmark[] => [];
