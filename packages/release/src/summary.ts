import { reportLine } from './actions/codebuild';
import { formatPhases } from './phases';
import { formatPlanForReview } from './plan-record';
import type { ReleaseSummary } from './release';

/** One line of the release summary and how to show it. */
export interface SummaryLine {
  level: 'done' | 'fail' | 'step' | 'detail';
  text: string;
}

// A failed action's detail in the summary: its log file and the report have the rest.
const DETAIL_LIMIT = 2_000;

const exitOf = (exitCode: number | null, status: string, reason?: string): string =>
  exitCode !== null ? `exit ${exitCode}` : `${status}${reason ? `: ${reason}` : ''}`;

/**
 * The summary `pnpm start` prints: one line per setup step and action, every buildspec command with its exit code
 * (or why it did not run), the skip list and the other differences from AWS, and where the reports are.
 */
export const formatSummary = (summary: ReleaseSummary): SummaryLine[] => {
  const lines: SummaryLine[] = [];
  const skipReasons = new Set(summary.report.skipList.map((skip) => skip.reason));
  const status = (s: string): SummaryLine['level'] => (s === 'Succeeded' ? 'done' : s === 'Skipped' ? 'step' : 'fail');
  for (const step of summary.setup) lines.push({ level: status(step.status), text: `${step.step}: ${step.status}` });
  for (const action of summary.actions) {
    lines.push({
      level: status(action.status),
      text: `${action.stage} / ${action.action}: ${action.status}${action.runAs ? ` (as ${action.runAs})` : ''}`,
    });
    // Why the run ended here (a rejection's reason, the error), in the summary and not only in the scrollback.
    if (action.status === 'Failed' || action.status === 'Stopped') {
      const why = action.detail.length > DETAIL_LIMIT ? `${action.detail.slice(0, DETAIL_LIMIT)} …` : action.detail;
      lines.push({ level: 'detail', text: why });
    }
    for (const command of action.commands ?? []) {
      lines.push({
        level: 'detail',
        text: `[${command.phase}${command.block === 'finally' ? ' finally' : ''}] ${command.command} → ${exitOf(
          command.exitCode,
          command.status,
          command.reason !== undefined && skipReasons.has(command.reason) ? 'skip list' : command.reason,
        )}`,
      });
    }
    for (const report of action.reports ?? []) lines.push({ level: 'detail', text: reportLine(report) });
  }
  // The plan in full for --plan (it is what the run is for); its head after a whole release.
  const planOnly = summary.report.mode === 'plan';
  for (const plan of summary.report.plans ?? []) {
    const [head = '', ...text] = formatPlanForReview(plan, planOnly ? Number.POSITIVE_INFINITY : 20).split('\n');
    lines.push({ level: 'step', text: `plan ${head}` });
    for (const line of text) lines.push({ level: 'detail', text: line });
  }
  if (summary.report.unchanged) lines.push({ level: 'step', text: summary.report.unchanged });
  if (planOnly) {
    lines.push({ level: 'step', text: 'nothing was deployed (--plan): the production stack is as it was' });
  }
  const { skipList, differences } = summary.report;
  if (skipList.length > 0) {
    lines.push({ level: 'step', text: 'skip list (buildspec commands the local release does not run):' });
    for (const skip of skipList) lines.push({ level: 'detail', text: `${skip.command}: ${skip.reason}` });
  }
  if (differences.length > 0) {
    lines.push({ level: 'step', text: 'other differences from AWS:' });
    for (const d of differences) lines.push({ level: 'detail', text: `${d.action}: ${d.difference}` });
  }
  const failed = summary.executions.filter((e) => e.changeSet && !e.changeSet.safe);
  for (const e of failed) {
    lines.push({
      level: 'fail',
      text: `${e.action}: change set ${e.changeSet!.verdict}, ${e.changeSet!.counts.violations} destructive of ${e.changeSet!.counts.inspectedChanges} changes`,
    });
  }
  const { phases, startedAt, finishedAt } = summary.report;
  if (phases && phases.length > 0) {
    lines.push({ level: 'step', text: formatPhases(phases, Date.parse(finishedAt) - Date.parse(startedAt)) });
  }
  lines.push({ level: 'step', text: `report: ${summary.reportPath} (JSON: ${summary.jsonReportPath})` });
  return lines;
};
