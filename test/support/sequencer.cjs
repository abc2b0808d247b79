// jest testSequencer: the slowest test files first, so jest's two workers finish together. A file's time is jest's
// own from this machine's last run when it has one, else the one checked in (durations.json, written by
// `GLUE_CD_TEST_TIMINGS=test/support/durations.json pnpm test:unit`), so a fresh clone (no jest cache) starts the
// slow suites first too instead of ordering by file size. Failed-last-time still goes first, as in jest.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('node:path');
const durations = require('./durations.json');

const REPO_ROOT = path.resolve(__dirname, '../..');

class SlowestFirst extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached !== undefined) return cached;
    const known = durations[path.relative(REPO_ROOT, test.path).split(path.sep).join('/')];
    return known === undefined ? undefined : known.seconds * 1000;
  }
}

module.exports = SlowestFirst;
