import path from 'node:path';
import { checkDependencies, formatDependencyCheck } from './dependency-check';

// `pnpm deps:check` (part of `pnpm test`): exit 1 naming each unused, undeclared or misplaced dependency.

const args = process.argv.slice(2);
if (args.length > 0) {
  process.stderr.write(`check-dependencies: unknown argument ${args.join(' ')}\nusage: pnpm deps:check\n`);
  process.exit(2);
}
const check = checkDependencies(path.resolve(__dirname, '..'));
(check.problems.length === 0 ? process.stdout : process.stderr).write(formatDependencyCheck(check));
process.exitCode = check.problems.length === 0 ? 0 : 1;
