import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type HistoryEvent } from '@aws-sdk/client-sfn';
import { parseS3Url } from '@glue-cd/core';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { CloudClients } from '../clients';
import type {
  ChangeRecord,
  ChangeSetView,
  DeployResultView,
  ExecutionRecord,
  StateMachineGraph,
  VisitedState,
} from '../report-schema';
import { choiceTaken } from './choice-rules';

const ERROR_CHARS = 300;

const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

const time = (event: HistoryEvent): number | undefined =>
  event.timestamp instanceof Date ? event.timestamp.getTime() : undefined;

/** The `*FailedEventDetails` (or timed out) of an event: a task or Lambda error raised inside the open state. */
const failureOf = (event: HistoryEvent): string | undefined => {
  for (const [key, value] of Object.entries(event)) {
    if (!/(Failed|TimedOut)EventDetails$/.test(key) || typeof value !== 'object' || value === null) continue;
    const { error, cause } = value as { error?: string; cause?: string };
    if (error === undefined && cause === undefined) continue;
    const text = [error, cause?.split('\n')[0]].filter(Boolean).join(': ');
    return text.length > ERROR_CHARS ? `${text.slice(0, ERROR_CHARS - 1)}…` : text;
  }
  return undefined;
};

/**
 * The path of one execution through the state machine, read from its GetExecutionHistory events: each visit with
 * when it was entered, how long it lasted (to its exit, or to the execution's end) and the error raised in it; with
 * the graph, a Choice visit also says which rule its input matched.
 */
export const executionPath = (history: HistoryEvent[], graph?: StateMachineGraph): VisitedState[] => {
  const choices = new Set(graph?.states.filter((s) => s.type === 'Choice').map((s) => s.name));
  const path: (VisitedState & { enteredMs?: number })[] = [];
  const open = () => [...path].reverse().find((visit) => visit.outcome === 'entered');
  let end: number | undefined;
  for (const event of history) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) {
      const at = time(event);
      const transition =
        graph && choices.has(entered)
          ? choiceTaken(graph, entered, parseJson(event.stateEnteredEventDetails?.input))
          : undefined;
      path.push({
        name: entered,
        outcome: 'entered',
        ...(at !== undefined ? { enteredAt: new Date(at).toISOString(), enteredMs: at } : {}),
        ...(transition !== undefined ? { transition } : {}),
      });
    }
    const failure = entered === undefined ? failureOf(event) : undefined;
    if (failure !== undefined && !/^Execution/.test(event.type ?? '')) {
      const visit = open();
      if (visit) visit.error = failure;
    }
    const exited = event.stateExitedEventDetails?.name;
    if (exited !== undefined) {
      const visit = [...path].reverse().find((v) => v.name === exited && v.outcome === 'entered');
      if (visit) {
        visit.outcome = 'exited';
        const at = time(event);
        if (at !== undefined && visit.enteredMs !== undefined) visit.durationMs = Math.max(0, at - visit.enteredMs);
      }
    }
    if (/^Execution(Succeeded|Failed|Aborted|TimedOut)$/.test(event.type ?? '')) end = time(event);
  }
  const last = open();
  if (last && history.some((event) => event.type === 'ExecutionFailed')) last.outcome = 'failed';
  for (const visit of path) {
    if (
      visit.outcome !== 'exited' &&
      visit.durationMs === undefined &&
      end !== undefined &&
      visit.enteredMs !== undefined
    )
      visit.durationMs = Math.max(0, end - visit.enteredMs);
  }
  return path.map(({ enteredMs: _enteredMs, ...visit }) => visit);
};

// ---- the verdict, whichever shape the orchestrator gives it (full, bounded summary, older releases) ----

const ViolationSchema = z.object({
  logicalId: z.string(),
  stackPath: z.array(z.string()).default([]),
  resourceType: z.string(),
  action: z.string(),
  replacement: z.string().optional(),
  policyAction: z.string().optional(),
  reason: z.string(),
});
const BroadeningSchema = z.object({
  id: z.string().optional(),
  kind: z.string(),
  stackPath: z.array(z.string()).default([]),
  description: z.string(),
});
/** Every field any shape of the verdict may carry; which ones are there tells the shape. */
const VerdictSchema = z.object({
  verdict: z.string(),
  safe: z.boolean(),
  violations: z.array(ViolationSchema).default([]),
  accepted: z.array(ViolationSchema).optional(),
  inspectedChanges: z.number().int().nonnegative().optional(),
  counts: z
    .object({
      inspectedChanges: z.number().int().nonnegative(),
      violations: z.number().int().nonnegative(),
      accepted: z.number().int().nonnegative(),
      broadening: z.number().int().nonnegative().optional(),
      refusedBroadening: z.number().int().nonnegative().optional(),
    })
    .optional(),
  /** The summary's refused broadenings, or the full verdict's { policy, items, refused, reason }. */
  broadening: z
    .union([
      z.array(BroadeningSchema),
      z.object({
        policy: z.string().optional(),
        items: z.array(BroadeningSchema).default([]),
        refused: z.array(BroadeningSchema).default([]),
        reason: z.string().optional(),
      }),
    ])
    .optional(),
  onBroadening: z.string().optional(),
  broadeningReason: z.string().optional(),
  location: z.string().optional(),
});
type Verdict = z.infer<typeof VerdictSchema>;

const key = (b: { id?: string | undefined; description: string }) => b.id ?? b.description;

/** Any verdict shape as the report's change-set view (the first matching source wins, see changeSetView). */
export const verdictView = (
  verdict: Verdict,
  source: string,
  names: { stackName?: string; changeSetName?: string } = {},
): ChangeSetView => {
  const changes: ChangeRecord[] = [
    ...verdict.violations.map((v) => ({ ...v, disposition: 'refused' as const })),
    ...(verdict.accepted ?? []).map((v) => ({ ...v, disposition: 'accepted' as const })),
  ];
  const broadening = Array.isArray(verdict.broadening)
    ? verdict.broadening.map((b) => ({ ...b, refused: true }))
    : (verdict.broadening?.items ?? []).map((b) => ({
        ...b,
        refused: (verdict.broadening as { refused: { id?: string; description: string }[] }).refused.some(
          (r) => key(r) === key(b),
        ),
      }));
  const full = !Array.isArray(verdict.broadening) ? verdict.broadening : undefined;
  return {
    source,
    ...(names.stackName !== undefined ? { stackName: names.stackName } : {}),
    ...(names.changeSetName !== undefined ? { changeSetName: names.changeSetName } : {}),
    verdict: verdict.verdict,
    safe: verdict.safe,
    counts: verdict.counts ?? {
      inspectedChanges: verdict.inspectedChanges ?? changes.length,
      violations: verdict.violations.length,
      accepted: (verdict.accepted ?? []).length,
      ...(full ? { broadening: full.items.length, refusedBroadening: full.refused.length } : {}),
    },
    changes,
    broadening: broadening.map(({ id, kind, description, stackPath, refused }) => ({
      ...(id !== undefined ? { id } : {}),
      kind,
      description,
      stackPath,
      refused,
    })),
    ...((verdict.onBroadening ?? full?.policy) !== undefined
      ? { onBroadening: (verdict.onBroadening ?? full?.policy)! }
      : {}),
    ...((verdict.broadeningReason ?? full?.reason) !== undefined
      ? { broadeningReason: (verdict.broadeningReason ?? full?.reason)! }
      : {}),
    ...(verdict.location !== undefined ? { location: verdict.location } : {}),
  };
};

const ChangeSetStateSchema = z.object({
  changeSet: z.object({
    stackName: z.string().optional(),
    changeSetName: z.string().optional(),
    verdict: VerdictSchema.optional(),
  }),
});

/**
 * The change set's verdict as the execution carries it: the last PollChangeSet output that holds one
 * (`$.changeSet.verdict`, there whether the change set was then executed, refused or discarded), else the deploy
 * result's `verdict`.
 */
export const changeSetView = (history: HistoryEvent[], output: string | undefined): ChangeSetView | undefined => {
  for (const event of [...history].reverse()) {
    const details = event.stateExitedEventDetails;
    if (details?.output === undefined) continue;
    const state = ChangeSetStateSchema.safeParse(parseJson(details.output));
    if (!state.success || state.data.changeSet.verdict === undefined) continue;
    const { stackName, changeSetName, verdict } = state.data.changeSet;
    return verdictView(verdict, `${details.name} output ($.changeSet.verdict)`, {
      ...(stackName !== undefined ? { stackName } : {}),
      ...(changeSetName !== undefined ? { changeSetName } : {}),
    });
  }
  const result = z
    .object({ verdict: VerdictSchema, stackName: z.string().optional(), changeSetName: z.string().optional() })
    .safeParse(parseJson(output));
  if (!result.success) return undefined;
  const { verdict, stackName, changeSetName } = result.data;
  return verdictView(verdict, 'execution output (verdict)', {
    ...(stackName !== undefined ? { stackName } : {}),
    ...(changeSetName !== undefined ? { changeSetName } : {}),
  });
};

const DeployResultSchema = z.object({
  outcome: z.string(),
  stackName: z.string(),
  changeSetName: z.string().optional(),
  note: z.string().optional(),
  outputs: z.record(z.string(), z.string()).default({}),
  plan: z
    .object({
      url: z.string(),
      textUrl: z.string().optional(),
      summary: z.string(),
      counts: z.record(z.string(), z.number()),
    })
    .optional(),
});

/** The execution's output as a deploy result, when it is one. */
export const deployResultView = (output: string | undefined): DeployResultView | undefined => {
  const parsed = DeployResultSchema.safeParse(parseJson(output));
  if (!parsed.success) return undefined;
  const { plan, changeSetName, note, ...rest } = parsed.data;
  return {
    ...rest,
    ...(changeSetName !== undefined ? { changeSetName } : {}),
    ...(note !== undefined ? { note } : {}),
    ...(plan !== undefined ? { plan } : {}),
  };
};

/** The full verdict an S3 pointer names, copied beside the report; its lists replace the summary's first N. */
const fetchFullVerdict = async (
  clients: CloudClients,
  view: ChangeSetView,
  target: { reportDir: string; file: string },
): Promise<ChangeSetView> => {
  const location = view.location !== undefined ? parseS3Url(view.location) : undefined;
  if (!location) return view;
  try {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    const text = await object.Body!.transformToString();
    await mkdir(path.dirname(target.file), { recursive: true });
    await writeFile(target.file, text);
    const localCopy = path.relative(target.reportDir, target.file).split(path.sep).join('/');
    const full = VerdictSchema.safeParse(parseJson(text));
    if (!full.success) return { ...view, localCopy };
    const names = {
      ...(view.stackName !== undefined ? { stackName: view.stackName } : {}),
      ...(view.changeSetName !== undefined ? { changeSetName: view.changeSetName } : {}),
    };
    return {
      ...verdictView(full.data, `${view.source}; lists from the full verdict`, names),
      location: view.location!,
      localCopy,
    };
  } catch {
    // The pointer stays in the report; the copy is a convenience.
    return view;
  }
};

/** Each execution an action started: status, timed path, deploy result, change-set verdict (with its full copy). */
export const collectExecutions = async (
  clients: CloudClients,
  executions: { action: string; executionArn: string }[],
  files: { reportDir: string; runDir: string },
  graph?: StateMachineGraph,
): Promise<ExecutionRecord[]> =>
  Promise.all(
    executions.map(async ({ action, executionArn }): Promise<ExecutionRecord> => {
      try {
        const execution = await clients.stepFunctions.send(new DescribeExecutionCommand({ executionArn }));
        const history: HistoryEvent[] = [];
        let nextToken: string | undefined;
        do {
          const page = await clients.stepFunctions.send(new GetExecutionHistoryCommand({ executionArn, nextToken }));
          history.push(...(page.events ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        const result = deployResultView(execution.output);
        const view = changeSetView(history, execution.output);
        const name = executionArn.split(':').pop() ?? 'execution';
        const changeSet = view
          ? await fetchFullVerdict(clients, view, {
              reportDir: files.reportDir,
              file: path.join(files.runDir, 'verdicts', `${action}.${name.replace(/[^A-Za-z0-9._-]/g, '_')}.json`),
            })
          : undefined;
        return {
          action,
          executionArn,
          status: execution.status ?? 'UNKNOWN',
          ...(execution.startDate ? { startDate: execution.startDate.toISOString() } : {}),
          ...(execution.stopDate ? { stopDate: execution.stopDate.toISOString() } : {}),
          path: executionPath(history, graph),
          ...(execution.error !== undefined ? { error: execution.error } : {}),
          ...(execution.cause !== undefined ? { cause: execution.cause } : {}),
          ...(execution.output !== undefined ? { output: execution.output } : {}),
          ...(result ? { result } : {}),
          ...(changeSet ? { changeSet } : {}),
        };
      } catch (error) {
        return { action, executionArn, status: 'NOT STARTED', path: [], error: 'NoExecution', cause: String(error) };
      }
    }),
  );
