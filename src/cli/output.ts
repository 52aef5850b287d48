import { csvField, csvLine, formatTable, ndjsonLine, type OutputFormat } from '../format/output.js';
import type { StructType } from '../protocol/schema.js';

export type { OutputFormat };

/** Rows the aligned table format buffers before it prints a block (it needs column widths). */
const TABLE_BLOCK_ROWS = 1000;

/**
 * Writes canonical rows to `write` as they arrive: NDJSON and CSV line by line, the terminal table
 * in blocks, so `delta-ts scan` on a large table starts printing at once and never holds the whole
 * result in memory.
 */
export async function writeRows(
  rows: AsyncIterable<Record<string, unknown>>,
  schema: StructType,
  format: OutputFormat,
  write: (text: string) => void,
): Promise<number> {
  const columns = schema.fields.map((f) => f.name);
  let count = 0;
  if (format === 'ndjson') {
    for await (const row of rows) {
      write(ndjsonLine(row));
      count++;
    }
    return count;
  }
  if (format === 'csv') {
    write(`${columns.map(csvField).join(',')}\r\n`);
    for await (const row of rows) {
      write(csvLine(row, columns));
      count++;
    }
    return count;
  }
  let block: Array<Record<string, unknown>> = [];
  for await (const row of rows) {
    block.push(row);
    count++;
    if (block.length >= TABLE_BLOCK_ROWS) {
      write(formatTable(block, columns));
      block = [];
    }
  }
  if (block.length > 0 || count === 0) write(formatTable(block, columns));
  write(`(${count} row${count === 1 ? '' : 's'})\n`);
  return count;
}
