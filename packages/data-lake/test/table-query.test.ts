import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  SqlQueryError,
  inferTable,
  javaDoubleString,
  loadColumnMapping,
  queryTables,
  runMappingJob,
  type TableCatalog,
  type TableSource,
} from '@glue-cd/data-lake';
import { MAPPING_FILE, columnValues, copySampleInto, makeTempDir, readSampleCsv } from './sample';

const catalogOf = (tables: Record<string, Record<string, TableSource>>): TableCatalog => ({
  hasDatabase: (database) => database in tables,
  table: (database, table) => tables[database]?.[table],
});

const csvTable = (path: string, columns: TableSource['columns']): TableSource => ({
  path,
  format: { kind: 'text', delimiter: ',', skipHeaderLines: 1 },
  columns,
});

describe('queryTables', () => {
  it('answers count and sum over the crawled sample exactly as the CSV adds up, named and typed like Athena', async () => {
    const dir = await makeTempDir('table-query');
    const folder = await copySampleInto(dir);
    const inferred = await inferTable(folder);
    const sample = await readSampleCsv();
    const expectedSum = columnValues(sample, 'total_amount').reduce((sum, value) => sum + Number(value), 0);

    const result = await queryTables({
      sql: 'SELECT count(*), sum(total_amount) AS Total, vendorid FROM yellow_tripdata GROUP BY vendorid ORDER BY 3',
      catalog: catalogOf({ taxi: { yellow_tripdata: csvTable(folder, inferred.columns) } }),
      defaultDatabase: 'taxi',
    });

    expect(result.columns.map(({ name, type }) => [name, type])).toEqual([
      ['_col0', 'bigint'],
      ['total', 'double'],
      ['vendorid', 'bigint'],
    ]);
    const counts = result.rows.map((row) => Number(row[0]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(sample.rows.length);
    const total = result.rows.reduce((sum, row) => sum + Number(row[1]), 0);
    expect(total).toBeCloseTo(expectedSum, 6);
    expect(result.scannedBytes).toBe(inferred.sizeBytes);
  });

  it('reads text tables by position with the declared types: bad values, \\N and missing fields are NULL', async () => {
    const dir = await makeTempDir('table-query-text');
    await mkdir(join(dir, 't'));
    await writeFile(join(dir, 't', 'a.csv'), 'id,amount,label\n1,2.5,x\nnot-a-number,7,\\N\n3\n\n4,5,"q,r"\n');
    const result = await queryTables({
      sql: 'SELECT id, amount, label FROM db.t ORDER BY id NULLS FIRST',
      catalog: catalogOf({
        db: {
          t: csvTable(join(dir, 't'), [
            { name: 'id', type: 'bigint' },
            { name: 'amount', type: 'decimal(10,2)' },
            { name: 'label', type: 'string' },
          ]),
        },
      }),
      defaultDatabase: 'default',
    });
    expect(result.rows).toEqual([
      [null, '7.00', null],
      ['1', '2.50', 'x'],
      ['3', null, null],
      ['4', '5.00', '"q'], // LazySimpleSerDe does not unquote
    ]);
    expect(result.columns[1]).toEqual({ name: 'amount', type: 'decimal', precision: 10, scale: 2 });
  });

  it('reads the job output Parquet by column name', async () => {
    const dir = await makeTempDir('table-query-parquet');
    const source = await copySampleInto(dir, 'raw');
    const run = await runMappingJob({
      sourcePath: source,
      targetPath: join(dir, 'curated'),
      rejectsPath: join(dir, 'rejects'),
      mapping: await loadColumnMapping(MAPPING_FILE),
    });
    const inferred = await inferTable(join(dir, 'curated'));
    const result = await queryTables({
      sql: 'SELECT count(*) AS n, min(pickup_datetime) AS first FROM curated',
      catalog: catalogOf({
        lake: {
          curated: {
            path: join(dir, 'curated'),
            format: { kind: 'parquet' },
            columns: [...inferred.columns].reverse(),
          },
        },
      }),
      defaultDatabase: 'lake',
    });
    const sample = await readSampleCsv();
    expect(result.rows).toEqual([
      [String(run.transformedRecords), `${[...columnValues(sample, 'pickup_datetime')].sort()[0]}.000`],
    ]);
  });

  it('reads a partitioned table from its partitions, with the partition values as trailing columns', async () => {
    const dir = await makeTempDir('table-query-partitions');
    for (const [month, rows] of [
      ['01', 'a,1\nb,2\n'],
      ['02', 'c,3\n'],
    ] as const) {
      await mkdir(join(dir, `month=${month}`));
      await writeFile(join(dir, `month=${month}`, 'part.csv'), rows);
    }
    const result = await queryTables({
      sql: 'SELECT * FROM db.t ORDER BY name',
      catalog: catalogOf({
        db: {
          t: {
            path: dir,
            format: { kind: 'text', delimiter: ',', skipHeaderLines: 0 },
            columns: [
              { name: 'name', type: 'string' },
              { name: 'n', type: 'int' },
            ],
            partitioning: {
              keys: [{ name: 'month', type: 'int' }],
              partitions: [
                { path: join(dir, 'month=01'), values: ['1'] },
                { path: join(dir, 'month=02'), values: ['2'] },
                { path: join(dir, 'month=03'), values: ['3'] },
              ],
            },
          },
        },
      }),
      defaultDatabase: 'db',
    });
    expect(result.columns.map((column) => column.name)).toEqual(['name', 'n', 'month']);
    expect(result.rows).toEqual([
      ['a', '1', '1'],
      ['b', '2', '1'],
      ['c', '3', '2'],
    ]);
  });

  it.each([
    ['SELEC 1', 'SYNTAX_ERROR', /^line 1:1: syntax error at or near "SELEC"/],
    ['SELECT * FROM nope', 'TABLE_NOT_FOUND', /^line 1:15: Table 'awsdatacatalog\.db\.nope' does not exist$/],
    ['SELECT * FROM other.t', 'SCHEMA_NOT_FOUND', /^line 1:15: Schema 'other' does not exist$/],
    ['SELECT nope FROM t', 'COLUMN_NOT_FOUND', /^line 1:8: Referenced column "nope" not found/],
    ['CREATE TABLE x (a int)', 'NOT_SUPPORTED', /SELECT, WITH, VALUES/],
    ["SELECT * FROM read_csv('/etc/passwd')", 'NOT_SUPPORTED', /table functions/],
    ["SELECT * FROM t UNION ALL SELECT content FROM read_text('/etc/hostname')", 'NOT_SUPPORTED', /table functions/],
  ])('fails %s with %s', async (sql, code, message) => {
    const dir = await makeTempDir('table-query-errors');
    const failure = queryTables({
      sql,
      catalog: catalogOf({ db: { t: csvTable(join(dir, 'none'), [{ name: 'a', type: 'int' }]) } }),
      defaultDatabase: 'db',
    });
    await expect(failure).rejects.toThrow(SqlQueryError);
    await expect(failure).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('runs the statement with file access locked to the tables it reads', async () => {
    const result = await queryTables({
      sql: "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')",
      catalog: catalogOf({ db: {} }),
      defaultDatabase: 'db',
    });
    expect(result.rows).toEqual([['false', 'true']]);
  });

  it('stops a running query when its signal aborts', async () => {
    const controller = new AbortController();
    const running = queryTables({
      sql: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 1000000000) SELECT count(*) FROM r',
      catalog: catalogOf({ db: {} }),
      defaultDatabase: 'db',
      signal: controller.signal,
    });
    setImmediate(() => controller.abort());
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('javaDoubleString', () => {
  it.each([
    [24.8, '24.8'],
    [7, '7.0'],
    [119067.81, '119067.81'],
    [1e7, '1.0E7'],
    [12345678.9, '1.23456789E7'],
    [0.0001, '1.0E-4'],
    [-0.5, '-0.5'],
    [0, '0.0'],
    [Number.NaN, 'NaN'],
  ])('renders %p as Java does: %s', (value, text) => {
    expect(javaDoubleString(value)).toBe(text);
  });
});
