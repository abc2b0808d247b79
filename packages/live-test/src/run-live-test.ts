import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
// The module alone (not the package index): the data lake's index loads DuckDB, which the live test never runs
// (~0.3-0.6 s of the AutomatedLiveTest's start).
import { countCsvRecords } from '@glue-cd/data-lake/src/csv-records';
import { concurrencyLimit } from '@glue-cd/core';
import type { LiveTestBackend, QueryRow, StoredObject } from './backend';
import { parseGlueEtlStackOutputs, type GlueEtlStackOutputs } from './outputs';
import type { ValidationRules, ValueRangeRule } from './validation';

export interface LiveTestInput {
  backend: LiveTestBackend;
  /** Glue ETL stack outputs (validated here). */
  outputs: GlueEtlStackOutputs | Record<string, unknown>;
  /** Parsed glue-jobs/nyc-taxi/validation.yaml. */
  validation: ValidationRules;
  /** The sample CSV to upload; with `s3` the upload goes through that client, otherwise through backend.seed. */
  seed: { sampleFile: string; s3?: S3Client };
  /** Progress lines (default: none). */
  log?: (event: Record<string, unknown>) => void;
}

export interface LiveTestCheck {
  rule: string;
  passed: boolean;
  /** What the rule asks for, in one line (the JUnit report and the release report show it beside `actual`). */
  expected: string;
  /** What the data showed, in one line. */
  actual: string;
  detail: string;
}

export interface LiveTestReport {
  passed: boolean;
  counts: { seeded: number; raw: number; transformed: number; rejected: number };
  checks: LiveTestCheck[];
  jobRunId: string;
  seededObject: string;
}

const quoteIdentifier = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** A numeric query value (Athena and DuckDB both deliver numbers here; anything else is a broken query). */
const numberFrom = (row: QueryRow | undefined, column: string, what: string): number => {
  const value = row?.[column];
  const number =
    typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (Number.isNaN(number))
    throw new Error(`${what}: expected a number in column ${column}, got ${JSON.stringify(value)}`);
  return number;
};

/** A SUM(...) count: NULL (no rows) is 0, but the column must be in the answer. */
const sumFrom = (row: QueryRow | undefined, column: string, what: string): number => {
  if (row === undefined || !(column in row)) throw new Error(`${what}: the query answer has no column ${column}`);
  return row[column] === null ? 0 : numberFrom(row, column, what);
};

/** Runs one check; a query that fails makes the check fail with the error, it does not abort the report. */
const evaluate = async (
  rule: string,
  expected: string,
  check: () => Promise<Omit<LiveTestCheck, 'rule' | 'expected'>>,
): Promise<LiveTestCheck> => {
  try {
    return { rule, expected, ...(await check()) };
  } catch (error) {
    const detail = `could not evaluate: ${(error as Error).message}`;
    return { rule, passed: false, expected, actual: detail, detail };
  }
};

const rangeText = ({ min, max }: ValueRangeRule): string => `[${min ?? '-inf'}, ${max ?? '+inf'}]`;

/**
 * The counts and the rules' queries are independent: this many run at once (Athena runs a workgroup's queries
 * concurrently, with an account quota far above this), in the order of the rules.
 */
export const QUERY_CONCURRENCY = 4;

/** requiredColumnsComplete: no null in any of the columns. */
const requiredColumnsCheck = (
  backend: LiveTestBackend,
  outputs: GlueEtlStackOutputs,
  table: string,
  columns: string[],
): Promise<LiveTestCheck> =>
  evaluate('requiredColumnsComplete', `no null in ${columns.join(', ')}`, async () => {
    const nullCounts = columns.map(
      (column, index) => `SUM(CASE WHEN ${quoteIdentifier(column)} IS NULL THEN 1 ELSE 0 END) AS nulls_${index}`,
    );
    const [row] = await backend.query(
      outputs.DataLakeDatabaseName,
      `SELECT count(*) AS record_count, ${nullCounts.join(', ')} FROM ${table}`,
    );
    const total = numberFrom(row, 'record_count', 'requiredColumnsComplete');
    const incomplete = columns
      .map((column, index) => ({ column, nulls: sumFrom(row, `nulls_${index}`, 'requiredColumnsComplete') }))
      .filter(({ nulls }) => nulls > 0);
    const detail =
      incomplete.length === 0
        ? `${columns.length} columns have no null in ${total} records`
        : incomplete.map(({ column, nulls }) => `${column}: ${nulls} nulls of ${total} records`).join('; ');
    return {
      passed: incomplete.length === 0,
      actual: incomplete.length === 0 ? `no null in ${total} records` : detail,
      detail,
    };
  });

/** valueRange <column> [min, max]: every non-null value of the column within the range. */
const valueRangeCheck = (
  backend: LiveTestBackend,
  outputs: GlueEtlStackOutputs,
  table: string,
  rule: ValueRangeRule,
): Promise<LiveTestCheck> => {
  const rangeName = `valueRange ${rule.column} ${rangeText(rule)}`;
  return evaluate(rangeName, `every ${rule.column} value in ${rangeText(rule)}`, async () => {
    const column = quoteIdentifier(rule.column);
    const outside = [
      rule.min !== undefined ? `${column} < ${rule.min}` : undefined,
      rule.max !== undefined ? `${column} > ${rule.max}` : undefined,
    ]
      .filter((condition) => condition !== undefined)
      .join(' OR ');
    const [row] = await backend.query(
      outputs.DataLakeDatabaseName,
      `SELECT count(${column}) AS value_count, min(${column}) AS min_value, max(${column}) AS max_value, ` +
        `SUM(CASE WHEN ${outside} THEN 1 ELSE 0 END) AS outside_count FROM ${table}`,
    );
    const values = numberFrom(row, 'value_count', rangeName);
    const outsideCount = sumFrom(row, 'outside_count', rangeName);
    const observed = `observed min ${String(row?.min_value)}, max ${String(row?.max_value)}`;
    if (values === 0) {
      const detail = `${rule.column} has no non-null values to check`;
      return { passed: false, actual: detail, detail };
    }
    return {
      passed: outsideCount === 0,
      actual: `${outsideCount} of ${values} outside; ${observed}`,
      detail: `${outsideCount} of ${values} ${rule.column} values outside ${rangeText(rule)} (${observed})`,
    };
  });
};

/**
 * The automated live test: seeds the sample CSV under the raw prefix, runs the raw crawler, the job and the data-lake
 * crawler, counts raw and transformed records with SQL through the backend and the rejects from the rejects CSV, and
 * evaluates every rule of validation.yaml. Crawler/job/seed failures throw named errors; rule failures are reported.
 */
export const runLiveTest = async ({
  backend,
  outputs: rawOutputs,
  validation,
  seed,
  log = () => {},
}: LiveTestInput): Promise<LiveTestReport> => {
  const outputs = parseGlueEtlStackOutputs(rawOutputs);
  const { dataset } = validation;
  const table = quoteIdentifier(dataset.table);

  const sample = await readFile(seed.sampleFile);
  const seededRecords = countCsvRecords(sample.toString('utf8'));
  const seedKey = `${dataset.rawPrefix}${basename(seed.sampleFile)}`;
  if (seed.s3) await seed.s3.send(new PutObjectCommand({ Bucket: outputs.RawBucketName, Key: seedKey, Body: sample }));
  else await backend.seed(outputs.RawBucketName, seedKey, sample);
  const seededObject = `s3://${outputs.RawBucketName}/${seedKey}`;
  log({ event: 'seeded', object: seededObject, records: seededRecords });

  await backend.runCrawler(outputs.RawCrawlerName);
  log({ event: 'crawler-succeeded', crawlerName: outputs.RawCrawlerName });
  const jobRun = await backend.runJob(outputs.JobName);
  log({ event: 'job-succeeded', jobName: outputs.JobName, runId: jobRun.runId });
  await backend.runCrawler(outputs.DataLakeCrawlerName);
  log({ event: 'crawler-succeeded', crawlerName: outputs.DataLakeCrawlerName });

  const limited = concurrencyLimit(QUERY_CONCURRENCY);
  const countSql = `SELECT count(*) AS record_count FROM ${table}`;
  const counting = Promise.allSettled([
    limited(() => backend.query(outputs.RawDatabaseName, countSql)).then((rows) =>
      numberFrom(rows[0], 'record_count', `raw count in ${outputs.RawDatabaseName}`),
    ),
    limited(() => backend.query(outputs.DataLakeDatabaseName, countSql)).then((rows) =>
      numberFrom(rows[0], 'record_count', `transformed count in ${outputs.DataLakeDatabaseName}`),
    ),
    limited(() => backend.readObjects(outputs.DataLakeBucketName, dataset.rejectsPrefix)),
  ]);
  // Each rule's check catches its own query failure (evaluate), so these never reject.
  const ruleChecks = Promise.all([
    ...(validation.requiredColumnsComplete.length > 0
      ? [limited(() => requiredColumnsCheck(backend, outputs, table, validation.requiredColumnsComplete))]
      : []),
    ...validation.valueRanges.map((rule) => limited(() => valueRangeCheck(backend, outputs, table, rule))),
  ]);
  const [[rawCount, transformedCount, rejectListing], rules] = await Promise.all([counting, ruleChecks]);
  // A count that failed aborts the report (the first one, in the order raw, transformed, rejects), as before.
  for (const outcome of [rawCount, transformedCount, rejectListing])
    if (outcome.status === 'rejected') throw outcome.reason;
  const raw = (rawCount as PromiseFulfilledResult<number>).value;
  const transformed = (transformedCount as PromiseFulfilledResult<number>).value;
  const rejectObjects = (rejectListing as PromiseFulfilledResult<StoredObject[]>).value.filter(({ key }) => {
    const name = basename(key);
    return name.endsWith('.csv') && !name.startsWith('_') && !name.startsWith('.');
  });
  const rejected = rejectObjects.reduce((sum, { text }) => sum + countCsvRecords(text), 0);
  log({ event: 'counted', raw, transformed, rejected });

  const checks: LiveTestCheck[] = [];
  checks.push({
    rule: 'seededRecordsCrawled',
    passed: raw === seededRecords,
    expected: `${seededRecords} records (the seeded sample)`,
    actual: `${raw} records in ${outputs.RawDatabaseName}.${dataset.table}`,
    detail: `raw table ${outputs.RawDatabaseName}.${dataset.table} holds ${raw} records; the seeded sample ${seededObject} holds ${seededRecords}`,
  });

  const { maxRejected } = validation.recordCount;
  const balanced = raw === transformed + rejected;
  const withinRejects = rejected <= maxRejected;
  checks.push({
    rule: 'recordCount',
    passed: balanced && withinRejects,
    expected: `raw = transformed + rejected, rejected <= ${maxRejected}`,
    actual: `raw ${raw}, transformed ${transformed}, rejected ${rejected}`,
    detail:
      `raw ${raw} ${balanced ? '=' : '!='} transformed ${transformed} + rejected ${rejected}` +
      (withinRejects
        ? `; rejected ${rejected} <= maxRejected ${maxRejected}`
        : `; rejected ${rejected} exceeds maxRejected ${maxRejected}`) +
      (rejected > 0 ? ` (rejects: ${rejectObjects.map(({ key }) => key).join(', ')})` : ''),
  });
  checks.push(...rules);

  return {
    passed: checks.every((check) => check.passed),
    counts: { seeded: seededRecords, raw, transformed, rejected },
    checks,
    jobRunId: jobRun.runId,
    seededObject,
  };
};

/** The report for humans: a verdict line, the counts, one line per check. */
export const formatLiveTestReport = (report: LiveTestReport): string => {
  const { seeded, raw, transformed, rejected } = report.counts;
  const failed = report.checks.filter((check) => !check.passed).length;
  return [
    `Live test ${report.passed ? 'PASSED' : 'FAILED'}: ${report.checks.length - failed}/${report.checks.length} checks passed`,
    `  seeded ${report.seededObject} (${seeded} records), job run ${report.jobRunId}`,
    `  records: raw ${raw}, transformed ${transformed}, rejected ${rejected}`,
    ...report.checks.map((check) => `  [${check.passed ? 'PASS' : 'FAIL'}] ${check.rule}: ${check.detail}`),
  ].join('\n');
};
