import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { waitForChromium } from '../../../test/support/chromium';
import { formatDuration } from '../src/report/format';
import { ReleaseReportSchema, renderReport, visitsByState, type ReleaseReport } from '../src';

// The HTML report as a reader gets it: rendered by Chromium (Debian's, driven by playwright-core; a run that finds
// none installs it beside the tests where it can, test/support/chromium.ts) from a real release's JSON report (two
// runs on one state: the second refused a destructive change), trimmed: fixtures/release-report.json. The assertions read the DOM after layout and style.

jest.setTimeout(180_000);

// What the evaluate() callbacks use inside the page, declared here instead of adding the DOM library to the program.
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
  clientWidth: number;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
  getBoundingClientRect(): { left: number; right: number; top: number; bottom: number; width: number; height: number };
}
declare const getComputedStyle: (element: PageElement) => {
  fill: string;
  stroke: string;
  backgroundColor: string;
  color: string;
};

const FIXTURE = path.join(__dirname, 'fixtures', 'release-report.json');

let browser: Browser;
let page: Page;
let report: ReleaseReport;
let dir: string;
const requests: string[] = [];

// The wait for the run's own install of Chromium, when it started one, is bounded by that install.
const INSTALL_WAIT_MS = 900_000;

beforeAll(async () => {
  const executablePath = await waitForChromium();
  report = ReleaseReportSchema.parse(JSON.parse(await readFile(FIXTURE, 'utf8')));
  dir = await mkdtemp(path.join(os.tmpdir(), 'glue-cd-report-browser-'));
  await writeFile(path.join(dir, 'latest.html'), renderReport(report));
  browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
  page = await browser.newPage({ viewport: { width: 1300, height: 2000 } });
  // Self-contained: anything but the file itself is recorded and refused.
  await page.route('**/*', async (route) => {
    const url = route.request().url();
    if (url === `file://${path.join(dir, 'latest.html')}`) return route.continue();
    requests.push(url);
    return route.abort();
  });
  await page.goto(`file://${path.join(dir, 'latest.html')}`, { waitUntil: 'load' });
}, INSTALL_WAIT_MS);

afterAll(async () => {
  await browser?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const refusedIndex = () => report.executions.findIndex((e) => e.changeSet !== undefined && !e.changeSet.safe);

test('the fixture is a release that refused a destructive change after earlier ones', () => {
  expect(report.executions.length).toBeGreaterThanOrEqual(3);
  expect(refusedIndex()).toBeGreaterThanOrEqual(0);
  expect(report.history.length).toBeGreaterThanOrEqual(1);
  expect(report.actions.some((a) => (a.reports ?? []).length > 0)).toBe(true);
});

test('loads nothing but itself', () => {
  expect(requests).toEqual([]);
});

test('each execution is drawn on the packaged state machine: a box per state, the visited ones highlighted with their time', async () => {
  const names = report.stateMachine.states.map((s) => s.name);
  for (const [index, execution] of report.executions.entries()) {
    const svg = page.locator(`#execution-${index + 1} svg.state-machine`);
    const states = await svg.locator('g.state').evaluateAll((nodes: PageElement[]) =>
      nodes.map((node) => ({
        name: node.getAttribute('data-state'),
        classes: node.getAttribute('class'),
        meta: node.querySelector('text.meta')?.textContent,
        fill: getComputedStyle(node.querySelector('rect')!).fill,
      })),
    );
    expect(states.map((s) => s.name)).toEqual(names);
    const visits = visitsByState(execution.path);
    const highlighted = states.filter((s) => /\b(visited|failed)\b/.test(s.classes ?? '')).map((s) => s.name);
    expect(highlighted.sort()).toEqual([...visits.keys()].sort());
    // Highlighted means painted differently, not only a class name.
    const unvisitedFill = states.find((s) => !visits.has(s.name!))?.fill;
    for (const state of states.filter((s) => visits.has(s.name!))) expect(state.fill).not.toBe(unvisitedFill);
    for (const [name, seen] of visits) {
      const meta = states.find((s) => s.name === name)!.meta ?? '';
      if (seen.durationMs !== undefined) expect(meta).toContain(formatDuration(seen.durationMs));
      if (seen.visits > 1) expect(meta).toContain(`${seen.visits}×`);
    }
    // Every transition is an edge; the ones the path took are drawn as taken.
    expect(await svg.locator('g.edge').count()).toBe(report.stateMachine.transitions.length);
    const taken = await svg
      .locator('g.edge.taken')
      .evaluateAll((edges: PageElement[]) =>
        edges.map((e) => `${e.getAttribute('data-from')}→${e.getAttribute('data-to')}`),
      );
    const steps = new Set(execution.path.slice(1).map((v, i) => `${execution.path[i]!.name}→${v.name}`));
    expect(new Set(taken)).toEqual(steps);
  }
});

test('boxes do not overlap and stay inside the picture once laid out by the browser', async () => {
  const boxes = await page
    .locator('#execution-1 svg.state-machine g.state rect')
    .evaluateAll((rects: PageElement[]) => rects.map((r) => r.getBoundingClientRect()));
  const svg = (await page.locator('#execution-1 svg.state-machine').boundingBox())!;
  for (const [i, a] of boxes.entries()) {
    expect(a.width).toBeGreaterThan(60);
    expect(a.left).toBeGreaterThanOrEqual(svg.x - 1);
    expect(a.right).toBeLessThanOrEqual(svg.x + svg.width + 1);
    for (const b of boxes.slice(i + 1)) {
      const apart = a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top;
      expect(apart).toBe(true);
    }
  }
});

test('the refused execution marks its failed state and lists the change set with its verdict', async () => {
  const index = refusedIndex();
  const execution = report.executions[index]!;
  const section = page.locator(`#execution-${index + 1}`);
  const failed = execution.path.filter((v) => v.outcome === 'failed').map((v) => v.name);
  expect(failed.length).toBe(1);
  const failedState = section.locator(`g.state.failed`);
  expect(await failedState.getAttribute('data-state')).toBe(failed[0]);
  const stroke = await failedState.locator('rect').evaluate((r: PageElement) => getComputedStyle(r).stroke);
  const okStroke = await section
    .locator('g.state.visited rect')
    .first()
    .evaluate((r: PageElement) => getComputedStyle(r).stroke);
  expect(stroke).not.toBe(okStroke);

  const rows = await section
    .locator('table.changes tr')
    .evaluateAll((trs: PageElement[]) =>
      trs.slice(1).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim())),
    );
  expect(rows).toEqual(
    execution.changeSet!.changes.map((c) => [
      [...c.stackPath, c.logicalId].join(' › '),
      c.resourceType,
      `${c.action}${c.policyAction ? ` (PolicyAction ${c.policyAction})` : ''}`,
      c.replacement ?? '',
      c.reason,
      c.disposition,
    ]),
  );
  expect(rows.map((r) => r[0])).toContain('RawBucket');
  expect(await section.locator('.change-set .verdict').textContent()).toBe(execution.changeSet!.verdict);
});

test('the live test checks table: a row per check with expected, actual and passed', async () => {
  const testReport = report.actions.flatMap((a) => a.reports ?? [])[0]!;
  const rows = await page
    .locator(`section.test-report[data-report-group="${testReport.reportGroupName}"] table.checks tr`)
    .evaluateAll((trs: PageElement[]) =>
      trs.slice(1).map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim())),
    );
  expect(rows).toEqual(
    testReport.testCases.map((c) => [
      c.name,
      c.expected ?? '',
      c.actual ?? '',
      c.status === 'SUCCEEDED' ? '✓ passed' : expect.any(String),
    ]),
  );
  expect(rows.length).toBeGreaterThanOrEqual(4);
  const counts = await page
    .locator(`section.test-report[data-report-group="${testReport.reportGroupName}"] .counts`)
    .textContent();
  expect(counts).toContain(`${testReport.summary.statusCounts.SUCCEEDED} of ${testReport.summary.total}`);
  const link = page.locator(`section.test-report[data-report-group="${testReport.reportGroupName}"] a`).first();
  expect(await link.getAttribute('href')).toBe(testReport.files[0]!.path);
});

test('earlier releases are one click away, newest first', async () => {
  const links = await page
    .locator('ol.history a')
    .evaluateAll((as: PageElement[]) => as.map((a) => a.getAttribute('href')));
  expect(links).toEqual(report.history.map((h) => encodeURI(h.file)));
});

test('readable in dark mode and printable', async () => {
  const luminance = (rgb: string) => {
    const [r, g, b] = (rgb.match(/\d+/g) ?? []).map(Number);
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  await page.emulateMedia({ colorScheme: 'dark' });
  const dark = await page.locator('body').evaluate((body: PageElement) => ({
    bg: getComputedStyle(body).backgroundColor,
    fg: getComputedStyle(body).color,
  }));
  expect(luminance(dark.bg)).toBeLessThan(60);
  expect(luminance(dark.fg)).toBeGreaterThan(180);
  await page.emulateMedia({ colorScheme: 'light', media: 'print' });
  expect(await page.locator('nav.toc').isVisible()).toBe(false);
  const width = await page
    .locator('svg.state-machine')
    .first()
    .evaluate((svg: PageElement) => svg.getBoundingClientRect().width);
  expect(width).toBeLessThanOrEqual(await page.locator('body').evaluate((body: PageElement) => body.clientWidth));
  await page.emulateMedia({ media: 'screen' });
});
