import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { TestCaseRecord, TestReportRecord } from '../report-schema';
import { TEST_CASE_STATUSES } from '../report-schema';
import { selectArtifactFiles } from './artifacts';
import { COVERAGE_REPORT_FORMATS, type Buildspec, type ReportGroupSpec } from './buildspec';
import { parseJunitReport } from './junit';

/** CodeBuild keeps at most this many test cases per report, failed ones first. */
export const MAX_TEST_CASES = 500;

export interface ReportCollection {
  /** The buildspec's `reports` section. */
  reports: NonNullable<Buildspec['reports']>;
  /** Report group keys as the build's shell expanded them (`$GROUP` → its value); unexpanded keys are literal. */
  expandedNames?: Record<string, string>;
  /** base-directory and files are relative to it (CODEBUILD_SRC_DIR). */
  sourceDir: string;
  /** Where the report files are copied (a folder beside the release report). */
  outDir: string;
  /** The report directory: record paths are relative to it, so the HTML links them. */
  reportDir: string;
  projectName: string;
  region: string;
  account: string;
  /** The pipeline template's AWS::CodeBuild::ReportGroup resources: name → logical id. */
  declaredGroups?: Record<string, string>;
  /** Why no report can be read (the build ended before UPLOAD_ARTIFACTS): every report is INCOMPLETE. */
  incomplete?: string;
}

const REPORT_GROUP_ARN = /^arn:[^:]+:codebuild:[^:]*:[^:]*:report-group\/(.+)$/;

/** A buildspec report group key as CodeBuild resolves it: an ARN names the group; a name becomes <project>-<name>. */
export const resolveReportGroup = (
  key: string,
  context: Pick<ReportCollection, 'projectName' | 'region' | 'account'>,
): { name: string; arn: string } => {
  const arn = REPORT_GROUP_ARN.exec(key);
  if (arn) return { name: arn[1]!, arn: key };
  const name = `${context.projectName}-${key}`;
  return { name, arn: `arn:aws:codebuild:${context.region}:${context.account}:report-group/${name}` };
};

const emptySummary = (): TestReportRecord['summary'] => ({
  total: 0,
  statusCounts: Object.fromEntries(
    TEST_CASE_STATUSES.map((s) => [s, 0]),
  ) as TestReportRecord['summary']['statusCounts'],
  durationMs: 0,
});

const summarize = (cases: TestCaseRecord[]): TestReportRecord['summary'] => {
  const summary = emptySummary();
  for (const testCase of cases) {
    summary.total += 1;
    summary.statusCounts[testCase.status] += 1;
    summary.durationMs += testCase.durationMs;
  }
  return summary;
};

/** Failed and errored cases first, then the rest, each in file order (CodeBuild's truncation order). */
const keepFailuresFirst = (cases: TestCaseRecord[]): TestCaseRecord[] => {
  if (cases.length <= MAX_TEST_CASES) return cases;
  const bad = cases.filter((c) => c.status === 'FAILED' || c.status === 'ERROR');
  const rest = cases.filter((c) => c.status !== 'FAILED' && c.status !== 'ERROR');
  return [...bad, ...rest].slice(0, MAX_TEST_CASES);
};

const collectGroup = async (
  key: string,
  spec: ReportGroupSpec,
  options: ReportCollection,
): Promise<{ record: TestReportRecord; lines: string[] }> => {
  const group = resolveReportGroup(options.expandedNames?.[key] ?? key, options);
  const fileFormat = spec['file-format'] ?? 'JUNITXML';
  const type = (COVERAGE_REPORT_FORMATS as readonly string[]).includes(fileFormat) ? 'CODE_COVERAGE' : 'TEST';
  const declaredAs = options.declaredGroups?.[group.name];
  const base: Omit<TestReportRecord, 'status' | 'files' | 'summary' | 'testCases'> = {
    reportGroup: key,
    reportGroupName: group.name,
    reportGroupArn: group.arn,
    ...(declaredAs !== undefined ? { declaredAs } : {}),
    type,
    fileFormat,
  };
  const lines = [`Preparing to copy ${type} report ${group.arn}`];
  const incomplete = (reason: string) => ({
    record: { ...base, status: 'INCOMPLETE' as const, reason, files: [], summary: emptySummary(), testCases: [] },
    lines: [...lines, `Report ${group.name}: INCOMPLETE: ${reason}`],
  });
  if (options.incomplete !== undefined) return incomplete(options.incomplete);

  let entries: { name: string; file: string }[];
  try {
    const selected = await selectArtifactFiles(
      {
        files: spec.files,
        ...(spec['base-directory'] !== undefined ? { 'base-directory': spec['base-directory'] } : {}),
        ...(spec['discard-paths'] !== undefined ? { 'discard-paths': spec['discard-paths'] } : {}),
      },
      options.sourceDir,
    );
    entries = selected.flatMap((entry) => ('file' in entry ? [{ name: entry.name, file: entry.file }] : []));
  } catch (error) {
    return incomplete(
      `no matching report paths found for ${spec.files.join(', ')}${spec['base-directory'] ? ` under ${spec['base-directory']}` : ''} (${(error as Error).message})`,
    );
  }

  const files: TestReportRecord['files'] = [];
  const cases: TestCaseRecord[] = [];
  const properties: Record<string, string> = {};
  const groupDir = path.join(options.outDir, group.name.replace(/[^A-Za-z0-9._-]/g, '_'));
  for (const entry of entries) {
    const copy = path.join(groupDir, entry.name);
    await mkdir(path.dirname(copy), { recursive: true });
    await copyFile(entry.file, copy);
    files.push({ source: entry.name, path: path.relative(options.reportDir, copy).split(path.sep).join('/') });
    if (fileFormat !== 'JUNITXML') continue;
    try {
      const report = parseJunitReport(await readFile(entry.file, 'utf8'), entry.name);
      cases.push(...report.testCases);
      Object.assign(properties, report.properties);
    } catch (error) {
      const unreadable = incomplete((error as Error).message);
      return { record: { ...unreadable.record, files }, lines: unreadable.lines };
    }
  }
  lines.push(`Found ${entries.length} report file(s) for ${group.name}: ${entries.map((e) => e.name).join(', ')}`);
  if (fileFormat !== 'JUNITXML') {
    return {
      record: {
        ...base,
        status: 'INCOMPLETE',
        reason: `file-format ${fileFormat}: the files are collected, but the local CodeBuild reads JUNITXML only`,
        files,
        summary: emptySummary(),
        testCases: [],
      },
      lines,
    };
  }
  const testCases = keepFailuresFirst(cases);
  const summary = summarize(testCases);
  const status = summary.statusCounts.FAILED + summary.statusCounts.ERROR > 0 ? 'FAILED' : 'SUCCEEDED';
  lines.push(
    `Report ${group.name}: ${status}: ${summary.total} test cases, ${summary.statusCounts.FAILED} failed, ${summary.statusCounts.ERROR} errors${
      cases.length > testCases.length ? ` (${cases.length} read, ${MAX_TEST_CASES} kept, failures first)` : ''
    }`,
  );
  return {
    record: {
      ...base,
      status,
      ...(cases.length > testCases.length
        ? { reason: `${cases.length} test cases; CodeBuild keeps ${MAX_TEST_CASES}, failures first` }
        : {}),
      files,
      summary,
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      testCases,
    },
    lines,
  };
};

/**
 * The buildspec's `reports` section after a build, as CodeBuild handles it: for each report group its files
 * (`files` under `base-directory`, `discard-paths`), read in its `file-format`, the report SUCCEEDED (every case
 * passed), FAILED (some did not) or INCOMPLETE (no files, unreadable files, or the build ended early). A report's
 * status never changes the build's.
 */
export const collectReports = async (
  options: ReportCollection,
): Promise<{ records: TestReportRecord[]; lines: string[] }> => {
  const records: TestReportRecord[] = [];
  const lines: string[] = [];
  for (const [key, spec] of Object.entries(options.reports)) {
    const collected = await collectGroup(key, spec, options);
    records.push(collected.record);
    lines.push(...collected.lines);
  }
  return { records, lines };
};
