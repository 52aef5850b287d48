import { type RecordBatch, type Schema, tableFromIPC } from 'apache-arrow';
import { ParquetFile, readParquet, readSchema } from 'parquet-wasm';
import { DeltaError, describeError } from '../errors.js';

/**
 * Parquet decoding. This folder is the only place that imports parquet-wasm, so the decoder can be
 * swapped (or moved to worker threads) without touching log replay or scanning.
 */

/** Options of {@link readParquetBatches}. */
export interface ParquetReadOptions {
  /** Physical column names to read (top-level); all when omitted. */
  readonly columns?: readonly string[];
  /** Rows per Arrow batch. */
  readonly batchSize?: number;
  /** Where the bytes came from, for error messages. */
  readonly source?: string;
}

/**
 * Decodes a Parquet file into Arrow record batches, one row group at a time, so that at most one
 * decoded row group is alive besides the file bytes.
 */
export async function* readParquetBatches(
  bytes: Uint8Array,
  options: ParquetReadOptions = {},
): AsyncIterable<RecordBatch> {
  const source = options.source ?? '<parquet>';
  const rowGroups = countRowGroups(bytes, source);
  // parquet-wasm's synchronous `readParquet` ignores `columns`; only its `ParquetFile` reader
  // projects, so a projected read goes through it (and a column missing from the file is an error).
  const projected = options.columns ? await openParquetFile(bytes, source, options.columns) : undefined;
  try {
    for (let rg = 0; rg < rowGroups; rg++) {
      let table;
      try {
        const readOptions = {
          rowGroups: [rg],
          ...(options.columns ? { columns: [...options.columns] } : {}),
          ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
        };
        const wasmTable = projected ? await projected.read(readOptions) : readParquet(bytes, readOptions);
        table = tableFromIPC(wasmTable.intoIPCStream());
      } catch (err) {
        throw new DeltaError(
          'CorruptData',
          `cannot decode row group ${rg} of ${source}: ${describeError(err)}`,
          {
            cause: err,
            context: { file: source, rowGroup: rg },
          },
        );
      }
      for (const batch of table.batches) yield batch;
    }
  } finally {
    // The WebAssembly-side file handle is not garbage collected; release it even on early exit.
    projected?.free();
  }
}

async function openParquetFile(
  bytes: Uint8Array,
  source: string,
  columns: readonly string[],
): Promise<ParquetFile> {
  try {
    return await ParquetFile.fromFile(new Blob([bytes]));
  } catch (err) {
    throw new DeltaError(
      'CorruptData',
      `cannot open ${source} to read columns ${columns.join(', ')}: ${describeError(err)}`,
      { cause: err, context: { file: source } },
    );
  }
}

/** The Arrow schema of a Parquet file, with field metadata (including `PARQUET:field_id`). */
export function readParquetSchema(bytes: Uint8Array, source = '<parquet>'): Schema {
  try {
    const wasmSchema = readSchema(bytes);
    return tableFromIPC(wasmSchema.intoIPCStream()).schema;
  } catch (err) {
    throw new DeltaError(
      'CorruptData',
      `cannot read the Parquet schema of ${source}: ${describeError(err)}`,
      {
        cause: err,
        context: { file: source },
      },
    );
  }
}

function countRowGroups(bytes: Uint8Array, source: string): number {
  try {
    // An empty read with no row groups selected still parses the footer; the metadata is what we need.
    const meta = readParquetMetadata(bytes);
    return meta;
  } catch (err) {
    throw new DeltaError('CorruptData', `${source} is not a valid Parquet file: ${describeError(err)}`, {
      cause: err,
      context: { file: source },
    });
  }
}

function readParquetMetadata(bytes: Uint8Array): number {
  const table = readParquet(bytes, { rowGroups: [], limit: 0 });
  table.free();
  return footerRowGroupCount(bytes);
}

/**
 * Reads the number of row groups from the Thrift-encoded footer. parquet-wasm exposes metadata only
 * on its async `ParquetFile`, which needs a Blob or URL; parsing this one field ourselves avoids that.
 */
function footerRowGroupCount(bytes: Uint8Array): number {
  const n = bytes.length;
  if (n < 12) throw new Error('file too short');
  const tail = new TextDecoder().decode(bytes.subarray(n - 4));
  if (tail !== 'PAR1') throw new Error('missing PAR1 magic at the end');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const footerLen = view.getUint32(n - 8, true);
  const start = n - 8 - footerLen;
  if (start < 4) throw new Error('footer length out of range');
  return new ThriftCompactFieldReader(bytes.subarray(start, n - 8)).rowGroupCount();
}

/** Just enough of the Thrift compact protocol to find FileMetaData.row_groups (field 4). */
class ThriftCompactFieldReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  rowGroupCount(): number {
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) throw new Error('FileMetaData has no row_groups');
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag() : lastId + delta;
      lastId = id;
      if (id === 4 && type === 9) {
        const sizeType = this.byte();
        const size = sizeType >> 4;
        return size === 15 ? this.varint() : size;
      }
      this.skip(type);
    }
  }

  private byte(): number {
    const b = this.buf[this.pos++];
    if (b === undefined) throw new Error('truncated footer');
    return b;
  }

  private varint(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }

  private zigzag(): number {
    const v = this.varint();
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  }

  private skip(type: number, inCollection = false): void {
    switch (type) {
      case 1:
      case 2:
        // A struct field's boolean lives in the type nibble; a collection element takes a byte.
        if (inCollection) this.pos += 1;
        return;
      case 3:
        this.pos += 1;
        return;
      case 4:
      case 5:
      case 6:
        this.varint();
        return;
      case 7:
        this.pos += 8;
        return;
      case 8: {
        // Read the length first: `this.pos += this.varint()` would add to the pre-varint position.
        const length = this.varint();
        this.pos += length;
        return;
      }
      case 9:
      case 10: {
        const sizeType = this.byte();
        const size = sizeType >> 4 === 15 ? this.varint() : sizeType >> 4;
        const elemType = sizeType & 0x0f;
        for (let i = 0; i < size; i++) this.skip(elemType, true);
        return;
      }
      case 11: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let i = 0; i < size; i++) {
          this.skip(kv >> 4, true);
          this.skip(kv & 0x0f, true);
        }
        return;
      }
      case 12: {
        let lastId = 0;
        for (;;) {
          const header = this.byte();
          if (header === 0) return;
          const delta = header >> 4;
          lastId = delta === 0 ? this.zigzag() : lastId + delta;
          this.skip(header & 0x0f);
        }
      }
      default:
        throw new Error(`unknown thrift type ${type} at byte ${this.pos}`);
    }
  }
}
