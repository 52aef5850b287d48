import type { Add, CommitInfo, DomainMetadata, Metadata, Protocol, Txn } from '../protocol/actions.js';
import { columnMappingMode, type ColumnMappingMode } from '../protocol/features.js';
import { physicalName } from '../scan/column-mapping.js';
import type { DataType, StructField, StructType } from '../protocol/schema.js';
import type { LogState } from '../log/index.js';

/**
 * One consistent version of a table: protocol, metadata, schema and the set of active files.
 *
 * A snapshot is immutable; reading it again always gives the same answer, which is what makes
 * time travel and exactly-once replays reasoned about per version.
 */
export class Snapshot {
  /** The replayed log state this snapshot wraps. */
  readonly state: LogState;
  /** The table's column mapping mode at this version. */
  readonly columnMappingMode: ColumnMappingMode;

  /** Zone of zone-less `timestamp` partition values; see {@link SnapshotOptions}. */
  readonly partitionTimeZone: string | undefined;

  constructor(state: LogState, options: SnapshotOptions = {}) {
    this.state = state;
    this.columnMappingMode = columnMappingMode(state.metadata);
    this.partitionTimeZone = options.partitionTimeZone;
  }

  /** The table version. */
  get version(): number {
    return this.state.version;
  }

  /** Commit time of this version in ms since the epoch (in-commit timestamp when enabled). */
  get timestamp(): number {
    return this.state.timestamp;
  }

  /** The protocol action in force. */
  get protocol(): Protocol {
    return this.state.protocol;
  }

  /** The metadata action in force. */
  get metadata(): Metadata {
    return this.state.metadata;
  }

  /** The logical schema. */
  get schema(): StructType {
    return this.state.schema;
  }

  /** Partition columns, by logical name, in partition order. */
  get partitionColumns(): readonly string[] {
    return this.state.metadata.partitionColumns;
  }

  /** Table properties (`metaData.configuration`). */
  get properties(): Readonly<Record<string, string>> {
    return this.state.metadata.configuration;
  }

  /** Active data files after reconciliation. */
  get files(): readonly Add[] {
    return this.state.files;
  }

  /** Latest committed version per application id (the exactly-once watermark of streaming writers). */
  get txns(): ReadonlyMap<string, Txn> {
    return this.state.txns;
  }

  /** Active domain metadata by domain. */
  get domainMetadata(): ReadonlyMap<string, DomainMetadata> {
    return this.state.domainMetadata;
  }

  /** The commitInfo of this version, when the writer recorded one. */
  get commitInfo(): CommitInfo | undefined {
    return this.state.commitInfo;
  }

  /** The summary `delta-ts describe` prints. */
  describe(): TableDescription {
    let sizeBytes = 0;
    let numRecords: number | undefined = 0;
    for (const file of this.files) {
      sizeBytes += file.size;
      const records = numRecordsOf(file);
      numRecords = records === undefined || numRecords === undefined ? undefined : numRecords + records;
    }
    const features = [
      ...new Set([...(this.protocol.readerFeatures ?? []), ...(this.protocol.writerFeatures ?? [])]),
    ].sort();
    return {
      version: this.version,
      timestamp: new Date(this.timestamp).toISOString(),
      id: this.metadata.id,
      name: this.metadata.name ?? null,
      description: this.metadata.description ?? null,
      minReaderVersion: this.protocol.minReaderVersion,
      minWriterVersion: this.protocol.minWriterVersion,
      readerFeatures: [...(this.protocol.readerFeatures ?? [])],
      writerFeatures: [...(this.protocol.writerFeatures ?? [])],
      features,
      columnMappingMode: this.columnMappingMode,
      partitionColumns: [...this.partitionColumns],
      properties: { ...this.properties },
      schema: this.schema,
      numFiles: this.files.length,
      sizeBytes,
      numRecords: numRecords ?? null,
    };
  }
}

/** How a {@link Snapshot} interprets what the log leaves open. */
export interface SnapshotOptions {
  /**
   * IANA zone of `timestamp` partition values written without a zone. PROTOCOL.md puts them in
   * the writer's zone, which the log does not record (Spark uses its session zone). Default UTC.
   */
  readonly partitionTimeZone?: string;
}

/** What `describe` reports; plain JSON. */
export interface TableDescription {
  version: number;
  timestamp: string;
  id: string;
  name: string | null;
  description: string | null;
  minReaderVersion: number;
  minWriterVersion: number;
  readerFeatures: string[];
  writerFeatures: string[];
  features: string[];
  columnMappingMode: ColumnMappingMode;
  partitionColumns: string[];
  properties: Record<string, string>;
  schema: StructType;
  numFiles: number;
  sizeBytes: number;
  /** Sum of `numRecords` over files, or null when a file has no statistics. */
  numRecords: number | null;
}

function numRecordsOf(file: Add): number | undefined {
  if (typeof file.stats !== 'string') return undefined;
  try {
    const stats = JSON.parse(file.stats) as { numRecords?: unknown };
    return typeof stats.numRecords === 'number' ? stats.numRecords : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Translates a logical column path (`["a", "b"]`) into its physical path, following struct
 * fields; statistics are keyed by physical names when column mapping is on.
 */
export function physicalPath(
  schema: StructType,
  path: readonly string[],
  mode: ColumnMappingMode,
): string[] | undefined {
  const out: string[] = [];
  let current: DataType = schema;
  for (const name of path) {
    if (current.type !== 'struct') return undefined;
    const field: StructField | undefined = current.fields.find((f) => f.name === name);
    if (!field) return undefined;
    out.push(physicalName(field, mode));
    current = field.type;
  }
  return out;
}
