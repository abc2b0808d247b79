// jest reporter: one summary line per run (wall time and the slowest files), and, when GLUE_CD_TEST_TIMINGS names a
// file, every test file's time there as JSON (repo-relative path -> { seconds, cpu }), cpu being the CPU seconds of
// its worker and the processes it waited for (file-timings.ts): the form test/support/durations.json keeps for the
// test sequencer (sequencer.cjs).
const { readFileSync, readdirSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '../..');
const relative = (file) => path.relative(REPO_ROOT, file).split(path.sep).join('/');

/** Test path -> CPU seconds, from the files file-timings.ts wrote in the run's folder. */
const cpuOf = () => {
  const dir = path.join(process.env.GLUE_CD_TEST_RUN_DIR ?? '', 'cpu');
  const cpu = new Map();
  let names = [];
  try {
    names = readdirSync(dir);
  } catch {
    return cpu;
  }
  for (const name of names) {
    const { testPath, cpu: seconds } = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    cpu.set(testPath, seconds);
  }
  return cpu;
};

class TimingsReporter {
  onRunComplete(_contexts, results) {
    const ran = results.testResults.filter((result) => !result.skipped && result.perfStats.end > 0);
    const seconds = (result) => Math.round((result.perfStats.end - result.perfStats.start) / 100) / 10;
    const file = process.env.GLUE_CD_TEST_TIMINGS;
    if (file) {
      const cpu = cpuOf();
      // One line a file, sorted by path, as prettier leaves it (the checked-in copy is formatted).
      const lines = ran
        .map((result) => [relative(result.testFilePath), seconds(result), cpu.get(result.testFilePath) ?? null])
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, wall, used]) => `  ${JSON.stringify(name)}: { "seconds": ${wall}, "cpu": ${used} }`);
      writeFileSync(path.resolve(file), `{\n${lines.join(',\n')}\n}\n`);
    }
    const slowest = ran
      .sort((a, b) => seconds(b) - seconds(a))
      .slice(0, 3)
      .map((result) => `${path.basename(result.testFilePath, '.test.ts')} ${seconds(result)} s`);
    const wall = ((Date.now() - results.startTime) / 1000).toFixed(0);
    process.stdout.write(`jest: ${wall} s, slowest files: ${slowest.join(', ')}${file ? `; times in ${file}` : ''}\n`);
  }
}

module.exports = TimingsReporter;
