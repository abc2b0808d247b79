import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { DataSourceError, parseColumnMapping, TRIM_CHARACTERS } from '@glue-cd/data-lake';
import { PLAN_SETTINGS_SQL, mappingPlan } from '../src/mapping-plan';

const mapping = parseColumnMapping({
  columns: [
    { source: 'id', target: 'id', type: 'int', required: true },
    { source: 'big', target: 'big', type: 'bigint', required: false },
    { source: 'ratio', target: 'ratio', type: 'double', required: false },
    { source: 'amount', target: 'amount', type: 'decimal(6,2)', required: true },
    { source: 'tip', target: 'tip', type: 'decimal(6,2)', required: false },
    { source: 'flag', target: 'flag', type: 'boolean', required: true },
    { source: 'opt_flag', target: 'opt_flag', type: 'boolean', required: false },
    { source: 'day', target: 'day', type: 'date', required: false },
    { source: 'at', target: 'at', type: 'timestamp', required: true },
    { source: 'note', target: 'note', type: 'string', required: true },
    { source: 'memo', target: 'memo', type: 'string', required: false },
  ],
});
const columns = [...mapping.columns.map((column) => column.source), 'unmapped'];

// Valid spellings, then near misses and garbage, for each type; padding with trim characters (a CR among them, as a
// CRLF ending leaves it) and a comma inside a value are what the fast test must not be fooled by.
const samples: Record<string, { valid: string[]; invalid: string[] }> = {
  int: {
    valid: ['0', '7', '-12', '+5', '007', '2147483647'],
    invalid: ['2147483648', '-2147483649', '1.5', '1.0', '1e3', '0x1A', '1_000', '1,5'],
  },
  bigint: { valid: ['9007199254740993', '-9223372036854775808', '12'], invalid: ['9223372036854775808', '5-', '1 2'] },
  double: { valid: ['1.5', '.5', '5.', '-1e-3', '1E10'], invalid: ['NaN', 'Infinity', '1.5.5', '1e', 'e1'] },
  decimal: {
    valid: ['1234.56', '0.5', '-0.01', '12.345', '+.5'],
    invalid: ['9999.999', '12345.6', '1e2', '.', '-', '1,50'],
  },
  boolean: { valid: ['true', 'T', 'Yes', 'n', '0', '1', 'FALSE'], invalid: ['maybe', 'yeſ', 'tru', 'ye s'] },
  date: { valid: ['2019-01-31', '2020-02-29'], invalid: ['2019-02-30', '2019-1-1', '20190101', '2019-01-31 10:00:00'] },
  timestamp: {
    valid: ['2019-01-31 23:45:03', '2019-01-31T23:45:03.123456'],
    invalid: ['2019-01-31 23:45:03.1234567', '2019-01-31', '2019-13-01 00:00:00', '2019-01-31 24:00:00'],
  },
  string: { valid: ['ok', 'a, b', ' padded ', 'line1\nline2'], invalid: ['x\r', ''] },
};
const samplesOf = (type: string) =>
  samples[type.startsWith('decimal') ? 'decimal' : type] ?? { valid: [], invalid: [] };
const padding = fc.constantFrom('', ' ', '  ', '\t', '\r', '\n', ' \r', '\r\n');
const anything = fc.constantFrom(
  ...Object.values(samples).flatMap(({ valid, invalid }) => [...valid, ...invalid]),
  'x',
);

const value = (type: string) =>
  fc.oneof(
    { weight: 30, arbitrary: fc.constantFrom(...samplesOf(type).valid) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(padding, fc.oneof(fc.constantFrom(...samplesOf(type).valid), anything), padding)
        .map(([before, base, after]) => `${before}${base}${after}`),
    },
    { weight: 1, arbitrary: fc.constantFrom(...samplesOf(type).invalid, 'x') },
    { weight: 1, arbitrary: fc.constant(null) },
  );
const row = fc.tuple(...mapping.columns.map((column) => value(column.type)), fc.option(anything, { nil: null }));

const literal = (text: string | null) => (text === null ? 'NULL' : `'${text.replaceAll("'", "''")}'`);

const withConnection = async <T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(PLAN_SETTINGS_SQL);
    return await work(connection);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

const rows = async (connection: DuckDBConnection, sql: string) =>
  (await connection.runAndReadAll(sql)).getRowObjectsJson();

describe('mappingPlan', () => {
  it('accepts, values and rejects every row exactly as the rules alone do', async () => {
    let accepted = 0;
    let rejected = 0;
    await withConnection(async (connection) => {
      await fc.assert(
        fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 40 }), async (table) => {
          const values = table.map((cells) => `(${cells.map(literal).join(', ')})`).join(', ');
          const relation = `(SELECT * FROM (VALUES ${values}) AS raw(${columns.map((name) => `"${name}"`).join(', ')}))`;
          const fast = mappingPlan(mapping, relation, columns);
          const rules = mappingPlan(mapping, relation, columns, { fastTest: false });
          const [fastAccepted, rulesAccepted] = [
            await rows(connection, fast.acceptedSql),
            await rows(connection, rules.acceptedSql),
          ];
          const [fastRejected, rulesRejected] = [
            await rows(connection, fast.rejectedSql),
            await rows(connection, rules.rejectedSql),
          ];
          expect(fastAccepted).toEqual(rulesAccepted);
          expect(fastRejected).toEqual(rulesRejected);
          accepted += fastAccepted.length;
          rejected += fastRejected.length;
        }),
        { numRuns: 25, seed: 20261127 },
      );
    });
    // the generated rows exercised both outcomes
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });

  it.each([
    ['INTEGER', ['0', '-12', '+5', '2147483647']],
    ['BIGINT', ['9007199254740993', '-42']],
    ['DOUBLE', ['1.5', '.5', '5.', '-1e-3']],
    ['DECIMAL(6,2)', ['1234.56', '-0.01', '12.345']],
    ['DATE', ['2019-01-31', '2020-02-29']],
    ['TIMESTAMP', ['2019-01-31 23:45:03', '2019-01-31T23:45:03.123456']],
  ])('relies on DuckDB casting %s padded with trim characters to the same value or failing', async (type, texts) => {
    const pads = ['', ...TRIM_CHARACTERS, ' \r', '\r\n', '\t '];
    const cases = texts.flatMap((text) =>
      pads.flatMap((before) => pads.map((after) => [text, `${before}${text}${after}`])),
    );
    const checked = await withConnection((connection) =>
      rows(
        connection,
        `SELECT count(*)::INTEGER AS cases, count_if(padded IS NOT NULL AND padded IS DISTINCT FROM bare)::INTEGER AS changed
         FROM (SELECT TRY_CAST(bare AS ${type}) AS bare, TRY_CAST(padded AS ${type}) AS padded
               FROM (VALUES ${cases.map(([bare, padded]) => `(${literal(bare ?? '')}, ${literal(padded ?? '')})`).join(', ')}) AS t(bare, padded))`,
      ),
    );
    expect(checked).toEqual([{ cases: cases.length, changed: 0 }]);
  });

  it('refuses a CSV header that uses its working column names', () => {
    expect(() => mappingPlan(mapping, 'raw', [...columns, '__glue_cd_ok'])).toThrow(DataSourceError);
  });
});
