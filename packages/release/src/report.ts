import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ActionRecord, CommandRecord, PlanRecord, ReleaseReport, VisitedState } from './report-schema';

export type { ActionRecord, CommandRecord, ExecutionRecord, ReleaseReport, VisitedState } from './report-schema';

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

const commandTable = (commands: CommandRecord[]): string =>
  `<table class="commands"><tr><th>phase</th><th>command</th><th>exit code</th><th>time</th></tr>${commands
    .map(
      (c) =>
        `<tr><td>${c.phase}${c.block === 'finally' ? ' (finally)' : ''}</td><td><code>${escapeHtml(c.command)}</code>${
          c.reason ? `<br><span class="neutral">${escapeHtml(c.reason)}</span>` : ''
        }${c.outputTail ? `<details><summary>output</summary><pre>${escapeHtml(c.outputTail)}</pre></details>` : ''}</td>` +
        `<td class="${c.exitCode === 0 ? 'ok' : c.exitCode === null ? 'neutral' : 'bad'}">${
          c.exitCode === null ? `${c.status}` : c.exitCode
        }</td><td>${(c.durationMs / 1000).toFixed(1)} s</td></tr>`,
    )
    .join('')}</table>`;

const actionRow = (a: ActionRecord): string =>
  `<tr><td>${escapeHtml(a.stage)}</td><td>${escapeHtml(a.action)}<br><span class="neutral">${escapeHtml(
    `${a.category}/${a.provider}`,
  )}</span></td><td class="${statusClass(a.status)}">${a.status}</td>` +
  `<td>${(a.durationMs / 1000).toFixed(1)} s</td><td><pre>${escapeHtml(a.detail.split('\n')[0] ?? '')}</pre>${
    a.commands
      ? commandTable(a.commands)
      : a.detail.includes('\n')
        ? `<details><summary>detail</summary><pre>${escapeHtml(a.detail)}</pre></details>`
        : ''
  }${
    a.outputVariables
      ? `<details><summary>output variables${a.namespace ? ` (#{${escapeHtml(a.namespace)}.…})` : ''}</summary><pre>${escapeHtml(
          Object.entries(a.outputVariables)
            .map(([k, v]) => `${k} = ${v}`)
            .join('\n'),
        )}</pre></details>`
      : ''
  }${a.logFile ? `<p class="arn">log: ${escapeHtml(a.logFile)}</p>` : ''}</td></tr>`;

const planSections = (plans: PlanRecord[]): string =>
  plans.length === 0
    ? '<p>No plan was made.</p>'
    : plans
        .map(
          (plan) =>
            `<section><h3>${escapeHtml(plan.action)}: ${escapeHtml(plan.stackName)} <span class="${
              plan.verdict === 'accepted' ? 'ok' : 'bad'
            }">${escapeHtml(plan.verdict)}</span></h3><p>${escapeHtml(plan.summary)}</p><p class="arn">${escapeHtml(
              plan.url,
            )}</p><pre>${escapeHtml(plan.text)}</pre></section>`,
        )
        .join('\n');

/** A self-contained HTML page (no external assets) for a browser, rendered from the JSON report. */
export const renderReport = (report: ReleaseReport): string => {
  const setupRows = report.setup
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.step)}</td><td class="${statusClass(s.status)}">${s.status}</td>` +
        `<td>${(s.durationMs / 1000).toFixed(1)} s</td><td><pre>${escapeHtml(s.detail)}</pre></td></tr>`,
    )
    .join('\n');
  const executions = report.executions
    .map((execution) => {
      const visited = new Set(execution.path.map((visit: VisitedState) => visit.name));
      const chips = execution.path
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
  const list = (items: string[]) =>
    items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '<p>None.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>glue-cd local release</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1b1f24}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;text-align:left}
table.commands{margin-top:.4rem;font-size:.85em}table.commands td{border-color:#eaeef2}
pre{white-space:pre-wrap;margin:0;font-size:.85em}code{font-size:.9em}
.ok{color:#1a7f37}.bad{color:#cf222e}.neutral{color:#57606a}
.chip{display:inline-block;border:1px solid currentColor;border-radius:1rem;padding:.1rem .6rem;margin:.15rem 0;font-size:.85em}
.arrow{margin:0 .3rem;color:#57606a}
.machine{margin:.5rem 0}.state{display:inline-block;font-size:.75em;padding:.1rem .4rem;margin:.1rem;border-radius:.3rem;background:#f6f8fa;color:#8c959f}
.state.visited{background:#ddf4ff;color:#0969da;font-weight:600}
.arn{font-family:monospace;font-size:.8em;color:#57606a}
section{border-top:1px solid #d0d7de;margin-top:1rem;padding-top:.5rem}
</style></head><body>
<h1>glue-cd local release <span class="${report.succeeded ? 'ok' : 'bad'}">${report.succeeded ? 'succeeded' : 'failed'}</span></h1>
<p>${escapeHtml(report.pipeline)} · execution ${escapeHtml(report.pipelineExecutionId)} · ${escapeHtml(
    report.startedAt,
  )} → ${escapeHtml(report.finishedAt)}</p>
<h2>Local setup</h2>
<table><tr><th>step</th><th>status</th><th>time</th><th>detail</th></tr>
${setupRows}
</table>
<h2>Pipeline actions</h2>
<table><tr><th>stage</th><th>action</th><th>status</th><th>time</th><th>detail</th></tr>
${report.actions.map(actionRow).join('\n')}
</table>
<h2>${report.mode === 'plan' ? 'Production plan (--plan: nothing deployed)' : 'Plans'}</h2>
${planSections(report.plans ?? [])}
<h2>Where this run differs from AWS</h2>
<h3>Skip list (buildspec commands not run)</h3>
${list(report.skipList.map((s) => `<code>${escapeHtml(s.command)}</code>: ${escapeHtml(s.reason)}`))}
<h3>Other differences</h3>
${list(report.differences.map((d) => `<b>${escapeHtml(d.action)}</b>: ${escapeHtml(d.difference)}`))}
<h2>Deploy state machine executions</h2>
${executions || '<p>No executions.</p>'}
</body></html>
`;
};
