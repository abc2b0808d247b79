import type {
  ActionRecord,
  ChangeSetView,
  CommandRecord,
  ExecutionRecord,
  HistoryEntry,
  PlanRecord,
  ReleaseReport,
  TestReportRecord,
} from './report-schema';
import { escapeHtml, formatDuration } from './report/format';
import { stateMachineSvg, visitsByState } from './report/svg';

export type { ActionRecord, CommandRecord, ExecutionRecord, ReleaseReport, VisitedState } from './report-schema';
export { executionPath } from './report/executions';

/** How many change-set rows a page shows; the rest are in the full verdict it links. */
export const CHANGE_ROWS = 200;

const statusClass = (status: string): string =>
  /succeed|exited|^ok$/i.test(status) ? 'ok' : /fail|abort|timed|error|refused/i.test(status) ? 'bad' : 'neutral';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A relative link to a file beside the report (paths in the JSON are relative to the report directory). */
const fileLink = (relative: string, text = relative): string =>
  `<a href="${escapeHtml(relative.split('/').map(encodeURIComponent).join('/'))}">${escapeHtml(text)}</a>`;

/** Action logs are in `release-<time>/` beside the report (ActionEnvironment.logDir). */
const logLink = (logFile: string): string => {
  const parts = logFile.split(/[\\/]/);
  return fileLink(parts.slice(-2).join('/'), logFile);
};

const commandTable = (commands: CommandRecord[]): string =>
  `<table class="commands"><tr><th>phase</th><th>command</th><th>exit code</th><th>time</th></tr>${commands
    .map(
      (c) =>
        `<tr><td>${c.phase}${c.block === 'finally' ? ' (finally)' : ''}</td><td><code>${escapeHtml(c.command)}</code>${
          c.reason ? `<br><span class="neutral">${escapeHtml(c.reason)}</span>` : ''
        }${c.outputTail ? `<details><summary>output</summary><pre>${escapeHtml(c.outputTail)}</pre></details>` : ''}</td>` +
        `<td class="${c.exitCode === 0 ? 'ok' : c.exitCode === null ? 'neutral' : 'bad'}">${
          c.exitCode === null ? `${c.status}` : c.exitCode
        }</td><td>${seconds(c.durationMs)}</td></tr>`,
    )
    .join('')}</table>`;

const reportAnchor = (report: TestReportRecord): string => `report-${report.reportGroupName.replace(/[^\w-]/g, '_')}`;

const reportBadge = (report: TestReportRecord): string =>
  `<a class="badge ${statusClass(report.status)}" href="#${reportAnchor(report)}">test report ${escapeHtml(report.reportGroupName)}: ${report.status}</a>`;

const actionRow = (a: ActionRecord): string =>
  `<tr data-action="${escapeHtml(a.action)}"><td>${escapeHtml(a.stage)}</td><td>${escapeHtml(a.action)}<br><span class="neutral">${escapeHtml(
    `${a.category}/${a.provider}`,
  )}</span></td><td class="${statusClass(a.status)}">${a.status}</td>` +
  `<td>${seconds(a.durationMs)}</td><td><pre>${escapeHtml(a.detail.split('\n')[0] ?? '')}</pre>${(a.reports ?? [])
    .map(reportBadge)
    .join(' ')}${
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
  }${a.runAs ? `<p class="arn">as ${escapeHtml(a.runAs)}</p>` : ''}${
    a.logFile ? `<p class="arn">log: ${logLink(a.logFile)}</p>` : ''
  }</td></tr>`;

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

const stageStrip = (report: ReleaseReport): string => {
  const stages = [...new Set(report.actions.map((a) => a.stage))];
  return `<ol class="stages">${stages
    .map((stage) => {
      const actions = report.actions.filter((a) => a.stage === stage);
      const status = actions.every((a) => a.status === 'Succeeded')
        ? 'ok'
        : actions.some((a) => a.status === 'Failed' || a.status === 'Stopped')
          ? 'bad'
          : 'neutral';
      return `<li class="${status}"><b>${escapeHtml(stage)}</b>${actions
        .map((a) => `<span class="${statusClass(a.status)}">${escapeHtml(a.action)}: ${a.status}</span>`)
        .join('')}</li>`;
    })
    .join('')}</ol>`;
};

const testReportSection = (action: ActionRecord, report: TestReportRecord): string => {
  const { statusCounts, total } = report.summary;
  const passed = statusCounts.SUCCEEDED;
  const counts = Object.entries(report.properties ?? {})
    .filter(([name]) => name.startsWith('records.'))
    .map(([name, value]) => `${name.slice('records.'.length)} ${value}`);
  const rows = report.testCases
    .map(
      (c) =>
        `<tr class="row-${statusClass(c.status)}" data-check="${escapeHtml(c.name)}"><td>${escapeHtml(c.name)}</td><td>${escapeHtml(
          c.expected ?? '',
        )}</td><td>${escapeHtml(c.actual ?? '')}${c.message && c.status !== 'SUCCEEDED' ? `<details><summary>message</summary><pre>${escapeHtml(c.message)}</pre></details>` : ''}</td>` +
        `<td class="${statusClass(c.status)}">${c.status === 'SUCCEEDED' ? '✓ passed' : c.status === 'SKIPPED' ? 'skipped' : `✗ ${c.status.toLowerCase()}`}</td></tr>`,
    )
    .join('');
  return `<section class="test-report" id="${reportAnchor(report)}" data-report-group="${escapeHtml(report.reportGroupName)}">
<h3>${escapeHtml(action.stage)} / ${escapeHtml(action.action)}: report group ${escapeHtml(report.reportGroupName)} <span class="${statusClass(report.status)}">${report.status}</span></h3>
<p class="counts"><b>${passed} of ${total}</b> ${report.type === 'TEST' ? 'checks passed' : 'entries'}${
    statusCounts.FAILED ? `, <span class="bad">${statusCounts.FAILED} failed</span>` : ''
  }${statusCounts.ERROR ? `, <span class="bad">${statusCounts.ERROR} errors</span>` : ''}${
    statusCounts.SKIPPED ? `, ${statusCounts.SKIPPED} skipped` : ''
  }${counts.length ? ` · records: ${escapeHtml(counts.join(', '))}` : ''}</p>
<p class="arn">${escapeHtml(report.reportGroupArn)}${report.declaredAs ? ` (template: ${escapeHtml(report.declaredAs)})` : ' (not in the template: CodeBuild would create it)'} · ${escapeHtml(report.fileFormat)} · ${
    report.files.map((f) => fileLink(f.path, f.source)).join(', ') || 'no files'
  }</p>${report.reason ? `<p class="neutral">${escapeHtml(report.reason)}</p>` : ''}
${rows ? `<table class="checks"><tr><th>check</th><th>expected</th><th>actual</th><th>passed</th></tr>${rows}</table>` : ''}</section>`;
};

const changeSetSection = (view: ChangeSetView): string => {
  const { counts } = view;
  const shown = view.changes.slice(0, CHANGE_ROWS);
  const listed = view.changes.filter((c) => c.disposition === 'refused').length;
  const more = counts.violations - listed;
  const pointer = view.location
    ? `<p>Full verdict: <code>${escapeHtml(view.location)}</code>${view.localCopy ? ` (copy: ${fileLink(view.localCopy)})` : ''}</p>`
    : '';
  const rows = shown
    .map(
      (c) =>
        `<tr class="row-${c.disposition === 'refused' ? 'bad' : 'neutral'}"><td><code>${escapeHtml(
          [...c.stackPath, c.logicalId].join(' › '),
        )}</code></td><td>${escapeHtml(c.resourceType)}</td><td>${escapeHtml(c.action)}${c.policyAction ? ` (PolicyAction ${escapeHtml(c.policyAction)})` : ''}</td><td>${escapeHtml(
          c.replacement ?? '',
        )}</td><td>${escapeHtml(c.reason)}</td><td class="${c.disposition === 'refused' ? 'bad' : 'neutral'}">${c.disposition}</td></tr>`,
    )
    .join('');
  const broadening = view.broadening
    .map(
      (b) =>
        `<tr class="row-${b.refused ? 'bad' : 'neutral'}"><td>${escapeHtml(b.kind)}</td><td>${escapeHtml(b.description)}${
          b.stackPath.length ? ` <span class="neutral">(in ${escapeHtml(b.stackPath.join(' › '))})</span>` : ''
        }</td><td class="${b.refused ? 'bad' : 'ok'}">${b.refused ? 'refused' : 'accepted'}</td></tr>`,
    )
    .join('');
  return `<div class="change-set">
<h4>Change set ${escapeHtml(view.changeSetName ?? '')} <span class="verdict ${view.safe ? 'ok' : 'bad'}">${escapeHtml(view.verdict)}</span></h4>
<p>${counts.inspectedChanges} resource change${counts.inspectedChanges === 1 ? '' : 's'} inspected: <b class="${counts.violations ? 'bad' : 'ok'}">${counts.violations} would delete or replace a resource</b>${
    counts.accepted ? `, ${counts.accepted} accepted by the safety policy` : ''
  }${
    counts.broadening === undefined
      ? ''
      : counts.broadening === 0
        ? '; no security broadening'
        : `; <b class="${counts.refusedBroadening ? 'bad' : 'ok'}">${counts.refusedBroadening ?? 0} of ${counts.broadening} security broadenings refused</b>${view.onBroadening ? ` (onBroadening ${escapeHtml(view.onBroadening)})` : ''}`
  }.
The others keep every resource; the execution carries only the destructive ones.<br><span class="neutral">from ${escapeHtml(view.source)}</span></p>
${rows ? `<table class="changes"><tr><th>logical id</th><th>type</th><th>action</th><th>replacement</th><th>why</th><th>verdict</th></tr>${rows}</table>` : ''}
${more > 0 || view.changes.length > shown.length ? `<p class="neutral">… ${Math.max(more, view.changes.length - shown.length)} more in the full verdict.</p>` : ''}
${broadening ? `<table class="broadening"><tr><th>broadening</th><th>what</th><th>verdict</th></tr>${broadening}</table>` : ''}
${view.broadeningReason ? `<p class="bad">${escapeHtml(view.broadeningReason)}</p>` : ''}${pointer}</div>`;
};

/** A Lambda task's Cause is its error as JSON ({ errorType, errorMessage, trace }): the message, then the trace. */
const lambdaError = (cause: string | undefined): { message: string; trace?: string } => {
  try {
    const parsed = JSON.parse(cause ?? '') as { errorMessage?: unknown; trace?: unknown };
    if (typeof parsed.errorMessage === 'string') {
      return {
        message: parsed.errorMessage,
        ...(Array.isArray(parsed.trace) ? { trace: parsed.trace.map(String).join('\n') } : {}),
      };
    }
  } catch {
    // Not JSON: the cause as it is.
  }
  return { message: cause ?? '' };
};

const executionSection = (report: ReleaseReport, execution: ExecutionRecord, index: number): string => {
  const visits = visitsByState(execution.path);
  const duration =
    execution.startDate && execution.stopDate
      ? formatDuration(Date.parse(execution.stopDate) - Date.parse(execution.startDate))
      : undefined;
  const steps = execution.path
    .map(
      (visit, i) =>
        `<li class="${statusClass(visit.outcome)}"><span>${i + 1}. ${escapeHtml(visit.name)}</span>${
          visit.durationMs !== undefined ? ` <span class="neutral">${formatDuration(visit.durationMs)}</span>` : ''
        }${visit.error ? ` <span class="bad" title="${escapeHtml(visit.error)}">⚠ ${escapeHtml(visit.error.split(':')[0] ?? '')}</span>` : ''}</li>`,
    )
    .join('');
  const result = execution.result;
  const facts = [
    result ? ['outcome', `<b>${escapeHtml(result.outcome)}</b>`] : undefined,
    result ? ['stack', escapeHtml(result.stackName)] : undefined,
    result?.changeSetName ? ['change set', escapeHtml(result.changeSetName)] : undefined,
    duration
      ? ['time', `${duration} · ${visits.size} of ${report.stateMachine.states.length} states visited`]
      : undefined,
    result?.note ? ['note', escapeHtml(result.note)] : undefined,
    result?.plan
      ? [
          'plan',
          `<code>${escapeHtml(result.plan.url)}</code> ${escapeHtml(
            Object.entries(result.plan.counts)
              .map(([k, v]) => `${k} ${v}`)
              .join(', '),
          )}<br>${escapeHtml(result.plan.summary)}`,
        ]
      : undefined,
  ].filter((fact): fact is string[] => fact !== undefined);
  const cause = lambdaError(execution.cause);
  const failure =
    execution.error !== undefined
      ? `<div class="failure"><b>${escapeHtml(execution.error)}</b><pre>${escapeHtml(cause.message)}</pre>${
          cause.trace ? `<details><summary>trace</summary><pre>${escapeHtml(cause.trace)}</pre></details>` : ''
        }</div>`
      : '';
  return `<section class="execution" id="execution-${index + 1}" data-action="${escapeHtml(execution.action)}">
<h3>${escapeHtml(execution.action)} <span class="${statusClass(execution.status)}">${escapeHtml(execution.status)}</span></h3>
<p class="arn">${escapeHtml(execution.executionArn)}</p>
${facts.length ? `<dl class="facts">${facts.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>` : ''}${failure}
<div class="execution-body"><figure class="graph">${stateMachineSvg(report.stateMachine, execution.path, `sm${index + 1}`)}
<figcaption>${escapeHtml(report.stateMachine.name)}: the visited path highlighted, time spent per state; dashed: Catch.</figcaption></figure>
<ol class="path" aria-label="visited states">${steps}</ol></div>
${execution.changeSet ? changeSetSection(execution.changeSet) : ''}
${execution.output ? `<details><summary>output</summary><pre>${escapeHtml(execution.output)}</pre></details>` : ''}</section>`;
};

const historyList = (history: HistoryEntry[]): string =>
  history.length
    ? `<ol class="history">${history
        .map(
          (h) =>
            `<li class="${h.succeeded ? 'ok' : 'bad'}">${fileLink(h.file, h.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))} <b>${
              h.succeeded ? 'succeeded' : 'failed'
            }</b> · ${escapeHtml(h.summary)} <span class="arn">${escapeHtml(h.pipelineExecutionId)}</span></li>`,
        )
        .join('')}</ol>`
    : '<p>No earlier release in this report directory.</p>';

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2328;--muted:#59636e;--faint:#818b98;--bg:#fff;--panel:#f6f8fa;--border:#d1d9e0;
--ok:#1a7f37;--bad:#cf222e;--accent:#0969da;--accent-bg:#ddf4ff;--bad-bg:#ffebe9;--edge:#afb8c1;--catch:#d4a72c}
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--muted:#9198a1;--faint:#6e7681;--bg:#0d1117;--panel:#151b23;
--border:#3d444d;--ok:#3fb950;--bad:#f85149;--accent:#4493f8;--accent-bg:#0c2d6b;--bad-bg:#4b1113;--edge:#59636e;--catch:#9e6a03}}
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1400px;padding:0 1rem;color:var(--fg);background:var(--bg);line-height:1.4}
a{color:var(--accent)}h1{margin:.2rem 0}h2{border-bottom:1px solid var(--border);padding-bottom:.3rem;margin-top:2rem}
table{border-collapse:collapse;width:100%}td,th{border:1px solid var(--border);padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:var(--panel)}table.commands{margin-top:.4rem;font-size:.85em}
pre{white-space:pre-wrap;margin:0;font-size:.85em}code{font-size:.9em}
.ok{color:var(--ok)}.bad{color:var(--bad)}.neutral{color:var(--muted)}
.arn{font-family:ui-monospace,monospace;font-size:.8em;color:var(--muted);word-break:break-all}
nav.toc{display:flex;gap:1rem;flex-wrap:wrap;font-size:.9em}
ol.stages{display:flex;gap:.5rem;list-style:none;padding:0;flex-wrap:wrap}
ol.stages li{border:1px solid var(--border);border-left:4px solid currentColor;border-radius:6px;padding:.3rem .6rem;background:var(--panel)}
ol.stages li span{display:block;font-size:.8em}ol.stages li b{color:var(--fg)}
.badge{display:inline-block;border:1px solid currentColor;border-radius:1rem;padding:0 .5rem;font-size:.8em;margin:.2rem 0;text-decoration:none}
section.execution,section.test-report{border-top:1px solid var(--border);margin-top:1rem;padding-top:.5rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.3rem 0}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}
.failure{background:var(--bad-bg);border:1px solid var(--bad);border-radius:6px;padding:.5rem;margin:.5rem 0}
.execution-body{display:flex;gap:1rem;align-items:flex-start}
figure.graph{margin:0;overflow-x:auto;flex:1 1 auto;min-width:0;border:1px solid var(--border);border-radius:6px;background:var(--panel)}
figure.graph figcaption{font-size:.8em;color:var(--muted);padding:.2rem .5rem}
ol.path{font-size:.85em;margin:0;padding-left:0;list-style:none;flex:0 0 15rem}ol.path li span:first-child{color:var(--fg)}
ol.path li.bad span:first-child{color:var(--bad);font-weight:600}
svg.state-machine{display:block;width:100%;height:auto;min-width:640px;font-family:system-ui,sans-serif}
svg .state rect{fill:var(--bg);stroke:var(--border);stroke-width:1}
svg .state .name{font-size:12.5px;text-anchor:middle;fill:var(--faint)}
svg .state .meta{font-size:10.5px;text-anchor:middle;fill:var(--faint)}
svg .state.visited rect{fill:var(--accent-bg);stroke:var(--accent);stroke-width:2}
svg .state.visited .name{fill:var(--fg);font-weight:600}svg .state.visited .meta{fill:var(--accent)}
svg .state.failed rect{fill:var(--bad-bg);stroke:var(--bad);stroke-width:2.5}
svg .state.failed .name{fill:var(--bad);font-weight:700}svg .state.failed .meta{fill:var(--bad)}
svg .state.type-fail.unvisited rect{stroke-dasharray:4 3}
svg .state.start rect{stroke-width:2}
svg .edge path{fill:none;stroke:var(--edge);stroke-width:1.2}
svg .edge.catch path{stroke:var(--catch);stroke-dasharray:4 3;stroke-width:1;opacity:.7}
svg .edge.taken path{stroke:var(--accent);stroke-width:2.6;opacity:1}
svg .edge.catch.taken path{stroke:var(--bad)}
svg .edge-label{font-size:9.5px;text-anchor:middle;fill:var(--muted);paint-order:stroke;stroke:var(--panel);stroke-width:3px}
svg .edge-label.taken{fill:var(--accent);font-weight:600}
svg marker.plain path{fill:var(--edge)}svg marker.taken path{fill:var(--accent)}svg marker.catch path{fill:var(--catch)}
.change-set{margin-top:.8rem}.verdict{font-family:ui-monospace,monospace;font-size:.85em}
tr.row-bad td:first-child{border-left:3px solid var(--bad)}tr.row-ok td:first-child{border-left:3px solid var(--ok)}
ol.history li{margin:.2rem 0}table.checks td:last-child,table.changes td:last-child{white-space:nowrap}
@media print{
:root{--fg:#000;--muted:#444;--faint:#666;--bg:#fff;--panel:#fff;--border:#999;--accent:#0550ae;--accent-bg:#ddf4ff;--bad-bg:#ffebe9;--edge:#999}
body{margin:0;max-width:none}nav.toc{display:none}section.execution,section.test-report,tr{break-inside:avoid}
figure.graph{overflow:visible}svg.state-machine{max-width:100%;height:auto}.execution-body{display:block}
a{color:inherit;text-decoration:none}details{display:none}}
`;

/**
 * The release report for people: one self-contained HTML file (inline CSS and SVG, no script, no network),
 * readable in light and dark and printable, rendered from the JSON report alone.
 */
export const renderReport = (report: ReleaseReport): string => {
  const setupRows = report.setup
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.step)}</td><td class="${statusClass(s.status)}">${s.status}</td>` +
        `<td>${seconds(s.durationMs)}</td><td><pre>${escapeHtml(s.detail)}</pre></td></tr>`,
    )
    .join('\n');
  const testReports = report.actions.flatMap((action) =>
    (action.reports ?? []).map((r) => testReportSection(action, r)),
  );
  const list = (items: string[]) =>
    items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : '<p>None.</p>';
  const total = formatDuration(Date.parse(report.finishedAt) - Date.parse(report.startedAt));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark"><title>glue-cd release ${escapeHtml(report.startedAt)}: ${report.succeeded ? 'succeeded' : 'failed'}</title>
<style>${STYLE}</style></head><body>
<header><h1>glue-cd local release <span class="${report.succeeded ? 'ok' : 'bad'}">${report.succeeded ? 'succeeded' : 'failed'}</span></h1>
<p>${escapeHtml(report.pipeline)} · execution <code>${escapeHtml(report.pipelineExecutionId)}</code> · ${escapeHtml(
    report.startedAt,
  )} → ${escapeHtml(report.finishedAt)} (${total})</p>
${stageStrip(report)}
${report.unchanged ? `<p class="neutral">${escapeHtml(report.unchanged)}</p>` : ''}
<nav class="toc"><a href="#actions">Pipeline actions</a><a href="#checks">Live test checks</a><a href="#executions">Deploy executions</a><a href="#differences">Differences from AWS</a><a href="#setup">Local setup</a><a href="#history">Earlier releases</a></nav></header>
<h2 id="actions">Pipeline actions</h2>
<table><tr><th>stage</th><th>action</th><th>status</th><th>time</th><th>detail</th></tr>
${report.actions.map(actionRow).join('\n')}
</table>
<h2 id="plans">${report.mode === 'plan' ? 'Production plan (--plan: nothing deployed)' : 'Plans'}</h2>
${planSections(report.plans ?? [])}
<h2 id="checks">Live test checks (test reports)</h2>
${testReports.join('\n') || '<p>No test reports: no CodeBuild action with a <code>reports</code> section ran.</p>'}
<h2 id="executions">Deploy state machine executions</h2>
<p class="neutral">Drawn from ${escapeHtml(report.stateMachine.source)}: ${report.stateMachine.states.length} states, ${report.stateMachine.transitions.length} transitions.</p>
${report.executions.map((e, i) => executionSection(report, e, i)).join('\n') || '<p>No executions.</p>'}
<h2 id="differences">Where this run differs from AWS</h2>
<h3>Skip list (buildspec commands not run)</h3>
${list(report.skipList.map((s) => `<code>${escapeHtml(s.command)}</code>: ${escapeHtml(s.reason)}`))}
<h3>Other differences</h3>
${list(report.differences.map((d) => `<b>${escapeHtml(d.action)}</b>: ${escapeHtml(d.difference)}`))}
<h2 id="setup">Local setup</h2>
<table><tr><th>step</th><th>status</th><th>time</th><th>detail</th></tr>
${setupRows}
</table>
<h2 id="history">Earlier releases</h2>
${historyList(report.history)}
</body></html>
`;
};
