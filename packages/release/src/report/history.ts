import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { HistoryEntry } from '../report-schema';

/** How many earlier releases the report links. */
export const HISTORY_LIMIT = 30;

const RELEASE_JSON = /^release-.+\.json$/;

// What any release report (this schema version or an older one) has, read leniently: history must not break when
// the schema grows.
const PastReportSchema = z.object({
  startedAt: z.string(),
  succeeded: z.boolean(),
  pipelineExecutionId: z.string(),
  actions: z
    .array(
      z.object({
        stage: z.string(),
        action: z.string(),
        status: z.string(),
        detail: z.string().default(''),
        outputVariables: z.record(z.string(), z.string()).optional(),
      }),
    )
    .default([]),
});

/** One line on what a release did: where it stopped, or what production got. */
export const releaseOutcome = (report: z.infer<typeof PastReportSchema>): string => {
  const stopped = report.actions.find((a) => a.status === 'Failed' || a.status === 'Stopped');
  if (stopped) {
    const why = stopped.detail.split('\n')[0]?.slice(0, 160) ?? '';
    return `${stopped.status.toLowerCase()} at ${stopped.stage}/${stopped.action}${why ? `: ${why}` : ''}`;
  }
  const production = report.actions.find(
    (a) => a.outputVariables?.outcome !== undefined && a.stage === 'DeployToProduction',
  );
  return production ? `production ${production.outputVariables!.outcome}` : report.succeeded ? 'succeeded' : 'failed';
};

/** The release reports in the report directory but `current`, newest first (unreadable files are skipped). */
export const releaseHistory = async (reportDir: string, current?: string): Promise<HistoryEntry[]> => {
  if (!existsSync(reportDir)) return [];
  const entries: HistoryEntry[] = [];
  for (const json of (await readdir(reportDir)).filter((name) => RELEASE_JSON.test(name) && name !== current)) {
    let parsed: z.infer<typeof PastReportSchema>;
    try {
      const result = PastReportSchema.safeParse(JSON.parse(await readFile(path.join(reportDir, json), 'utf8')));
      if (!result.success) continue;
      parsed = result.data;
    } catch {
      continue;
    }
    const html = json.replace(/\.json$/, '.html');
    entries.push({
      file: existsSync(path.join(reportDir, html)) ? html : json,
      json,
      startedAt: parsed.startedAt,
      succeeded: parsed.succeeded,
      pipelineExecutionId: parsed.pipelineExecutionId,
      summary: releaseOutcome(parsed),
    });
  }
  return entries
    .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.json.localeCompare(a.json))
    .slice(0, HISTORY_LIMIT);
};
