// `pnpm faults`: every fault case over one local cloud; prints the "fault → outcome" table and, last,
// `faults: N injected, N clean` (exit 1 unless all are clean). `--write-docs` rewrites docs/faults.md from the cases
// (without running them); `--only id,id` runs those cases.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { FAULT_CASES } from './cases';
import { formatTable, formattedDocs, runSuite, summaryLine } from './suite';

export const DOCS = path.resolve(__dirname, '..', 'docs', 'faults.md');

const main = async (args: string[]): Promise<number> => {
  if (args.includes('--write-docs')) {
    writeFileSync(DOCS, await formattedDocs(FAULT_CASES, DOCS));
    process.stdout.write(`wrote ${DOCS} (${FAULT_CASES.length} cases)\n`);
    return 0;
  }
  const onlyAt = args.indexOf('--only');
  const only = onlyAt >= 0 ? (args[onlyAt + 1] ?? '').split(',').filter(Boolean) : undefined;
  const unknown = only?.filter((id) => !FAULT_CASES.some((c) => c.id === id)) ?? [];
  if (onlyAt >= 0 && (only?.length === 0 || unknown.length > 0)) {
    process.stderr.write(`--only needs case ids; unknown: ${unknown.join(', ') || '(none given)'}\n`);
    return 2;
  }
  const cases = only ? FAULT_CASES.filter((c) => only.includes(c.id)) : FAULT_CASES;
  const results = await runSuite(cases, (r) =>
    process.stdout.write(`${r.clean ? 'clean  ' : 'UNCLEAN'} ${r.id} (${r.seconds.toFixed(1)} s): ${r.observed}\n`),
  );
  process.stdout.write(`\n${formatTable(results)}\n\n${summaryLine(results)}\n`);
  return results.every((r) => r.clean) ? 0 : 1;
};

main(process.argv.slice(2).filter((arg) => arg !== '--')).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `pnpm faults failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
