/**
 * Protocol gating: deciding whether this build may read a table at all.
 *
 * PROTOCOL.md "Table Features" requires a reader to implement and respect every feature listed in
 * `readerFeatures`; reading a table whose features we do not understand would return wrong rows
 * (deleted rows resurrected, columns misnamed) without any error. So the log refuses such a table up
 * front, naming every missing feature at once, so that the user learns the whole gap from one error.
 */
import { DeltaError } from '../errors.js';
import type { Metadata, Protocol } from './actions.js';

/**
 * Reader features this build implements end to end (log replay and the data path).
 *
 * Exported so the data path can narrow it (a feature may be understood by the log but not yet by the
 * scanner) and so tests and the CLI can print what is supported. `variantType`,
 * `variantType-preview` and `collations` are deliberately absent: their data cannot be decoded yet.
 */
export const SUPPORTED_READER_FEATURES: ReadonlySet<string> = new Set([
  'columnMapping',
  'deletionVectors',
  'timestampNtz',
  'v2Checkpoint',
  'typeWidening',
  'typeWidening-preview',
  'vacuumProtocolCheck',
  'domainMetadata',
  'rowTracking',
  'inCommitTimestamp',
  'changeDataFeed',
  'appendOnly',
  'invariants',
  'checkConstraints',
  'generatedColumns',
  'identityColumns',
  'icebergCompatV1',
  'icebergCompatV2',
  'clustering',
]);

/** The highest reader version whose rules this build implements (3 = table features). */
export const MAX_READER_VERSION = 3;

/** Column mapping modes of PROTOCOL.md "Column Mapping". */
export type ColumnMappingMode = 'none' | 'name' | 'id';

/**
 * Throws unless this build can read a table with `protocol` (and `metadata`, when given).
 *
 * Reader version 1 needs nothing; 2 means column mapping; 3 means "read `readerFeatures`", each of
 * which must be in `supported`. When `metadata` is given, the column-mapping mode is validated too,
 * because an unknown mode would make every column resolve to null.
 *
 * @param supported the feature set to check against; the data path passes a narrower set.
 * @throws DeltaError `InvalidLog` when the protocol is malformed (version < 1 or not an integer,
 *   reader version 3 without a `readerFeatures` list); `UnsupportedFeature` when the reader version
 *   is newer than {@link MAX_READER_VERSION} or some reader features are not supported (all listed).
 */
export function checkReadSupported(
  protocol: Protocol,
  metadata?: Metadata,
  supported: ReadonlySet<string> = SUPPORTED_READER_FEATURES,
): void {
  const version = protocol.minReaderVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new DeltaError(
      'InvalidLog',
      `protocol.minReaderVersion must be an integer >= 1, got ${String(version)}`,
      {
        context: { field: 'protocol.minReaderVersion' },
      },
    );
  }
  if (version > MAX_READER_VERSION) {
    throw new DeltaError(
      'UnsupportedFeature',
      `the table requires reader version ${version}; this build reads up to version ${MAX_READER_VERSION}`,
      {
        help: 'upgrade delta-ts, or read the table with a client that supports this reader version',
        context: { minReaderVersion: version },
      },
    );
  }
  if (version === 3) {
    const features = protocol.readerFeatures;
    if (!Array.isArray(features) || features.some((f) => typeof f !== 'string')) {
      throw new DeltaError(
        'InvalidLog',
        'protocol.readerFeatures must be a list of strings when minReaderVersion is 3',
        { context: { field: 'protocol.readerFeatures' } },
      );
    }
    const missing = [...new Set(features)].filter((f) => !supported.has(f));
    if (missing.length > 0) {
      throw new DeltaError(
        'UnsupportedFeature',
        `the table requires reader feature${missing.length > 1 ? 's' : ''} not supported by this build: ${missing.join(', ')}`,
        {
          help: `supported reader features: ${[...supported].sort().join(', ')}`,
          context: { features: missing.join(',') },
        },
      );
    }
  }
  if (metadata !== undefined) columnMappingMode(metadata, protocol);
}

/** Whether `protocol` lets readers honour `delta.columnMapping.mode` (reader 2, or 3 + feature). */
export function supportsColumnMapping(protocol: Protocol): boolean {
  if (protocol.minReaderVersion === 2) return true;
  return protocol.minReaderVersion === 3 && (protocol.readerFeatures ?? []).includes('columnMapping');
}

/**
 * The column-mapping mode of the table: `delta.columnMapping.mode`, `none` when absent.
 *
 * PROTOCOL.md says the property is honoured only when the protocol supports column mapping; pass
 * `protocol` to apply that rule (a stray property on a reader-version-1 table then means `none`).
 *
 * @throws DeltaError `InvalidLog` naming the value when the mode is not `none`, `name` or `id`.
 */
export function columnMappingMode(metadata: Metadata, protocol?: Protocol): ColumnMappingMode {
  if (protocol !== undefined && !supportsColumnMapping(protocol)) return 'none';
  const raw: unknown = metadata.configuration['delta.columnMapping.mode'];
  if (raw === undefined || raw === null) return 'none';
  const mode = typeof raw === 'string' ? raw.toLowerCase() : raw;
  if (mode === 'none' || mode === 'name' || mode === 'id') return mode;
  throw new DeltaError(
    'InvalidLog',
    `table property delta.columnMapping.mode has unknown value ${JSON.stringify(raw)} (expected none, name or id)`,
    { context: { field: 'metaData.configuration.delta.columnMapping.mode' } },
  );
}
