import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { signalNumber, type CommandOutcome } from './shell-session';

/**
 * cfn-lint started ahead: the Python the installed `cfn-lint` script runs, started when the build starts, imports
 * cfn-lint's command line (seconds: samtranslator, pydantic, sympy …) while the build's earlier commands run, then
 * waits. When the build reaches its cfn-lint command with the same working directory and environment it was started
 * with, it gets that command's arguments and runs cfn-lint's own entry point (`cfnlint.runner.main`, what the script
 * calls), so the exit code and output are the command's. Anything else (another environment, a build that never
 * lints, one run done) and it is stopped; the command then runs as written.
 *
 * Before that it can lint one file at a time (probe): each probe is a fork of the imported process (no import again,
 * and the process itself stays as it was for the command), its output kept in a file of its own.
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
  /**
   * `cfn-lint <args>` in a fork, with the environment it was started with, before `run`: its exit code and output
   * (undefined when the process has ended or was never ready, or `run` has begun).
   */
  probe(args: string[]): Promise<CommandOutcome | undefined>;
  /** Stops it (unused, or when the build ends). */
  close(): void;
}

// Reads requests once the imports are done. A probe forks: the child lints with its output to the request's file
// and reports its exit code on a line of its own; the parent reaps finished probes as requests come. The command
// itself runs in the parent, `sys.exit(main())` as the installed script ends.
const DRIVER = [
  'import json, os, sys, traceback',
  'from cfnlint.runner import main',
  'def enter(request):',
  '    os.chdir(request["cwd"])',
  '    os.environ.clear()',
  '    os.environ.update(request["env"])',
  '    sys.argv = [request["script"]] + request["args"]',
  'def reap():',
  '    try:',
  '        while os.waitpid(-1, os.WNOHANG)[0]:',
  '            pass',
  '    except ChildProcessError:',
  '        pass',
  'sys.stdout.write(sys.argv[1] + "\\n")',
  'sys.stdout.flush()',
  'while True:',
  '    line = sys.stdin.readline()',
  '    if not line:',
  '        sys.exit(0)',
  '    reap()',
  '    request = json.loads(line)',
  '    if "probe" not in request:',
  '        enter(request)',
  '        sys.exit(main())',
  '    if os.fork() == 0:',
  '        code = 1',
  '        answer = os.dup(1)',
  '        try:',
  '            output = os.open(request["output"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)',
  '            os.dup2(output, 1)',
  '            os.dup2(output, 2)',
  '            enter(request)',
  '            try:',
  '                code = main()',
  '            except SystemExit as exit:',
  '                code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)',
  '        except BaseException:',
  '            traceback.print_exc()',
  '        finally:',
  '            sys.stdout.flush()',
  '            sys.stderr.flush()',
  '            os.write(answer, (json.dumps({"probe": request["probe"], "exitCode": code}) + "\\n").encode())',
  '            os._exit(0)',
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
  // Probes answer on lines of their own until the command runs: {"probe": id, "exitCode": code}.
  const probes = new Map<number, (exitCode: number | undefined) => void>();
  let probeLines = '';
  const answerProbes = (text: string) => {
    probeLines += text;
    let end: number;
    while ((end = probeLines.indexOf('\n')) >= 0) {
      const line = probeLines.slice(0, end);
      probeLines = probeLines.slice(end + 1);
      const answer = /^\{"probe": (\d+), "exitCode": (-?\d+)\}$/.exec(line);
      if (answer) probes.get(Number(answer[1]))?.(Number(answer[2]));
      else take(`${line}\n`);
    }
  };
  let head = '';
  child.stdout!.on('data', (text: string) => {
    if (imported) return used ? take(text) : answerProbes(text);
    head += text;
    const at = head.indexOf(`${ready}\n`);
    if (at < 0) return;
    imported = true;
    take(head.slice(0, at));
    answerProbes(head.slice(at + ready.length + 1));
  });
  child.stderr!.on('data', (text: string) => take(text));
  let ended = false;
  const exited = new Promise<number>((resolve) => {
    child.on('close', (code, signal) => {
      // It ended before the ready line (an import failed): what it printed is the command's output.
      if (!imported) take(head);
      ended = true;
      for (const answer of probes.values()) answer(undefined);
      resolve(code ?? 128 + signalNumber(signal));
    });
  });
  let used = false;
  let probeDir: Promise<string> | undefined;
  let probeCount = 0;
  const removeProbeDir = () => void probeDir?.then((dir) => rm(dir, { recursive: true, force: true }));
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    removeProbeDir();
  };
  const probe = async (args: string[]): Promise<CommandOutcome | undefined> => {
    if (used || ended) return undefined;
    probeDir ??= mkdtemp(path.join(tmpdir(), 'glue-cd-cfn-lint-probe-'));
    const id = (probeCount += 1);
    const file = path.join(await probeDir, `${id}.txt`);
    const exitCode = await new Promise<number | undefined>((resolve) => {
      // It may have ended (or the command begun) while the folder was made: no answer would come.
      if (used || ended) return resolve(undefined);
      probes.set(id, resolve);
      child.stdin!.write(`${JSON.stringify({ probe: id, output: file, cwd, env, script, args })}\n`);
    });
    probes.delete(id);
    if (exitCode === undefined) return undefined;
    const probeOutput = await readFile(file, 'utf8').catch(() => undefined);
    await rm(file, { force: true });
    return probeOutput === undefined ? undefined : { exitCode, output: probeOutput, shellExited: false };
  };
  return {
    cwd,
    env,
    close,
    probe,
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
        removeProbeDir();
      }
    },
  };
};
