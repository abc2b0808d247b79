import { createReadStream } from 'node:fs';

/**
 * Counts CSV records the RFC 4180 way, independently of DuckDB: a record ends at a CR, LF or CRLF outside double
 * quotes; blank lines are not records. `header: true` subtracts the header line of a non-empty input.
 */
export class CsvRecordCounter {
  private inQuotes = false;
  private lineHasContent = false;
  private lines = 0;

  push(chunk: string): void {
    for (const char of chunk) {
      if (char === '"') {
        this.inQuotes = !this.inQuotes; // an escaped "" toggles twice
        this.lineHasContent = true;
      } else if ((char === '\n' || char === '\r') && !this.inQuotes) {
        if (this.lineHasContent) this.lines += 1;
        this.lineHasContent = false;
      } else {
        this.lineHasContent = true;
      }
    }
  }

  records({ header }: { header: boolean }): number {
    const lines = this.lines + (this.lineHasContent ? 1 : 0);
    return header ? Math.max(lines - 1, 0) : lines;
  }
}

export const countCsvRecords = (text: string, { header = true }: { header?: boolean } = {}): number => {
  const counter = new CsvRecordCounter();
  counter.push(text);
  return counter.records({ header });
};

export const countCsvFileRecords = async (
  path: string,
  { header = true }: { header?: boolean } = {},
): Promise<number> => {
  const counter = new CsvRecordCounter();
  for await (const chunk of createReadStream(path, { encoding: 'utf8' })) counter.push(chunk as string);
  return counter.records({ header });
};
