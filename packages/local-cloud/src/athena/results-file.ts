/**
 * Athena's result files: a query's rows as `<QueryExecutionId>.csv` (every value double-quoted, `""` inside, NULL as
 * an empty unquoted field, the header row first), a utility statement's as `<id>.txt` (one tab-separated row a line).
 */
export type ResultRow = (string | null)[];

const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;

export const encodeCsv = (header: readonly string[], rows: readonly ResultRow[]): string =>
  [header.map(quote), ...rows.map((row) => row.map((value) => (value === null ? '' : quote(value))))]
    .map((fields) => `${fields.join(',')}\n`)
    .join('');

export const encodeText = (rows: readonly ResultRow[]): string =>
  rows.map((row) => `${row.map((value) => value ?? '').join('\t')}\n`).join('');

/** Reads back what encodeCsv wrote (RFC 4180 quoting; an empty unquoted field is NULL), header row included. */
export const decodeCsv = (text: string): ResultRow[] => {
  const rows: ResultRow[] = [];
  let row: ResultRow = [];
  let index = 0;
  while (index < text.length) {
    if (text[index] === '"') {
      let value = '';
      index += 1;
      for (;;) {
        const next = text.indexOf('"', index);
        if (next < 0) throw new Error('unterminated quoted field in the result file');
        value += text.slice(index, next);
        if (text[next + 1] === '"') {
          value += '"';
          index = next + 2;
        } else {
          index = next + 1;
          break;
        }
      }
      row.push(value);
    } else {
      const end = text.slice(index).search(/[,\n]/);
      const raw = end < 0 ? text.slice(index) : text.slice(index, index + end);
      row.push(raw === '' ? null : raw);
      index += raw.length;
    }
    const separator = text[index];
    index += 1;
    if (separator !== ',') {
      rows.push(row);
      row = [];
    }
  }
  return rows;
};

export const decodeText = (text: string): ResultRow[] =>
  text
    .split('\n')
    .slice(0, -1)
    .map((line) => line.split('\t'));
