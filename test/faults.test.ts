// The fault suite's machinery in `pnpm test`: docs/faults.md is the suite's case list, and a few representative
// cases (a lost answer after a side effect, a Lambda crash after one, S3 slow-down while emptying, a forged token)
// run end to end and come out clean. The whole suite is `pnpm faults`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FAULT_CASES } from '../faults/cases';
import { caseRows, documentedCases, formatTable, runSuite, summaryLine } from '../faults/suite';

const DOCS = path.resolve(__dirname, '..', 'docs', 'faults.md');

const REPRESENTATIVE = [
  'cfn-createchangeset-lost',
  'lambda-createchangeset-crash-after',
  's3-slowdown-emptying',
  'delivery-forged-token',
];

describe('the fault suite', () => {
  test('docs/faults.md lists exactly the suite’s cases (regenerate: pnpm faults -- --write-docs)', () => {
    expect(documentedCases(readFileSync(DOCS, 'utf8'))).toEqual(caseRows(FAULT_CASES));
  });

  test('has at least 30 cases with unique ids over every service the task names', () => {
    const ids = FAULT_CASES.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThanOrEqual(30);
    expect(new Set(FAULT_CASES.map((c) => c.service))).toEqual(
      new Set(['S3', 'CloudFormation', 'Step Functions', 'Lambda', 'Glue', 'Athena', 'CodePipeline', 'local cloud']),
    );
  });

  test('representative cases end clean: success or a failure saying what to do, nothing deleted, no row lost', async () => {
    // Arrange
    const cases = FAULT_CASES.filter((c) => REPRESENTATIVE.includes(c.id));

    // Act
    const results = await runSuite(cases);

    // Assert
    expect({ table: formatTable(results), summary: summaryLine(results) }).toEqual({
      table: expect.any(String),
      summary: `faults: ${REPRESENTATIVE.length} injected, ${REPRESENTATIVE.length} clean`,
    });
    expect(results.map((r) => r.id).sort()).toEqual([...REPRESENTATIVE].sort());
  }, 900_000);
});
