import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CsvRecordCounter,
  countCsvFileRecords,
  countCsvRecords,
  scanCsvFile,
  type CsvTextScan,
} from '@glue-cd/data-lake';
import { SAMPLE_FILE, makeTempDir, readSampleCsv } from './sample';

/** The counter's rules, one character at a time: the reference its indexOf fast path is checked against. */
const referenceScan = (text: string): CsvTextScan => {
  let inQuotes = false;
  let content = false;
  let lines = 0;
  let line = 1;
  let quotedLineBreaks = false;
  let bareCarriageReturnLine: number | undefined;
  const lineEndings = { lf: 0, crlf: 0 };
  [...text].forEach((char, index) => {
    if (char === '"') {
      inQuotes = !inQuotes;
      content = true;
    } else if (inQuotes && (char === '\n' || char === '\r')) {
      quotedLineBreaks = true;
      if (char === '\n') line += 1;
    } else if (char === '\n') {
      if (text[index - 1] === '\r') lineEndings.crlf += 1;
      else lineEndings.lf += 1;
      if (content) lines += 1;
      content = false;
      line += 1;
    } else if (char === '\r') {
      const next = text[index + 1];
      if (next !== undefined && next !== '\n') {
        bareCarriageReturnLine ??= line;
        content = true;
      }
    } else content = true;
  });
  return { lines: lines + (content ? 1 : 0), quotedLineBreaks, bareCarriageReturnLine, lineEndings };
};

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

  it.each([
    ['a CR inside a line', 'a,b\n1,2\n3\r4\n', 3],
    ['old Mac line endings', 'a,b\r1,2\r', 1],
    ['a CR before a quote', 'a,b\n1,\r"x"\n', 2],
  ])('reports the first bare CR (%s) with its line', (_case, text, line) => {
    const counter = new CsvRecordCounter();
    counter.push(text);
    expect(counter.scan().bareCarriageReturnLine).toBe(line);
  });

  it.each([
    ['a CR ending the input', 'a,b\n1,2\r', false],
    ['a quoted LF', 'a,b\n"x\ny",2\n', true],
    ['a quoted CR', 'a,b\n"x\ry",2\n', true],
    ['CRLF endings only', 'a,b\r\n1,2\r\n', false],
  ])('tells %s apart from a bare CR, and flags quoted line breaks', (_case, text, quoted) => {
    const counter = new CsvRecordCounter();
    counter.push(text);
    expect(counter.scan()).toMatchObject({ bareCarriageReturnLine: undefined, quotedLineBreaks: quoted });
  });

  it('scans any text in any chunks, bytes or strings, as the one-character-at-a-time reference does', () => {
    const text = fc
      .array(fc.constantFrom('a', 'é', ',', '"', '""', '\r', '\n', '\r\n', ' '), { maxLength: 80 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (input, cuts, asBytes) => {
        const bytes = Buffer.from(input, 'utf8');
        const positions = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        const counter = new CsvRecordCounter();
        [0, ...positions].forEach((start, index) => {
          const chunk = bytes.subarray(start, positions[index] ?? bytes.length);
          const wholeCharacters = Buffer.from(chunk.toString('utf8'), 'utf8').equals(chunk);
          counter.push(asBytes || !wholeCharacters ? chunk : chunk.toString('utf8'));
        });
        expect(counter.scan()).toEqual(referenceScan(input));
      }),
      { numRuns: 2000, seed: 20261127 },
    );
  });

  it('scans a file in chunks like the whole text', async () => {
    const dir = await makeTempDir('scan');
    const file = join(dir, 'input.csv');
    const text = `a,b\r\n${'1,"x\r\ny"\r\n2,3\n'.repeat(60_000)}\r\n4,5\r`;
    await writeFile(file, text);
    expect(await scanCsvFile(file)).toEqual(referenceScan(text));
  });

  it('counts the real sample like a line-based parse does', async () => {
    const sample = await readSampleCsv();
    expect(await countCsvFileRecords(SAMPLE_FILE)).toBe(sample.rows.length);
    expect(countCsvRecords(await readFile(SAMPLE_FILE, 'utf8'), { header: false })).toBe(sample.rows.length + 1);
  });
});
