import { DeltaError } from '../errors.js';

/**
 * Text output of canonical rows (see `canonical.ts`): NDJSON for programs, CSV for spreadsheets,
 * an aligned table for people at a terminal. Each format has a per-line function so the CLI can
 * stream a scan without holding all rows, and a whole-result function for small results.
 */

/** The output formats the CLI offers. */
export type OutputFormat = 'ndjson' | 'csv' | 'table';

/** One NDJSON line (with its trailing newline) for a canonical row. */
export function ndjsonLine(row: Readonly<Record<string, unknown>>): string {
  return `${JSON.stringify(row)}\n`;
}

/** Canonical rows as newline-delimited JSON, one object per line. */
export function formatNdjson(rows: Iterable<Readonly<Record<string, unknown>>>): string {
  let out = '';
  for (const row of rows) out += ndjsonLine(row);
  return out;
}

/** Options of the CSV writer. */
export interface CsvOptions {
  /** Line terminator; RFC 4180 says CRLF, which is the default. */
  readonly lineEnding?: string;
  /** Whether to write the header line (default true). */
  readonly header?: boolean;
}

/**
 * One CSV field per RFC 4180: quoted when it holds a comma, a quote, CR or LF (or leading or
 * trailing spaces, which spreadsheet programs would otherwise strip), quotes doubled. Null is
 * the empty field; nested values (objects, arrays) are written as JSON.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record (with its line ending) of `row`'s `columns`. */
export function csvLine(
  row: Readonly<Record<string, unknown>>,
  columns: readonly string[],
  lineEnding = '\r\n',
): string {
  return columns.map((c) => csvField(row[c])).join(',') + lineEnding;
}

/** Canonical rows as CSV with a header line of `columns`. */
export function formatCsv(
  rows: Iterable<Readonly<Record<string, unknown>>>,
  columns: readonly string[],
  options: CsvOptions = {},
): string {
  const eol = options.lineEnding ?? '\r\n';
  let out = options.header === false ? '' : columns.map(csvField).join(',') + eol;
  for (const row of rows) out += csvLine(row, columns, eol);
  return out;
}

/** Options of the table renderer. */
export interface TableOptions {
  /** Cells longer than this many characters are cut with `…` (default 40, minimum 1). */
  readonly maxCellWidth?: number;
  /** Text shown for null (default `null`). */
  readonly nullText?: string;
}

/** A cell as one line of text: control characters escaped so the table stays aligned. */
function cellText(value: unknown, nullText: string): string {
  if (value === null || value === undefined) return nullText;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we escape.
  return text.replace(/[\u0000-\u001f\u007f]/g, (ch) => {
    if (ch === '\n') return '\\n';
    if (ch === '\t') return '\\t';
    if (ch === '\r') return '\\r';
    return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

function truncate(text: string, width: number): string {
  const chars = Array.from(text);
  return chars.length <= width ? text : `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
}

function displayWidth(text: string): number {
  return Array.from(text).length;
}

/**
 * Canonical rows as an aligned text table for terminals: a header, a rule, one line per row.
 * Numbers are right-aligned, everything else left-aligned; wide cells are truncated.
 */
export function formatTable(
  rows: Iterable<Readonly<Record<string, unknown>>>,
  columns: readonly string[],
  options: TableOptions = {},
): string {
  const max = Math.max(1, options.maxCellWidth ?? 40);
  const nullText = options.nullText ?? 'null';
  const header = columns.map((c) => truncate(cellText(c, nullText), max));
  const widths = header.map(displayWidth);
  const body: Array<Array<{ text: string; right: boolean }>> = [];
  for (const row of rows) {
    const cells = columns.map((c, i) => {
      const value = row[c];
      const text = truncate(cellText(value, nullText), max);
      widths[i] = Math.max(widths[i] ?? 0, displayWidth(text));
      return { text, right: typeof value === 'number' };
    });
    body.push(cells);
  }
  const pad = (text: string, i: number, right: boolean): string => {
    const fill = ' '.repeat(Math.max(0, (widths[i] ?? 0) - displayWidth(text)));
    return right ? fill + text : text + fill;
  };
  const lines = [
    header.map((h, i) => pad(h, i, false)).join(' | '),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...body.map((cells) => cells.map((cell, i) => pad(cell.text, i, cell.right)).join(' | ')),
  ];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** Renders rows in `format`; `columns` orders CSV and table columns (NDJSON keeps row order). */
export function formatRows(
  rows: Iterable<Readonly<Record<string, unknown>>>,
  format: OutputFormat,
  columns: readonly string[],
): string {
  switch (format) {
    case 'ndjson':
      return formatNdjson(rows);
    case 'csv':
      return formatCsv(rows, columns);
    case 'table':
      return formatTable(rows, columns);
    default:
      throw new DeltaError(
        'InvalidArgument',
        `unknown output format ${JSON.stringify(format)} (ndjson, csv, table)`,
      );
  }
}
