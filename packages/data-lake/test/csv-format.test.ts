import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { LINE_END_RESIDUE, duckDbCsvReadOptions, withoutLineEndResidue } from '@glue-cd/data-lake';
import { PARALLEL_READER_REFUSAL, withSerialFallback, withoutLineEndResidueSql } from '../src/csv-format';
import { makeTempDir } from './sample';

const query = async (sql: string): Promise<Record<string, unknown>[]> => {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
};

describe('duckDbCsvReadOptions', () => {
  it.each(['lf', 'crlf', undefined] as const)(
    'reads values as Spark does with job.py options (line ending %s): quoted empty is empty, unquoted empty is null, short rows padded, no CR kept',
    async (lineEnding) => {
      const dir = await makeTempDir('read-options');
      const file = join(dir, 'input.csv');
      await writeFile(file, 'a,b,c\r\n1,"",\r\n" x ",2\n"q""uote","line\nbreak",3\r\n');
      const options = duckDbCsvReadOptions({ parallel: false, valuesAsText: true, lineEnding });
      expect(await query(`SELECT * FROM read_csv('${file}', ${options})`)).toEqual([
        { a: '1', b: '', c: null },
        { a: ' x ', b: '2', c: null },
        { a: 'q"uote', b: 'line\nbreak', c: '3' },
      ]);
    },
  );

  it('lets DuckDB sniff types when values are not read as text (the crawler)', async () => {
    const dir = await makeTempDir('read-options-typed');
    const file = join(dir, 'input.csv');
    await writeFile(file, 'a,b\n1,x\n2,y\n');
    const options = duckDbCsvReadOptions({ parallel: true, valuesAsText: false });
    expect(await query(`SELECT typeof(a) AS a, typeof(b) AS b FROM read_csv('${file}', ${options}) LIMIT 1`)).toEqual([
      { a: 'BIGINT', b: 'VARCHAR' },
    ]);
  });
});

describe('the line-end residue rule', () => {
  it.each([
    ['x\r', 'x'],
    ['\r', null],
    ['x', 'x'],
    ['x\r\r', 'x\r'],
    ['\rx', '\rx'],
    ['', ''],
  ])('DuckDB: %j becomes %j', async (value, expected) => {
    expect(LINE_END_RESIDUE).toBe('\r');
    const [row] = await query(
      `SELECT ${withoutLineEndResidueSql(`'${value}'`)} AS v, ${withoutLineEndResidueSql('NULL')} AS n`,
    );
    expect(row).toEqual({ v: expected, n: null });
  });

  it('strips one CR from a column name', () => {
    expect(['congestion_surcharge\r', 'a\r\r', 'b'].map(withoutLineEndResidue)).toEqual([
      'congestion_surcharge',
      'a\r',
      'b',
    ]);
  });
});

describe('withSerialFallback', () => {
  const refusal = new Error(`Not implemented Error: ${PARALLEL_READER_REFUSAL}.`);

  it('reads again with the serial reader when the parallel one refuses the file', async () => {
    const reads: boolean[] = [];
    const result = await withSerialFallback(true, async (parallel) => {
      reads.push(parallel);
      if (parallel) throw refusal;
      return 'read';
    });
    expect({ result, reads }).toEqual({ result: 'read', reads: [true, false] });
  });

  it('passes any other error on, and never retries a serial read', async () => {
    const reads: boolean[] = [];
    const failing = (error: Error) => async (parallel: boolean) => {
      reads.push(parallel);
      throw error;
    };
    await expect(withSerialFallback(true, failing(new Error('disk full')))).rejects.toThrow('disk full');
    await expect(withSerialFallback(false, failing(refusal))).rejects.toThrow(PARALLEL_READER_REFUSAL);
    expect(reads).toEqual([true, false]);
  });
});
