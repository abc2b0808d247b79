import { createReadStream } from 'node:fs';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** What a CSV text holds, read the way job.py reads it (csv-format.ts), independently of DuckDB. */
export interface CsvTextScan {
  /** Records, the header included: a record ends at an LF outside double quotes; blank lines are not records. */
  lines: number;
  /** A CR or LF occurs inside a quoted value (DuckDB's parallel reader cannot pad short rows of such a file). */
  quotedLineBreaks: boolean;
  /** 1-based line of the first CR outside quotes that does not end its line (CRLF), if any. */
  bareCarriageReturnLine: number | undefined;
  /** Lines (outside quotes) that end LF, and CRLF. */
  lineEndings: { lf: number; crlf: number };
}

/**
 * Counts CSV records the RFC 4180 way, independently of DuckDB, over bytes (quotes, CR and LF are ASCII, so UTF-8 text
 * needs no decoding): a record ends at an LF outside double quotes, a CR before it belongs to the line ending, and
 * lines holding nothing but their line ending are not records. `header: true` subtracts the header of a non-empty
 * input. A CR that ends no line is reported, never guessed about: Spark (lineSep \n) reads it as data, DuckDB as a
 * line break.
 */
export class CsvRecordCounter {
  private inQuotes = false;
  private lineHasContent = false;
  private pendingCarriageReturn = false;
  private records_ = 0;
  private line = 1;
  private quotedLineBreaks = false;
  private bareCarriageReturnLine: number | undefined;
  private lineEndings = { lf: 0, crlf: 0 };
  /** The previous chunk ended with the CR of a CRLF whose LF opens this one. */
  private lineFeedAfterCarriageReturn = false;

  push(chunk: string | Uint8Array): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    let start = 0;
    if (this.pendingCarriageReturn && bytes.length > 0) {
      this.pendingCarriageReturn = false;
      if (bytes[0] === LF) this.lineFeedAfterCarriageReturn = true;
      else this.bareCarriageReturn();
    }
    // Quote-free stretches (nearly all data) are scanned with indexOf, the rest byte by byte.
    while (start < bytes.length) {
      if (!this.inQuotes) {
        const quote = bytes.indexOf(QUOTE, start);
        const end = quote === -1 ? bytes.length : quote;
        this.scanUnquoted(bytes, start, end);
        if (quote === -1) return;
        start = quote;
      }
      start = this.scanFrom(bytes, start);
    }
  }

  /** Byte by byte from a quote until the quoted value closes (or the chunk ends); returns where to go on. */
  private scanFrom(bytes: Uint8Array, from: number): number {
    for (let i = from; i < bytes.length; i += 1) {
      const byte = bytes[i];
      if (byte === QUOTE) {
        this.inQuotes = !this.inQuotes; // an escaped "" toggles twice
        this.lineHasContent = true;
        if (!this.inQuotes) return i + 1;
      } else if (byte === LF || byte === CR) {
        this.quotedLineBreaks = true;
        if (byte === LF) this.line += 1;
      }
    }
    return bytes.length;
  }

  /** Bytes [from, to) hold no quote and are outside quotes. */
  private scanUnquoted(bytes: Uint8Array, from: number, to: number): void {
    let position = from;
    let nextCarriageReturn = bytes.indexOf(CR, from);
    while (position < to) {
      let lineFeed = bytes.indexOf(LF, position);
      if (lineFeed >= to) lineFeed = -1;
      const end = lineFeed === -1 ? to : lineFeed;
      let contentEnd = end;
      while (nextCarriageReturn !== -1 && nextCarriageReturn < end) {
        if (nextCarriageReturn === end - 1 && (lineFeed !== -1 || end === bytes.length)) {
          contentEnd = nextCarriageReturn; // CRLF, or a CR closing the chunk that the next chunk decides about
          if (lineFeed === -1) this.pendingCarriageReturn = true;
          nextCarriageReturn = bytes.indexOf(CR, end);
          break;
        }
        this.bareCarriageReturn();
        nextCarriageReturn = bytes.indexOf(CR, nextCarriageReturn + 1);
      }
      if (contentEnd > position) this.lineHasContent = true;
      if (lineFeed === -1) return;
      if (contentEnd < end || this.lineFeedAfterCarriageReturn) this.lineEndings.crlf += 1;
      else this.lineEndings.lf += 1;
      this.lineFeedAfterCarriageReturn = false;
      if (this.lineHasContent) this.records_ += 1;
      this.lineHasContent = false;
      this.line += 1;
      position = lineFeed + 1;
    }
  }

  private bareCarriageReturn(): void {
    this.bareCarriageReturnLine ??= this.line;
    this.lineHasContent = true; // Spark keeps it as data
  }

  records({ header }: { header: boolean }): number {
    const lines = this.records_ + (this.lineHasContent ? 1 : 0);
    return header ? Math.max(lines - 1, 0) : lines;
  }

  scan(): CsvTextScan {
    return {
      lines: this.records({ header: false }),
      quotedLineBreaks: this.quotedLineBreaks,
      bareCarriageReturnLine: this.bareCarriageReturnLine,
      lineEndings: { ...this.lineEndings },
    };
  }
}

export const countCsvRecords = (text: string, { header = true }: { header?: boolean } = {}): number => {
  const counter = new CsvRecordCounter();
  counter.push(text);
  return counter.records({ header });
};

/** Scans a CSV file as a stream of bytes (see CsvRecordCounter). */
export const scanCsvFile = async (path: string): Promise<CsvTextScan> => {
  const counter = new CsvRecordCounter();
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) counter.push(chunk as Buffer);
  return counter.scan();
};

export const countCsvFileRecords = async (
  path: string,
  { header = true }: { header?: boolean } = {},
): Promise<number> => {
  const { lines } = await scanCsvFile(path);
  return header ? Math.max(lines - 1, 0) : lines;
};
