import type { CommandRecord } from '../report-schema';
import { PHASES, ignoredKeys, type Buildspec, type BuildspecPhase, type PhaseName } from './buildspec';
import { ShellSession } from './shell-session';
import { skipRuleFor, type SkipRule } from './skip-list';
import type { BuildScratch, StandInDecision } from './stand-ins';

export interface PhaseRecord {
  phase: PhaseName;
  status: 'SUCCEEDED' | 'FAILED' | 'NOT_RUN';
  durationMs: number;
}

export type BuildStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';

export interface BuildResult {
  status: BuildStatus;
  phases: PhaseRecord[];
  commands: CommandRecord[];
  /** env.exported-variables that were set by the end of post_build: the action's output variables. */
  exportedVariables: Record<string, string>;
  /** artifacts.name as the shell expanded it. */
  artifactName?: string;
  /** Whether the build reached UPLOAD_ARTIFACTS (always after the build phase ran, even failed). */
  uploadArtifacts: boolean;
  /** `reports` keys the shell expanded (`$GROUP_ARN: …` names the group through a variable). */
  reportGroupNames?: Record<string, string>;
  /** Where this build differed from CodeBuild (runtime versions, ignored keys, unset exported variables). */
  differences: string[];
  /** The first failure, in CodeBuild's words. */
  failure?: string;
}

export interface BuildOptions {
  buildspec: Buildspec;
  /** CODEBUILD_SRC_DIR: the commands start there. */
  sourceDir: string;
  /** The whole environment of the build (see buildEnvironment). */
  environment: Record<string, string>;
  skipList: SkipRule[];
  timeoutMs: number;
  /** A private folder for the shell session's state (never inside the source). */
  workDir: string;
  /** The build log: CodeBuild's `[Container]` lines and every command's output. */
  log: (text: string) => void;
  onCommand?: (record: CommandRecord) => void;
  /** The Node version runtime-versions is compared with (default: this process's). */
  nodeVersion?: string;
  /** The checkout the release runs from: skip-list stand-ins may use what is installed there. */
  checkout?: string;
}

const TAIL_LINES = 30;
const TAIL_CHARS = 4000;

const tail = (output: string): string => {
  const lines = output.replace(/\s+$/, '').split('\n').slice(-TAIL_LINES).join('\n');
  return lines.length > TAIL_CHARS ? lines.slice(-TAIL_CHARS) : lines;
};

const formatDuration = (ms: number): string =>
  ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : ms >= 1000 ? `${Math.round(ms / 1000)} seconds` : `${ms} ms`;

/** A line of the build log in CodeBuild's own format. */
export const containerLine = (text: string): string =>
  `[Container] ${new Date().toISOString().replace('T', ' ').replace('Z', '')} ${text}\n`;

/** runtime-versions the machine does not match: printed as differences, never errors. */
const runtimeDifferences = (phase: BuildspecPhase | undefined, nodeVersion: string): string[] =>
  Object.entries(phase?.['runtime-versions'] ?? {}).flatMap(([runtime, version]) => {
    if (runtime === 'nodejs') {
      const major = nodeVersion.replace(/^v/, '').split('.')[0];
      return version === major || version === 'latest'
        ? []
        : [`runtime-versions nodejs ${version}: this machine runs Node ${nodeVersion}`];
    }
    return [`runtime-versions ${runtime} ${version}: not installed locally, the machine's ${runtime} (if any) is used`];
  });

/**
 * Runs a version 0.2 buildspec with CodeBuild's semantics: the phases install → pre_build → build → post_build in
 * one shell session; a failing command fails its phase and skips the rest of its commands, `finally` still runs;
 * a failed install or pre_build ends the build (unless on-failure: CONTINUE), a failed build still runs post_build
 * and reaches UPLOAD_ARTIFACTS; CODEBUILD_BUILD_SUCCEEDING turns 0 at the first failure.
 */
export const runBuild = async (options: BuildOptions): Promise<BuildResult> => {
  const { buildspec } = options;
  const line = (text: string) => options.log(containerLine(text));
  const session = new ShellSession({
    shell: buildspec.env?.shell === 'bash' ? 'bash' : '/bin/sh',
    cwd: options.sourceDir,
    env: { ...options.environment, CODEBUILD_BUILD_SUCCEEDING: '1' },
    stateDir: options.workDir,
    onOutput: options.log,
  });
  const commands: CommandRecord[] = [];
  const phases: PhaseRecord[] = [];
  const differences = [
    ...runtimeDifferences(buildspec.phases?.install, options.nodeVersion ?? process.version),
    ...ignoredKeys(buildspec),
  ];
  let succeeding = true;
  let stopped: string | undefined; // why the remaining phases do not run
  let timedOut = false;
  let failure: string | undefined;
  // What skip rules start for this build before its first command (cfn-lint started ahead), closed at its end.
  const scratch: BuildScratch = new Map();
  const allCommands = PHASES.flatMap((phase) => [
    ...(buildspec.phases?.[phase]?.commands ?? []),
    ...(buildspec.phases?.[phase]?.finally ?? []),
  ]);
  for (const rule of options.skipList) {
    const started = rule.atBuildStart?.({
      commands: allCommands,
      sourceDir: options.sourceDir,
      env: session.startEnvironment,
      scratch,
    });
    if (started) line(`local release: ${started}`);
  }
  const aborted = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    aborted.abort();
    session.close();
  }, options.timeoutMs);

  const record = (entry: CommandRecord) => {
    commands.push(entry);
    options.onCommand?.(entry);
  };

  const fail = (message: string) => {
    failure ??= message;
    if (succeeding) {
      succeeding = false;
      session.exportVariable('CODEBUILD_BUILD_SUCCEEDING', '0');
    }
  };

  /** Runs one block of a phase; returns false when a command failed (the rest of the block does not run). */
  const runBlock = async (phase: PhaseName, block: 'commands' | 'finally', list: string[]): Promise<boolean> => {
    let ok = true;
    for (const command of list) {
      if (!ok || timedOut) {
        const reason = timedOut ? 'the build timed out' : `an earlier command of ${phase} ${block} failed`;
        record({ phase, block, command, exitCode: null, status: 'not-run', reason, durationMs: 0 });
        continue;
      }
      const skip = skipRuleFor(command, options.skipList);
      const began = Date.now();
      const decision: StandInDecision = skip?.standIn
        ? await skip.standIn({
            command,
            sourceDir: options.sourceDir,
            cwd: await session.workingDirectory(),
            ...(options.checkout !== undefined ? { checkout: options.checkout } : {}),
            run: (text) => session.run(text),
            variables: (names) => session.readVariables(names),
            environment: () => session.environment(),
            scratch,
          })
        : skip
          ? { action: 'skip', detail: '' }
          : { action: 'run' };
      if (decision.action === 'skip') {
        line(
          `Skipping command ${command} (local release: ${skip!.reason}${decision.detail ? `; ${decision.detail}` : ''})`,
        );
        const durationMs = Date.now() - began;
        record({ phase, block, command, exitCode: null, status: 'skipped', reason: skip!.reason, durationMs });
        continue;
      }
      if (decision.action === 'fail') {
        line(`Command did not exit successfully ${command} (local release: ${decision.detail})`);
        record({
          phase,
          block,
          command,
          exitCode: decision.exitCode,
          status: 'failed',
          reason: decision.detail,
          durationMs: Date.now() - began,
          ...(decision.output.trim() ? { outputTail: tail(decision.output) } : {}),
        });
        fail(`${phase}: Error while executing command: ${command}. Reason: ${decision.detail}`);
        ok = false;
        continue;
      }
      line(`Running command ${command}${decision.detail ? ` (local release: ${decision.detail})` : ''}`);
      const outcome = decision.instead
        ? await decision.instead((text) => options.log(text), aborted.signal)
        : await session.run(command);
      const durationMs = Date.now() - began;
      const after = decision.after ? await decision.after(outcome) : undefined;
      if (after) line(`local release: ${after}`);
      if (timedOut) {
        line(`Command did not finish: the build timed out after ${formatDuration(options.timeoutMs)}`);
        record({ phase, block, command, exitCode: null, status: 'not-run', reason: 'the build timed out', durationMs });
        ok = false;
        continue;
      }
      if (outcome.exitCode === 0) {
        record({ phase, block, command, exitCode: 0, status: 'succeeded', durationMs });
        continue;
      }
      line(`Command did not exit successfully ${command} exit status ${outcome.exitCode}`);
      record({
        phase,
        block,
        command,
        exitCode: outcome.exitCode,
        status: 'failed',
        durationMs,
        ...(outcome.output.trim() ? { outputTail: tail(outcome.output) } : {}),
      });
      fail(`${phase}: Error while executing command: ${command}. Reason: exit status ${outcome.exitCode}`);
      ok = false;
    }
    return ok;
  };

  try {
    for (const phase of PHASES) {
      const spec = buildspec.phases?.[phase];
      if (!spec) continue;
      const list = { commands: spec.commands ?? [], finally: spec.finally ?? [] };
      if (stopped || timedOut) {
        const reason = timedOut ? 'the build timed out' : stopped!;
        for (const block of ['commands', 'finally'] as const) {
          for (const command of list[block]) {
            record({ phase, block, command, exitCode: null, status: 'not-run', reason, durationMs: 0 });
          }
        }
        phases.push({ phase, status: 'NOT_RUN', durationMs: 0 });
        continue;
      }
      line(`Entering phase ${phase.toUpperCase()}`);
      const began = Date.now();
      const commandsOk = await runBlock(phase, 'commands', list.commands);
      // finally runs after the commands, failed or not (never after a timeout).
      const finallyOk = await runBlock(phase, 'finally', list.finally);
      const ok = commandsOk && finallyOk && !timedOut;
      phases.push({ phase, status: ok ? 'SUCCEEDED' : 'FAILED', durationMs: Date.now() - began });
      line(`Phase complete: ${phase.toUpperCase()} State: ${ok ? 'SUCCEEDED' : 'FAILED'}`);
      if (ok || timedOut) continue;
      if (spec['on-failure'] === 'CONTINUE') {
        line(`Phase ${phase.toUpperCase()} failed; on-failure: CONTINUE goes on to the next phase`);
      } else if (phase === 'install' || phase === 'pre_build') {
        stopped = `the ${phase} phase failed`;
      }
      // A failed build phase still runs post_build, and a failed post_build still uploads the artifacts.
    }
    const exportedNames = buildspec.env?.['exported-variables'] ?? [];
    const exportedVariables = timedOut ? {} : await session.readVariables(exportedNames);
    for (const name of exportedNames) {
      if (!timedOut && exportedVariables[name] === undefined) {
        differences.push(`exported variable ${name} was never set: the action has no output variable ${name}`);
      }
    }
    const uploadArtifacts = !stopped && !timedOut;
    const artifactName =
      uploadArtifacts && buildspec.artifacts?.name !== undefined
        ? await session.expand(buildspec.artifacts.name)
        : undefined;
    const reportGroupNames: Record<string, string> = {};
    for (const key of Object.keys(buildspec.reports ?? {})) {
      if (uploadArtifacts && key.includes('$')) reportGroupNames[key] = await session.expand(key);
    }
    if (timedOut) failure = `build timed out after ${formatDuration(options.timeoutMs)}`;
    const status: BuildStatus = timedOut ? 'TIMED_OUT' : succeeding ? 'SUCCEEDED' : 'FAILED';
    return {
      status,
      phases,
      commands,
      exportedVariables,
      ...(artifactName !== undefined ? { artifactName } : {}),
      uploadArtifacts,
      ...(Object.keys(reportGroupNames).length > 0 ? { reportGroupNames } : {}),
      differences,
      ...(failure !== undefined ? { failure } : {}),
    };
  } finally {
    clearTimeout(timer);
    for (const work of scratch.values()) work.close();
    session.close();
  }
};
