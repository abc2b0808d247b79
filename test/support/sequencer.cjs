// jest testSequencer: the slowest test files first, so jest's two workers finish together. A file's time is jest's
// own from this machine's last run when it has one, else the one checked in (durations.json, written by
// `GLUE_CD_TEST_TIMINGS=test/support/durations.json pnpm test:unit`), so a fresh clone (no jest cache) starts the
// slow suites first too instead of ordering by file size. Failed-last-time still goes first, as in jest.
const Sequencer = require('@jest/test-sequencer').default;
const path = require('node:path');
const durations = require('./durations.json');

const REPO_ROOT = path.resolve(__dirname, '../..');
const relative = (test) => path.relative(REPO_ROOT, test.path).split(path.sep).join('/');

// Files sharing a fixture that the first of them to ask makes under a lock (the run's first release,
// test/e2e/release-fixture.ts): a second one started beside the first would only wait on the lock, so the others
// go behind the next file outside the group.
const SHARED_FIXTURES = [['test/e2e/release-changes.test.ts', 'test/e2e/release.test.ts']];

class SlowestFirst extends Sequencer {
  time(test) {
    const cached = super.time(test);
    if (cached !== undefined) return cached;
    const known = durations[relative(test)];
    return known === undefined ? undefined : known.seconds * 1000;
  }

  sort(tests) {
    let order = super.sort(tests);
    for (const group of SHARED_FIXTURES) {
      const [first, ...others] = order.filter((test) => group.includes(relative(test)));
      if (others.length === 0) continue;
      order = order.filter((test) => !others.includes(test));
      const next = order.findIndex((test, at) => at > order.indexOf(first) && !group.includes(relative(test)));
      order.splice(next < 0 ? order.length : next + 1, 0, ...others);
    }
    return order;
  }
}

module.exports = SlowestFirst;
