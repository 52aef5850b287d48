import type { RecordBatch } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import { evaluatePredicate, filterBatch } from '../expr/evaluate.js';
import { parsePredicate } from '../expr/parse.js';
import { referencedColumns } from '../expr/columns.js';
import { mayMatchFile, parseFileStats } from '../expr/skipping.js';
import { toCanonicalRows } from '../format/canonical.js';
import type { Add, DeletionVectorDescriptor } from '../protocol/actions.js';
import type { DeletionVector } from '../protocol/dv/dv.js';
import { parsePartitionValue } from '../protocol/partition.js';
import { findField, type StructType } from '../protocol/schema.js';
import { type DataFileReader, type FileReadPlan, openDataFile } from '../scan/file-reader.js';
import type { Storage } from '../storage/storage.js';
import { BufferRecycler, type ByteSource } from '../parquet/source.js';
import { resolveDataLocation } from '../protocol/paths.js';
import { physicalPath, type Snapshot } from './snapshot.js';

/** Options of a table scan. */
export interface ScanOptions {
  /** Read this version (default: latest). */
  readonly version?: number;
  /** Read the version current at this time (ms since epoch, Date, or ISO-8601 string). */
  readonly timestamp?: number | Date | string;
  /** Logical top-level columns to return, in this order (default: all, in schema order). */
  readonly columns?: readonly string[];
  /** Row filter: a predicate string (`"a > 1 AND b IS NULL"`) or a parsed expression. */
  readonly where?: string | Expr;
  /** Stop after this many rows. */
  readonly limit?: number;
  /** How many data files to fetch and start decoding ahead of the current one (default 2). */
  readonly prefetch?: number;
  /**
   * Most bytes of data files (by their `add.size`) held ahead of the current one (default
   * {@link DEFAULT_PREFETCH_BYTES}); the next file is always fetched ahead whatever its size. Files
   * of a local table are read range by range instead, so only their footers are read ahead.
   */
  readonly prefetchBytes?: number;
  /**
   * Also decode on worker threads (default `false`): large row groups of flat files (every column
   * a primitive) are split by columns between this thread and a worker running the JavaScript
   * decoder; other files decode on workers running the WebAssembly decoder. Off by default: on the
   * 2-core benchmark machine a 10M-row scan was slower with them (JavaScript decoder: 1.3 s vs
   * 1.15 s cold, +75 MiB peak RSS; two single-threaded scans at once each ran 1.4x slower, so the
   * cores do not scale this work), see bench/RESULTS.md. Small files always decode in-thread.
   */
  readonly workers?: boolean;
}

/**
 * Default read-ahead budget in bytes. Fetched files stay in memory until read; with ~25 MB files,
 * two ahead cost ~50 MB of peak memory and measured no faster than one, since one decoding thread
 * consumes far slower than a local (or S3) fetch delivers.
 */
export const DEFAULT_PREFETCH_BYTES = 16 << 20;

/** A data file selected by a scan, with typed partition values and parsed statistics. */
export interface ScanFile {
  /** The `add` action as it stands in the log. */
  readonly add: Add;
  /** Partition values parsed to their Delta types. */
  readonly partitionValues: Readonly<Record<string, unknown>>;
  /** Rows in the file before deletion vectors, when statistics say. */
  readonly numRecords: number | undefined;
}

/** Where a scan reads from; implemented by `DeltaTable`. */
export interface ScanSource {
  readonly storage: Storage;
  readonly allowOutsideRoot: boolean;
  snapshotFor(options: { version?: number; timestamp?: number | Date | string }): Promise<Snapshot>;
  /** Reads the file an `add`/`remove`/`cdc` path names (resolved against the table root). */
  fetchFile(path: string): Promise<Uint8Array>;
  /** Loads a deletion vector, or `undefined` when the descriptor is absent. */
  loadDv(descriptor: DeletionVectorDescriptor | null | undefined): Promise<DeletionVector | undefined>;
}

/**
 * A lazily evaluated read of one table version: nothing is listed or decoded until `files()`,
 * `batches()` or `rows()` is iterated, and batches stream so a scan never holds the whole table.
 */
export class Scan {
  private snapshotPromise: Promise<Snapshot> | undefined;

  constructor(
    private readonly source: ScanSource,
    private readonly options: ScanOptions = {},
  ) {}

  /** The snapshot this scan reads. */
  snapshot(): Promise<Snapshot> {
    this.snapshotPromise ??= this.source.snapshotFor(this.options);
    return this.snapshotPromise;
  }

  /** The logical output schema (projection applied). */
  async schema(): Promise<StructType> {
    const snap = await this.snapshot();
    return projectSchema(snap.schema, this.outputColumns(snap));
  }

  /** Files that may hold matching rows, after partition pruning and statistics-based skipping. */
  async files(): Promise<ScanFile[]> {
    const snap = await this.snapshot();
    const predicate = this.predicate(snap);
    const out: ScanFile[] = [];
    for (const add of snap.files) {
      const partitionValues = typedPartitionValues(snap, add);
      const stats = parseFileStats(add.stats, snap.schema, (path) =>
        physicalPath(snap.schema, path, snap.columnMappingMode),
      );
      if (predicate && !mayMatchFile(predicate, { partitionValues, stats }, snap.schema)) continue;
      out.push({ add, partitionValues, numRecords: stats?.numRecords });
    }
    return out;
  }

  /** Streams the matching rows as Arrow record batches with the logical schema. */
  async *batches(): AsyncIterable<RecordBatch> {
    const snap = await this.snapshot();
    const predicate = this.predicate(snap);
    const output = this.outputColumns(snap);
    const needed = predicate ? unionColumns(output, referencedColumns(predicate)) : output;
    const plan = {
      schema: snap.schema,
      partitionColumns: snap.partitionColumns,
      columnMappingMode: snap.columnMappingMode,
      columns: needed,
      partitionTimeZone: snap.partitionTimeZone,
    };
    let remaining = this.options.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    const files = await this.files();
    const prefetch = Math.max(0, this.options.prefetch ?? 2);
    const budget = this.options.prefetchBytes ?? DEFAULT_PREFETCH_BYTES;
    // Files fetched (or being fetched) and not yet being read, with their sizes.
    const pending: Array<{ opening: Promise<DataFileReader>; size: number }> = [];
    let ahead = 0;
    let next = 0;
    // Column chunks of the files, read one row group after another, reuse a couple of buffers.
    const buffers = new BufferRecycler();
    const fill = (first: boolean): void => {
      // Called with the file being read already taken off `pending` (or, `first`, before any is):
      // what is left is read ahead within both limits, except that one file ahead is allowed
      // whatever its size, so that decoding never waits on a fetch.
      while (next < files.length && (pending.length < prefetch || (first && pending.length === 0))) {
        const file = files[next];
        if (!file) break;
        const size = Math.max(0, file.add.size);
        if (pending.length > 0 && ahead + size > budget) break;
        next++;
        const opening = this.open(file, plan, buffers);
        // A prefetched file may fail before the consumer reaches it; the error surfaces when it is
        // awaited in order, so mark it handled now instead of crashing the process.
        opening.catch(() => undefined);
        pending.push({ opening, size });
        ahead += size;
      }
    };
    try {
      fill(true);
      while (pending.length > 0) {
        const head = pending.shift();
        if (!head) break;
        ahead -= head.size;
        fill(false);
        const reader = await head.opening;
        try {
          for await (let batch of reader.batches()) {
            if (predicate) batch = filterBatch(batch, evaluatePredicate(predicate, batch));
            if (needed !== output) batch = batch.select(output);
            if (batch.numRows === 0) continue;
            if (batch.numRows > remaining) batch = batch.slice(0, remaining);
            remaining -= batch.numRows;
            yield batch;
            if (remaining <= 0) return;
          }
        } finally {
          reader.close();
        }
      }
    } finally {
      // Early stop (limit, break, error): files opened ahead release their decoder state.
      for (const { opening } of pending.splice(0))
        opening.then(
          (r) => r.close(),
          () => undefined,
        );
    }
  }

  /** Streams matching rows in the canonical JSON form (see ARCHITECTURE.md). */
  async *rows(): AsyncIterable<Record<string, unknown>> {
    const schema = await this.schema();
    for await (const batch of this.batches()) yield* toCanonicalRows(batch, schema);
  }

  /** Fetches a file and its deletion vector, then opens it so decoding starts ahead of use. */
  private async open(file: ScanFile, plan: FileReadPlan, buffers: BufferRecycler): Promise<DataFileReader> {
    const [bytes, deleted] = await Promise.all([
      this.fileInput(file.add.path, buffers),
      this.source.loadDv(file.add.deletionVector),
    ]);
    const ref = { path: file.add.path, partitionValues: file.add.partitionValues, deletedRows: deleted };
    // The bytes are ours alone: let them move to a decoder worker rather than be copied.
    return openDataFile(bytes, ref, plan, { workers: this.options.workers === true, transfer: true });
  }

  /**
   * A data file of a local table is read range by range as the decoder asks (footer, then the
   * column chunks of each slice): no whole-file buffer is held or copied, which measured ~15%
   * faster and ~50 MB leaner on a 10-file scan. Elsewhere (object stores, where one GET beats many
   * ranged ones, and files outside the table) the whole file is fetched.
   */
  private async fileInput(path: string, buffers: BufferRecycler): Promise<Uint8Array | ByteSource> {
    const storage = this.source.storage;
    if (storage.url.startsWith('file:')) {
      const location = resolveDataLocation(path, {
        tableUrl: storage.url,
        allowOutsideRoot: this.source.allowOutsideRoot,
      });
      if (location.kind === 'key') {
        const meta = await storage.head(location.key);
        // A missing file is left to fetchFile, which reports it as the table facade does.
        if (meta !== undefined) return rangedSource(storage, location.key, meta.size, buffers);
      }
    }
    return this.source.fetchFile(path);
  }

  private predicate(snap: Snapshot): Expr | undefined {
    const where = this.options.where;
    if (where === undefined) return undefined;
    return typeof where === 'string' ? parsePredicate(where, snap.schema) : where;
  }

  private outputColumns(snap: Snapshot): string[] {
    const requested = this.options.columns;
    if (!requested) return snap.schema.fields.map((f) => f.name);
    return requested.map((name) => {
      const field = findField(snap.schema, name);
      if (!field) {
        throw new DeltaError('InvalidArgument', `column ${JSON.stringify(name)} is not in the table schema`, {
          help: `available columns: ${snap.schema.fields.map((f) => f.name).join(', ')}`,
          context: { column: name },
        });
      }
      return field.name;
    });
  }
}

/** Parses an `add`'s partition values into their Delta types. */
export function typedPartitionValues(snap: Snapshot, add: Add): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const column of snap.partitionColumns) {
    const field = findField(snap.schema, column);
    if (!field)
      throw new DeltaError(
        'InvalidLog',
        `partition column ${column} is not in the schema of version ${snap.version}`,
      );
    const raw = lookupPartitionValue(add.partitionValues, column, snap);
    out[field.name] = parsePartitionValue(raw, field.type, field.name, { timeZone: snap.partitionTimeZone });
  }
  return out;
}

function lookupPartitionValue(
  values: Readonly<Record<string, string | null>>,
  column: string,
  snap: Snapshot,
): string | null {
  const physical = physicalPath(snap.schema, [column], snap.columnMappingMode)?.[0] ?? column;
  const raw = values[physical] ?? values[column];
  return raw === undefined ? null : raw;
}

function projectSchema(schema: StructType, columns: readonly string[]): StructType {
  return {
    type: 'struct',
    fields: columns.map((name) => {
      const field = findField(schema, name);
      if (!field)
        throw new DeltaError('InvalidArgument', `column ${JSON.stringify(name)} is not in the table schema`);
      return field;
    }),
  };
}

function rangedSource(storage: Storage, key: string, size: number, buffers: BufferRecycler): ByteSource {
  return {
    size,
    read: (offset, length) => {
      const into = buffers.lend(length);
      return storage.getRange(key, into === undefined ? { offset, length } : { offset, length, into });
    },
    release: (bytes) => buffers.give(bytes),
  };
}

function unionColumns(a: readonly string[], b: readonly string[]): string[] {
  return [...new Set([...a, ...b])];
}
