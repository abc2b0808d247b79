import type { HistoryEvent } from '@aws-sdk/client-sfn';

/** One deploy state machine execution as the report shows it. */
export interface ExecutionRecord {
  action: string;
  executionArn: string;
  status: string;
  error?: string;
  cause?: string;
  output?: string;
  history: HistoryEvent[];
}

export interface StageRecord {
  stage: string;
  action: string;
  status: 'Succeeded' | 'Failed' | 'Skipped' | 'Stopped';
  detail: string;
  durationMs: number;
}

export interface ReleaseReport {
  startedAt: Date;
  finishedAt: Date;
  stages: StageRecord[];
  executions: ExecutionRecord[];
  /** States of the deploy state machine in definition order, to show which ones each execution visited. */
  stateNames: string[];
}

/** A state visited by an execution, in order: entered, then exited or failed. */
export interface VisitedState {
  name: string;
  outcome: 'exited' | 'failed' | 'entered';
}

/** The path of one execution through the state machine, read from its GetExecutionHistory events. */
export const executionPath = (history: HistoryEvent[]): VisitedState[] => {
  const path: VisitedState[] = [];
  for (const event of history) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) path.push({ name: entered, outcome: 'entered' });
    const exited = event.stateExitedEventDetails?.name;
    if (exited !== undefined) {
      const open = [...path].reverse().find((visit) => visit.name === exited && visit.outcome === 'entered');
      if (open) open.outcome = 'exited';
    }
  }
  const failed = [...path].reverse().find((visit) => visit.outcome === 'entered');
  if (failed && history.some((event) => event.type === 'ExecutionFailed')) failed.outcome = 'failed';
  return path;
};

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

const statusClass = (status: string): string =>
  /succeed|exited/i.test(status) ? 'ok' : /fail|abort|timed/i.test(status) ? 'bad' : 'neutral';

/** A self-contained HTML page (no external assets) for a browser. */
export const renderReport = (report: ReleaseReport): string => {
  const stageRows = report.stages
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.stage)}</td><td>${escapeHtml(s.action)}</td><td class="${statusClass(s.status)}">${s.status}</td>` +
        `<td>${(s.durationMs / 1000).toFixed(1)} s</td><td><pre>${escapeHtml(s.detail)}</pre></td></tr>`,
    )
    .join('\n');
  const executions = report.executions
    .map((execution) => {
      const path = executionPath(execution.history);
      const visited = new Set(path.map((visit) => visit.name));
      const chips = path
        .map(
          (visit, i) => `<span class="chip ${statusClass(visit.outcome)}">${i + 1}. ${escapeHtml(visit.name)}</span>`,
        )
        .join('<span class="arrow">→</span>');
      const machine = report.stateNames
        .map((name) => `<span class="state ${visited.has(name) ? 'visited' : ''}">${escapeHtml(name)}</span>`)
        .join('');
      const failure =
        execution.error !== undefined
          ? `<p class="bad"><b>${escapeHtml(execution.error)}</b>: <pre>${escapeHtml(execution.cause ?? '')}</pre></p>`
          : '';
      const output = execution.output
        ? `<details><summary>output</summary><pre>${escapeHtml(execution.output)}</pre></details>`
        : '';
      return `<section><h3>${escapeHtml(execution.action)} <span class="${statusClass(execution.status)}">${escapeHtml(
        execution.status,
      )}</span></h3><p class="arn">${escapeHtml(execution.executionArn)}</p>
<div class="path">${chips}</div>
<div class="machine" title="states of the deploy state machine; visited ones highlighted">${machine}</div>${failure}${output}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>glue-cd local release</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
pre{white-space:pre-wrap;margin:0;font-size:.85em}
.ok{color:#1a7f37}.bad{color:#cf222e}.neutral{color:#57606a}
.chip{display:inline-block;border:1px solid currentColor;border-radius:1rem;padding:.1rem .6rem;margin:.15rem 0;font-size:.85em}
.arrow{margin:0 .3rem;color:#57606a}
.machine{margin:.5rem 0}.state{display:inline-block;font-size:.75em;padding:.1rem .4rem;margin:.1rem;border-radius:.3rem;background:#f6f8fa;color:#8c959f}
.state.visited{background:#ddf4ff;color:#0969da;font-weight:600}
.arn{font-family:monospace;font-size:.8em;color:#57606a}
section{border-top:1px solid #d0d7de;margin-top:1rem;padding-top:.5rem}
</style></head><body>
<h1>glue-cd local release</h1>
<p>${escapeHtml(report.startedAt.toISOString())} → ${escapeHtml(report.finishedAt.toISOString())}</p>
<h2>Pipeline stages</h2>
<table><tr><th>stage</th><th>action</th><th>status</th><th>time</th><th>detail</th></tr>
${stageRows}
</table>
<h2>Deploy state machine executions</h2>
${executions || '<p>No executions.</p>'}
</body></html>
`;
};
