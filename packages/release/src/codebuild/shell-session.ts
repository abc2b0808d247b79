import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/** What one command did: its exit status and its output (stdout and stderr, in arrival order). */
export interface CommandOutcome {
  exitCode: number;
  output: string;
  /** The command ended the shell itself (`exit`, a syntax error): the next command gets a restored shell. */
  shellExited: boolean;
}

export interface ShellSessionOptions {
  /** `bash` or `/bin/sh` (buildspec env.shell). */
  shell: string;
  cwd: string;
  env: Record<string, string>;
  /** A private folder (outside the source) for the session's state snapshots. */
  stateDir: string;
  /** Output as it arrives, for the build log. */
  onOutput?: (text: string) => void;
}

const quote = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

// How long the output pipes may stay open after the shell died (a background process holding them).
const DRAIN_AFTER_EXIT_MS = 500;

/**
 * One shell for all the commands of a build, as buildspec 0.2 runs them: `cd` and `export` carry over.
 * After each command the session snapshots its exported variables and working directory, so that when a command
 * ends the shell (`exit 1`) the next one runs in a new shell restored from that snapshot.
 */
export class ShellSession {
  private child: ChildProcess | undefined;
  private readonly groups = new Set<number>();
  private readonly token = `__GLUE_CD_${randomBytes(8).toString('hex')}`;
  private readonly stdoutMark = new RegExp(`\\n${this.token}:(\\d+)\\n`);
  private readonly stderrMark = `\n${this.token}\n`;
  private pending:
    | {
        stdout: string;
        stderr: string;
        output: string;
        status?: number;
        stderrDone: boolean;
        quiet: boolean;
        resolve: (outcome: CommandOutcome) => void;
      }
    | undefined;
  private readonly prelude: string[] = [];

  constructor(private readonly options: ShellSessionOptions) {}

  /** The environment the shell starts with (before any command's `export`). */
  get startEnvironment(): Record<string, string> {
    return this.options.env;
  }

  private get exportsFile(): string {
    return path.join(this.options.stateDir, 'exports.sh');
  }

  private get cwdFile(): string {
    return path.join(this.options.stateDir, 'cwd');
  }

  private async start(): Promise<ChildProcess> {
    const restored = existsSync(this.cwdFile) ? await readFile(this.cwdFile, 'utf8') : undefined;
    const cwd = restored && existsSync(restored) ? restored : this.options.cwd;
    // Its own process group, so that a timeout or the end of the build stops whatever the commands started.
    const child = spawn(this.options.shell, [], {
      cwd,
      env: this.options.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    if (child.pid !== undefined) this.groups.add(child.pid);
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => this.onData('stdout', text));
    child.stderr!.on('data', (text: string) => this.onData('stderr', text));
    child.stdin!.on('error', () => undefined); // a shell that died mid-write: its exit is handled below
    let closed = false;
    child.on('close', () => (closed = true));
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const finish = () => this.onShellExit(code ?? 128 + signalNumber(signal));
      if (closed) finish();
      else {
        const timer = setTimeout(finish, DRAIN_AFTER_EXIT_MS);
        child.on('close', () => {
          clearTimeout(timer);
          finish();
        });
      }
    });
    const spawned = await new Promise<ChildProcess>((resolve, reject) => {
      child.once('spawn', () => resolve(child));
      child.once('error', reject);
    });
    if (existsSync(this.exportsFile)) {
      spawned.stdin!.write(`. ${quote(this.exportsFile)} >/dev/null 2>&1 </dev/null\n`);
    }
    return spawned;
  }

  private write(text: string): void {
    this.child?.stdin?.write(text);
  }

  /** Runs one command in the session; resolves when it has finished and all its output has been read. */
  async run(command: string, options: { quiet?: boolean } = {}): Promise<CommandOutcome> {
    if (this.pending) throw new Error('ShellSession.run: a command is already running');
    // An unterminated quote would make the session wait for the rest of it: the shell checks the syntax first.
    const syntax = spawnSync(this.options.shell, ['-n', '-c', command], { encoding: 'utf8', env: this.options.env });
    if (syntax.status !== 0) {
      const output = `${syntax.stderr ?? ''}${syntax.error ? String(syntax.error) : ''}`;
      if (!options.quiet) this.options.onOutput?.(output);
      return { exitCode: syntax.status ?? 2, output, shellExited: false };
    }
    this.child ??= await this.start();
    const outcome = new Promise<CommandOutcome>((resolve) => {
      this.pending = { stdout: '', stderr: '', output: '', stderrDone: false, quiet: options.quiet ?? false, resolve };
    });
    const prelude = this.prelude.splice(0).join('\n');
    this.write(
      [
        prelude,
        // A group, not a subshell, so cd/export persist; stdin from /dev/null so a command cannot read the session's.
        '{',
        command,
        '} </dev/null',
        '__glue_cd_status=$?',
        `export -p > ${quote(this.exportsFile)}`,
        `printf '%s' "$PWD" > ${quote(this.cwdFile)}`,
        `printf '\\n${this.token}:%s\\n' "$__glue_cd_status"`,
        `printf '\\n${this.token}\\n' >&2`,
        '',
      ]
        .filter((line, i) => i > 0 || line !== '')
        .join('\n'),
    );
    return outcome;
  }

  /** The directory the next command starts in (after the `cd`s of the commands so far). */
  async workingDirectory(): Promise<string> {
    return existsSync(this.cwdFile) ? await readFile(this.cwdFile, 'utf8') : this.options.cwd;
  }

  /** `export NAME=value` before the next command (CODEBUILD_BUILD_SUCCEEDING turning 0), not a command of its own. */
  exportVariable(name: string, value: string): void {
    this.prelude.push(`export ${name}=${quote(value)}`);
  }

  /** Values of shell variables by name (exported or not); unset ones are absent. */
  async readVariables(names: string[]): Promise<Record<string, string>> {
    if (names.length === 0) return {};
    const file = path.join(this.options.stateDir, 'variables');
    const script = [
      `: > ${quote(file)}`,
      ...names.map(
        (name) => `if [ "\${${name}+set}" = set ]; then printf '%s=%s\\0' ${name} "$${name}" >> ${quote(file)}; fi`,
      ),
    ].join('\n');
    await this.run(script, { quiet: true });
    return readAssignments(file);
  }

  /** The environment a command run now would get (the shell's exported variables), by name. */
  async environment(): Promise<Record<string, string>> {
    const file = path.join(this.options.stateDir, 'environment');
    await this.run(`env -0 > ${quote(file)}`, { quiet: true });
    return readAssignments(file);
  }

  /** The shell's expansion of a word (artifacts.name), e.g. `build-$(date +%Y)`. */
  async expand(word: string): Promise<string> {
    const outcome = await this.run(`echo ${word}`, { quiet: true });
    return outcome.output.replace(/\n$/, '');
  }

  /** Stops the shell and everything the commands started. */
  close(): void {
    for (const group of this.groups) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // the group is gone already
      }
    }
    this.groups.clear();
    this.child = undefined;
  }

  private onData(stream: 'stdout' | 'stderr', text: string): void {
    const pending = this.pending;
    if (!pending) {
      // Output of work a command left running in the background, between commands.
      this.options.onOutput?.(text);
      return;
    }
    pending[stream] += text;
    if (stream === 'stdout' && pending.status === undefined) {
      const match = this.stdoutMark.exec(pending.stdout);
      if (match) {
        pending.status = Number(match[1]);
        this.emit(pending.stdout.slice(0, match.index));
        pending.stdout = pending.stdout.slice(match.index + match[0].length);
      }
    }
    if (stream === 'stderr' && !pending.stderrDone) {
      const index = pending.stderr.indexOf(this.stderrMark);
      if (index >= 0) {
        pending.stderrDone = true;
        this.emit(pending.stderr.slice(0, index));
        pending.stderr = pending.stderr.slice(index + this.stderrMark.length);
      }
    }
    // Stream what cannot be the start of a mark, so long commands show their output as it comes.
    const keep = this.token.length + 16;
    for (const s of ['stdout', 'stderr'] as const) {
      const done = s === 'stdout' ? pending.status !== undefined : pending.stderrDone;
      if (!done && pending[s].length > keep) {
        this.emit(pending[s].slice(0, -keep));
        pending[s] = pending[s].slice(-keep);
      }
    }
    if (pending.status !== undefined && pending.stderrDone) {
      this.pending = undefined;
      pending.resolve({ exitCode: pending.status, output: pending.output, shellExited: false });
    }
  }

  private emit(text: string): void {
    if (!text || !this.pending) return;
    this.pending.output += text;
    if (!this.pending.quiet) this.options.onOutput?.(text);
  }

  private onShellExit(exitCode: number): void {
    const pending = this.pending;
    if (!pending) return;
    if (pending.status === undefined) this.emit(pending.stdout);
    if (!pending.stderrDone) this.emit(pending.stderr);
    this.pending = undefined;
    pending.resolve({ exitCode: pending.status ?? exitCode, output: pending.output, shellExited: true });
  }
}

/** `name=value` entries a command wrote NUL-separated (printf '%s=%s\0', `env -0`), by name; none if no file. */
const readAssignments = async (file: string): Promise<Record<string, string>> => {
  const text = existsSync(file) ? await readFile(file, 'utf8') : '';
  return Object.fromEntries(
    text
      .split('\0')
      .filter((entry) => entry.includes('='))
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
};

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15 };
/** A signal's number, as a shell's `128 + n` exit status reports it (1 for one not listed). */
export const signalNumber = (signal: NodeJS.Signals | null): number => (signal ? (SIGNALS[signal] ?? 1) : 1);
