import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { signalNumber, type CommandOutcome } from './shell-session';

/**
 * cfn-lint started ahead: the Python the installed `cfn-lint` script runs, started when the build starts, imports
 * cfn-lint's command line (seconds: samtranslator, pydantic, sympy …) while the build's earlier commands run, then
 * waits. When the build reaches its cfn-lint command with the same working directory and environment it was started
 * with, it gets that command's arguments and runs cfn-lint's own entry point (`cfnlint.runner.main`, what the script
 * calls), so the exit code and output are the command's. Anything else (another environment, a build that never
 * lints, one run done) and it is stopped; the command then runs as written.
 */
export interface CfnLintAhead {
  /** The working directory and environment it was started with: the only ones it runs for. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /**
   * `cfn-lint <args>` with `env` (the one it started with, plus what the shell sets for a command: PWD, SHLVL …): the
   * outcome the command would have had; its output also goes to `log` as it comes.
   */
  run(
    args: string[],
    env: Record<string, string>,
    log: (text: string) => void,
    signal?: AbortSignal,
  ): Promise<CommandOutcome>;
  /** Stops it (unused, or when the build ends). */
  close(): void;
}

// Reads one request once the imports are done; `sys.exit(main())` as the installed script ends.
const DRIVER = [
  'import json, os, sys',
  'from cfnlint.runner import main',
  'sys.stdout.write(sys.argv[1] + "\\n")',
  'sys.stdout.flush()',
  'line = sys.stdin.readline()',
  'if not line:',
  '    sys.exit(0)',
  'request = json.loads(line)',
  'os.chdir(request["cwd"])',
  'os.environ.clear()',
  'os.environ.update(request["env"])',
  'sys.argv = [request["script"]] + request["args"]',
  'sys.exit(main())',
].join('\n');

/**
 * Starts `python` (the one `script`, the installed `cfn-lint`, names) importing cfn-lint, in `cwd` with `env` (the
 * build's, as its cfn-lint command would have them).
 */
export const startCfnLintAhead = (
  python: string,
  script: string,
  cwd: string,
  env: Record<string, string>,
): CfnLintAhead => {
  const ready = `glue-cd-cfn-lint-ready-${randomBytes(8).toString('hex')}`;
  const child: ChildProcess = spawn(python, ['-c', DRIVER, ready], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.on('error', () => undefined); // it died: its exit answers run()
  child.on('error', () => undefined);
  // Output before the ready line (an import's warnings) is the command's output too: it is kept for the run.
  let output = '';
  let imported = false;
  let sink: ((text: string) => void) | undefined;
  const take = (text: string) => {
    output += text;
    sink?.(text);
  };
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  let head = '';
  child.stdout!.on('data', (text: string) => {
    if (imported) return take(text);
    head += text;
    const at = head.indexOf(`${ready}\n`);
    if (at < 0) return;
    imported = true;
    take(head.slice(0, at));
    take(head.slice(at + ready.length + 1));
  });
  child.stderr!.on('data', (text: string) => take(text));
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      // It ended before the ready line (an import failed): what it printed is the command's output.
      if (!imported) take(head);
      resolve(code ?? 128 + signalNumber(signal));
    });
  });
  let used = false;
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return {
    cwd,
    env,
    close,
    run: async (args, commandEnv, log, signal) => {
      if (used) throw new Error('cfn-lint started ahead runs once');
      used = true;
      sink = log;
      if (output) log(output);
      const abort = () => close();
      signal?.addEventListener('abort', abort, { once: true });
      child.stdin!.end(`${JSON.stringify({ cwd, env: commandEnv, script, args })}\n`);
      try {
        const exitCode = await exited;
        return { exitCode, output, shellExited: false };
      } finally {
        signal?.removeEventListener('abort', abort);
      }
    },
  };
};
