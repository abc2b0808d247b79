import { readFile } from 'node:fs/promises';
import { CsvRecordCounter, countCsvFileRecords, countCsvRecords } from '@glue-cd/data-lake';
import { SAMPLE_FILE, readSampleCsv } from './sample';

describe('countCsvRecords', () => {
  it.each([
    ['LF rows', 'a,b\n1,2\n3,4\n', 2],
    ['CRLF rows without a final newline', 'a,b\r\n1,2\r\n3,4', 2],
    ['mixed CRLF and LF (as in the real sample)', 'a,b\n1,2\r\n3,4\n5,6\r\n', 3],
    ['blank lines, which are not records', 'a,b\n\n1,2\n\r\n3,4\n\n', 2],
    ['a quoted newline inside one record', 'a,b\n"x\ny",2\n3,4\n', 2],
    ['escaped quotes', 'a,b\n"say ""hi""",2\n', 1],
    ['a header only', 'a,b\n', 0],
    ['nothing', '', 0],
  ])('counts %s', (_case, text, records) => {
    expect(countCsvRecords(text)).toBe(records);
  });

  it('counts the same when CRLF is split across chunks', () => {
    const counter = new CsvRecordCounter();
    for (const chunk of ['a,b\r', '\n1,2\r', '\n3,4']) counter.push(chunk);
    expect(counter.records({ header: true })).toBe(2);
  });

  it('counts the real sample like a line-based parse does', async () => {
    const sample = await readSampleCsv();
    expect(await countCsvFileRecords(SAMPLE_FILE)).toBe(sample.rows.length);
    expect(countCsvRecords(await readFile(SAMPLE_FILE, 'utf8'), { header: false })).toBe(sample.rows.length + 1);
  });
});
