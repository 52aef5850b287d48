/**
 * The actions of the Delta transaction log, as PROTOCOL.md defines them ("Actions" section).
 *
 * These are plain data: the JSON shapes of a commit line, with optional fields typed as optional so
 * that a log written by an older or newer writer parses without loss. Field names are the protocol's.
 */

/** `format` of a `metaData` action. */
export interface Format {
  readonly provider: string;
  readonly options?: Readonly<Record<string, string>>;
}

/** `metaData`: the table's schema, partitioning and configuration. */
export interface Metadata {
  readonly id: string;
  readonly name?: string | null;
  readonly description?: string | null;
  readonly format: Format;
  /** The schema as a JSON string in Delta's schema serialisation format. */
  readonly schemaString: string;
  readonly partitionColumns: readonly string[];
  readonly createdTime?: number | null;
  readonly configuration: Readonly<Record<string, string>>;
}

/** `protocol`: the reader and writer versions and feature sets required. */
export interface Protocol {
  readonly minReaderVersion: number;
  readonly minWriterVersion: number;
  readonly readerFeatures?: readonly string[];
  readonly writerFeatures?: readonly string[];
}

/** Descriptor of a deletion vector, embedded in `add` and `remove`. */
export interface DeletionVectorDescriptor {
  /** `u` = relative path (UUID), `i` = inline, `p` = absolute path. */
  readonly storageType: 'u' | 'i' | 'p' | string;
  readonly pathOrInlineDv: string;
  readonly offset?: number | null;
  readonly sizeInBytes: number;
  readonly cardinality: number;
}

/** `add`: a data file becomes part of the table. */
export interface Add {
  /** A URI (RFC 2396) relative to the table root, or absolute. Percent-encoded. */
  readonly path: string;
  /** Partition column → serialised value; `null` is the null value. */
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly size: number;
  readonly modificationTime: number;
  readonly dataChange: boolean;
  /** JSON-encoded statistics (numRecords, minValues, maxValues, nullCount, tightBounds). */
  readonly stats?: string | null;
  /** Checkpoint-only: statistics as a struct when `delta.checkpoint.writeStatsAsStruct` is set. */
  readonly stats_parsed?: unknown;
  readonly tags?: Readonly<Record<string, string>> | null;
  readonly deletionVector?: DeletionVectorDescriptor | null;
  readonly baseRowId?: number | null;
  readonly defaultRowCommitVersion?: number | null;
  readonly clusteringProvider?: string | null;
}

/** `remove`: a data file leaves the table (tombstone). */
export interface Remove {
  readonly path: string;
  readonly deletionTimestamp?: number | null;
  readonly dataChange: boolean;
  readonly extendedFileMetadata?: boolean | null;
  readonly partitionValues?: Readonly<Record<string, string | null>> | null;
  readonly size?: number | null;
  readonly stats?: string | null;
  readonly tags?: Readonly<Record<string, string>> | null;
  readonly deletionVector?: DeletionVectorDescriptor | null;
  readonly baseRowId?: number | null;
  readonly defaultRowCommitVersion?: number | null;
}

/** `cdc`: a change-data file written by a commit (read only by change data feed queries). */
export interface AddCDCFile {
  readonly path: string;
  readonly partitionValues: Readonly<Record<string, string | null>>;
  readonly size: number;
  readonly dataChange: boolean;
  readonly tags?: Readonly<Record<string, string>> | null;
}

/** `txn`: the latest version an application (appId) has committed; the basis of exactly-once. */
export interface Txn {
  readonly appId: string;
  readonly version: number;
  readonly lastUpdated?: number | null;
}

/** `commitInfo`: free-form provenance; `inCommitTimestamp` is protocol-relevant when enabled. */
export type CommitInfo = Readonly<Record<string, unknown>> & {
  readonly timestamp?: number;
  readonly inCommitTimestamp?: number;
  readonly operation?: string;
  readonly operationParameters?: Readonly<Record<string, unknown>>;
  readonly txnId?: string;
};

/** `domainMetadata`: configuration owned by a named domain; `removed` deletes it. */
export interface DomainMetadata {
  readonly domain: string;
  readonly configuration: string;
  readonly removed: boolean;
}

/** `checkpointMetadata`: present in V2 checkpoints. */
export interface CheckpointMetadata {
  readonly version: number;
  readonly tags?: Readonly<Record<string, string>> | null;
}

/** `sidecar`: a V2 checkpoint's pointer to a file holding part of its add/remove actions. */
export interface Sidecar {
  /** Relative to `_delta_log/_sidecars/`, or absolute. */
  readonly path: string;
  readonly sizeInBytes: number;
  readonly modificationTime: number;
  readonly tags?: Readonly<Record<string, string>> | null;
}

/** One action: exactly one of the keys is set, as in a commit line. */
export interface Action {
  readonly add?: Add;
  readonly remove?: Remove;
  readonly metaData?: Metadata;
  readonly protocol?: Protocol;
  readonly txn?: Txn;
  readonly commitInfo?: CommitInfo;
  readonly cdc?: AddCDCFile;
  readonly domainMetadata?: DomainMetadata;
  readonly checkpointMetadata?: CheckpointMetadata;
  readonly sidecar?: Sidecar;
}
