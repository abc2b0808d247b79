// The release's phase timings (src/phases.ts): what the report's `phases` and the summary's time line are made of.
import { formatPhases, PhaseClock, PhaseTimingSchema } from '../src';

test('each phase is timed from the release start, also when its work throws, and listed in start order', async () => {
  const origin = Date.now() - 1_000;
  const clock = new PhaseClock(origin);
  clock.record('package pipeline', origin + 200, origin + 900);
  clock.record('local cloud', origin + 100, origin + 150);
  await expect(
    clock.time('bootstrap stack', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      throw new Error('deploy failed');
    }),
  ).rejects.toThrow('deploy failed');
  expect(await clock.time('report', async () => 'written')).toBe('written');
  const phases = clock.list();
  expect(phases.map((p) => p.phase)).toEqual(['local cloud', 'package pipeline', 'bootstrap stack', 'report']);
  expect(phases.slice(0, 2)).toEqual([
    { phase: 'local cloud', startMs: 100, durationMs: 50 },
    { phase: 'package pipeline', startMs: 200, durationMs: 700 },
  ]);
  const bootstrap = phases[2]!;
  expect(bootstrap.startMs).toBeGreaterThanOrEqual(1_000);
  expect(bootstrap.durationMs).toBeGreaterThanOrEqual(25);
  for (const phase of phases) expect(PhaseTimingSchema.parse(phase)).toEqual(phase);
});

test('the summary line gives the total and every phase as start+duration in seconds', () => {
  expect(
    formatPhases(
      [
        { phase: 'package pipeline', startMs: 0, durationMs: 7_950 },
        { phase: 'Build/Build', startMs: 12_240, durationMs: 21_360 },
      ],
      65_080,
    ),
  ).toBe('time 65.1 s by phase (start+duration, s): package pipeline 0.0+8.0 · Build/Build 12.2+21.4');
});
