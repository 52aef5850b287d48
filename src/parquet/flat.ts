import type { RecordBatch, Schema } from 'apache-arrow';
import { DeltaError, describeError } from '../errors.js';
import { DEFAULT_BATCH_SIZE, DecodingFile, materialize, planSlices, projectSchema } from './decode.js';
import { type ColumnBuffers, toRecordBatch } from './ffi.js';
import { ColumnCursor } from './flat-column.js';
import { FLAT_CODECS, FLAT_ENCODINGS } from './flat-pages.js';
import { type FlatLayout, type FlatLeaf, type LeafSpec, flatLayout } from './flat-schema.js';
import { type DecoderPool, sharedDecoderPool } from './pool.js';
import { type LiteChunk, type LiteFile, footerLength, parseLiteFooter, readLiteFooter } from './lite-meta.js';
import type { ParquetFileReader, ParquetReadOptions } from './read.js';
import { type ByteSource, isByteSource } from './source.js';

/**
 * The JavaScript column decoder for flat files (every column a primitive, the shape of nearly every
 * data file of a commerce table): it reads pages straight into Arrow buffers, so a scan neither
 * compiles nor warms up the WebAssembly decoder, nor copies each batch out of its memory. What it
 * does not read (nested or exotic columns: the whole file; zstd/LZ4 or unusual encodings: that row
 * group) goes to the WebAssembly decoder, which remains the reference for every file.
 */

/** Which decoder {@link openFlatFile} callers ask for. */
export type DecoderChoice = 'auto' | 'wasm';

/**
 * The decoder a process uses unless a caller chooses: `DELTA_TS_PARQUET_DECODER=wasm` turns the
 * JavaScript decoder off (to compare the two, or to rule it out when chasing a bad read).
 */
export function defaultDecoder(): DecoderChoice {
  return process.env['DELTA_TS_PARQUET_DECODER'] === 'wasm' ? 'wasm' : 'auto';
}

/**
 * Opens `input` with the JavaScript decoder when every column of the file is one it reads, else
 * returns undefined (the caller uses the WebAssembly decoder). A file whose footer cannot be read
 * also returns undefined, so the WebAssembly decoder reports the corruption as it always has.
 */
export async function openFlatFile(
  input: Uint8Array | ByteSource,
  source: string,
  options: {
    /** Share large row groups with a worker thread (default `false`). */
    readonly workers?: boolean;
    /** The pool to take the worker from (default: the process-wide one). */
    readonly pool?: DecoderPool | null;
  } = {},
): Promise<ParquetFileReader | undefined> {
  if (!littleEndian) return undefined;
  let file: LiteFile;
  try {
    if (isByteSource(input)) {
      const size = input.size;
      if (size < 12) return undefined;
      const len = footerLength(await input.read(size - 8, 8), size);
      file = parseLiteFooter(await input.read(size - 8 - len, len));
    } else file = readLiteFooter(input);
  } catch {
    return undefined;
  }
  const layout = flatLayout(file);
  if (typeof layout === 'string') return undefined;
  return new FlatFileReader(
    input,
    source,
    file,
    layout,
    options.workers === false ? null : sharedDecoderPool(),
  );
}

/**
 * Row groups smaller than this (decompressed) decode on the calling thread alone: below it the
 * hop to a worker costs about what it saves.
 */
export const MIN_PARALLEL_BYTES = 4 << 20;

/**
 * Measured decoding cost of columns, in milliseconds per million rows, by column name and kind:
 * the cost of a column depends on its data (compressibility, dictionary size, string lengths)
 * far more than on its byte size, so each row group is split by what earlier ones measured.
 */
const measured = new Map<string, { ms: number; rows: number }>();

function costKey(leaf: LeafSpec): string {
  return `${leaf.name}\u0000${leaf.physical}\u0000${leaf.output}`;
}

function record(leaf: LeafSpec | undefined, elapsed: number, rows: number): void {
  if (leaf === undefined || rows <= 0) return;
  if (measured.size > 10_000) measured.clear(); // a heuristic: never let it grow without bound
  const key = costKey(leaf);
  const sum = measured.get(key) ?? { ms: 0, rows: 0 };
  measured.set(key, { ms: sum.ms + elapsed, rows: sum.rows + rows });
}

function measuredCost(leaf: LeafSpec): number | undefined {
  const sum = measured.get(costKey(leaf));
  return sum === undefined ? undefined : (sum.ms / sum.rows) * 1e6;
}

/**
 * Estimated cost of a chunk never measured (ms per million rows, roughly fitted on this
 * project's benchmark tables): Snappy copies dominate, literals are cheap, and dictionary
 * gathers of strings and decimals cost more than of plain words.
 */
function modelCost(leaf: LeafSpec, chunk: LiteChunk): number {
  const rows = Math.max(1, chunk.numValues);
  const perRow =
    (0.3 * chunk.compressedSize + 3 * Math.max(0, chunk.uncompressedSize - chunk.compressedSize)) / rows;
  const gather = leaf.physical === 'bytes' || leaf.output === 'dec128' ? 12 : 4;
  return perRow + gather;
}

/**
 * Columns (indices into `chunks`) for the worker: greedily, costliest first, to whichever side
 * has less work, counting this thread's a tenth more (it also converts and hands out batches).
 */
function split(leaves: readonly LeafSpec[], chunks: readonly LiteChunk[]): Set<number> {
  const cost = chunks.map((c, k) => {
    const leaf = leaves[k];
    if (leaf === undefined) return 0;
    return measuredCost(leaf) ?? modelCost(leaf, c);
  });
  const order = cost.map((_, k) => k).sort((a, b) => (cost[b] ?? 0) - (cost[a] ?? 0));
  const remote = new Set<number>();
  let here = 0;
  let there = 0;
  for (const k of order) {
    const c = cost[k] ?? 0;
    if (here * 1.1 <= there) here += c;
    else {
      there += c;
      remote.add(k);
    }
  }
  return remote;
}

/** Typed arrays are read in the host's byte order; Parquet's is little-endian. */
const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

class FlatFileReader implements ParquetFileReader {
  readonly decoder = 'javascript';
  private wasm: Promise<DecodingFile> | undefined;
  private closed = false;
  private readonly byName: ReadonlyMap<string, FlatLeaf>;

  constructor(
    private readonly input: Uint8Array | ByteSource,
    readonly source: string,
    private readonly file: LiteFile,
    private readonly layout: FlatLayout,
    private readonly pool: DecoderPool | null,
  ) {
    this.byName = new Map(layout.leaves.map((l) => [l.name, l]));
  }

  get schema(): Schema {
    return this.layout.schema;
  }

  get numRowGroups(): number {
    return this.file.rowGroups.length;
  }

  async *batches(options: Omit<ParquetReadOptions, 'source'> = {}): AsyncIterable<RecordBatch> {
    const batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    const projected = projectSchema(this.schema, options.columns);
    const leaves = projected.fields.flatMap((f) => this.byName.get(f.name) ?? []);
    for (let rg = 0; rg < this.file.rowGroups.length; rg++) {
      const group = this.file.rowGroups[rg];
      if (group === undefined) continue;
      const chunks = leaves.map((leaf) =>
        group.chunks.find((c) => c.path.length === 1 && c.path[0] === leaf.name),
      );
      const readable = chunks.every(
        (c): c is LiteChunk => c !== undefined && this.readable(c, group.numRows),
      );
      if (!readable) {
        yield* this.viaWasm(rg, options.columns, batchSize);
        continue;
      }
      yield* this.decodeRowGroup(rg, group.numRows, leaves, chunks as LiteChunk[], projected, batchSize);
    }
  }

  /**
   * Row group `rg` in batches. A large one is split by columns between this thread and a pool
   * worker (balanced by decompressed size); the worker decodes its columns of the next batch while
   * this thread decodes its own and the caller consumes the batch before.
   */
  private async *decodeRowGroup(
    rg: number,
    numRows: number,
    leaves: readonly FlatLeaf[],
    chunks: readonly LiteChunk[],
    projected: Schema,
    batchSize: number,
  ): AsyncIterable<RecordBatch> {
    const { read, bytes } = await this.chunkBytes(rg, chunks);
    const total = chunks.reduce((sum, c) => sum + c.uncompressedSize, 0);
    const remoteSide =
      this.pool !== null && chunks.length > 1 && total >= MIN_PARALLEL_BYTES
        ? split(leaves, chunks)
        : new Set<number>();
    const local: Array<[number, ColumnCursor]> = [];
    const remoteColumns: Array<{ bytes: Uint8Array; codec: number; leaf: LeafSpec }> = [];
    const remoteIndex: number[] = [];
    chunks.forEach((c, k) => {
      const leaf = leaves[k];
      const chunkBytes = bytes[k];
      if (leaf === undefined || chunkBytes === undefined) return;
      if (remoteSide.has(k)) {
        const { field: _field, ...spec } = leaf;
        remoteColumns.push({ bytes: chunkBytes.slice(), codec: c.codec, leaf: spec });
        remoteIndex.push(k);
      } else local.push([k, new ColumnCursor(chunkBytes, c.codec, leaf)]);
    });
    const remote =
      remoteColumns.length > 0 && this.pool !== null
        ? this.pool.openFlat(remoteColumns, this.source)
        : undefined;
    type Remote = Awaited<ReturnType<NonNullable<typeof remote>['take']>>;
    let remoteElapsed: readonly number[] = [];
    const request = (rows: number): Promise<Remote> | undefined => {
      if (remote === undefined || rows <= 0) return undefined;
      const p = remote.take(rows);
      p.catch(() => undefined); // awaited below; a request never reached must not go unhandled
      return p;
    };
    try {
      let next = request(Math.min(batchSize, numRows));
      for (let done = 0; done < numRows;) {
        this.ensureOpen();
        const size = Math.min(batchSize, numRows - done);
        const columns: ColumnBuffers[] = new Array<ColumnBuffers>(chunks.length);
        for (const [k, cursor] of local) {
          try {
            columns[k] = cursor.take(size);
          } catch (err) {
            throw this.corrupt(rg, leaves[k]?.name, err);
          }
        }
        if (next !== undefined) {
          const got = await next;
          remoteElapsed = got.elapsed;
          got.columns.forEach((c, j) => {
            const k = remoteIndex[j];
            if (k !== undefined) columns[k] = c;
          });
        }
        done += size;
        next = request(Math.min(batchSize, numRows - done));
        yield toRecordBatch(projected, { numRows: size, columns });
      }
      for (const [k, cursor] of local) record(leaves[k], cursor.elapsed, numRows);
      remoteElapsed.forEach((ms, j) => record(leaves[remoteIndex[j] ?? -1], ms, numRows));
    } finally {
      remote?.close();
      // The cursors, done or abandoned, are dropped with this frame, and every batch holds copies:
      // nothing views the chunk bytes any more.
      if (read !== undefined && isByteSource(this.input)) this.input.release?.(read);
    }
  }

  /** Whether the JavaScript decoder reads this chunk (codec and every listed encoding known). */
  private readable(chunk: LiteChunk, rows: number): boolean {
    return (
      FLAT_CODECS.has(chunk.codec) &&
      chunk.numValues === rows &&
      chunk.encodings !== undefined &&
      chunk.encodings.every((e) => FLAT_ENCODINGS.has(e))
    );
  }

  /**
   * The bytes of each chunk, read from the input in a single range, and that range when it was read
   * from a {@link ByteSource} (to be released when the row group is done).
   */
  private async chunkBytes(
    rg: number,
    chunks: readonly LiteChunk[],
  ): Promise<{ read: Uint8Array | undefined; bytes: Uint8Array[] }> {
    if (chunks.length === 0) return { read: undefined, bytes: [] };
    const from = Math.min(...chunks.map((c) => c.start));
    const to = Math.max(...chunks.map((c) => c.start + c.compressedSize));
    const size = isByteSource(this.input) ? this.input.size : this.input.byteLength;
    if (from < 0 || to > size)
      throw this.corrupt(rg, undefined, new Error('column chunks lie outside the file'));
    const input = this.input;
    let read: Uint8Array | undefined;
    let whole: Uint8Array;
    if (isByteSource(input)) {
      read = await input.read(from, to - from);
      whole = read;
    } else whole = input.subarray(from, to);
    // A plain view, also of a Node Buffer, whose `slice` would not copy.
    const bytes = new Uint8Array(whole.buffer, whole.byteOffset, whole.byteLength);
    return {
      read,
      bytes: chunks.map((c) => bytes.subarray(c.start - from, c.start - from + c.compressedSize)),
    };
  }

  /** Row group `rg` through the WebAssembly decoder, in the slices it reads best. */
  private async *viaWasm(
    rg: number,
    columns: readonly string[] | undefined,
    batchSize: number,
  ): AsyncIterable<RecordBatch> {
    this.wasm ??= DecodingFile.open(this.input, this.source);
    const wasm = await this.wasm;
    const projected = projectSchema(wasm.schema, columns);
    for (const slice of planSlices(wasm.rowGroups, batchSize)) {
      if (slice.rowGroup !== rg) continue;
      this.ensureOpen();
      const decoded = await wasm.decode(rg, { columns, batchSize, range: slice.range });
      yield* materialize(decoded, projected);
    }
  }

  private ensureOpen(): void {
    if (this.closed)
      throw new DeltaError('CorruptData', `${this.source} was closed while reading`, {
        context: { file: this.source },
      });
  }

  private corrupt(rg: number, column: string | undefined, err: unknown): DeltaError<'CorruptData'> {
    if (err instanceof DeltaError && err.code === 'CorruptData') return err as DeltaError<'CorruptData'>;
    const where = column === undefined ? '' : `, column ${column}`;
    return new DeltaError(
      'CorruptData',
      `cannot decode row group ${rg}${where} of ${this.source}: ${describeError(err)}`,
      {
        cause: err,
        context: { file: this.source, rowGroup: rg, ...(column === undefined ? {} : { field: column }) },
      },
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.wasm?.then(
      (f) => f.close(),
      () => undefined,
    );
  }
}
