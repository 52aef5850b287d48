import { DeltaError } from '../errors.js';
import type { Metadata, Protocol } from '../protocol/actions.js';
import { checkReadSupported } from '../protocol/features.js';
import { type DataType, parseSchema, type StructType } from '../protocol/schema.js';

/**
 * Protocol versions for writers: the lowest protocol a table's configuration and schema need
 * (PROTOCOL.md "Table Features", "Writer Version Requirements", "Valid Feature Names"), and the gate
 * that refuses to write tables whose writer features this build does not implement.
 */

/**
 * Writer features this build implements when writing. `generatedColumns` and `identityColumns`
 * are absent: their values are not computed or checked, so a table that uses them is refused
 * (a table that merely lists them without any such column is writable, see
 * {@link checkWriteSupported}). `allowColumnDefaults`, `clustering`, `icebergCompat*`,
 * `catalogManaged` and the variant features are absent for the same reason.
 */
export const SUPPORTED_WRITER_FEATURES: ReadonlySet<string> = new Set([
  'appendOnly',
  'invariants',
  'checkConstraints',
  'changeDataFeed',
  'columnMapping',
  'deletionVectors',
  'domainMetadata',
  'timestampNtz',
  'typeWidening',
  'v2Checkpoint',
  'inCommitTimestamp',
  'vacuumProtocolCheck',
  'rowTracking',
]);

/** The highest writer version whose rules this build implements. */
export const MAX_WRITER_VERSION = 7;

/** Features readers must know too (PROTOCOL.md "Valid Feature Names": "Readers and writers"). */
const READER_WRITER_FEATURES = new Set([
  'columnMapping',
  'deletionVectors',
  'timestampNtz',
  'v2Checkpoint',
  'vacuumProtocolCheck',
  'typeWidening',
  'catalogManaged',
  'variantType',
  'variantShredding',
]);

/** Legacy features and the writer version that introduced them (reader version 2 for columnMapping). */
const LEGACY_WRITER_VERSION: Readonly<Record<string, number>> = {
  appendOnly: 2,
  invariants: 2,
  checkConstraints: 3,
  changeDataFeed: 4,
  generatedColumns: 4,
  columnMapping: 5,
  identityColumns: 6,
};

/** Options of {@link minimalProtocol}. */
export interface MinimalProtocolOptions {
  /** Features to support even though nothing in the configuration or schema uses them yet. */
  readonly explicitFeatures?: readonly string[];
}

function anyField(type: DataType, test: (metadata: Readonly<Record<string, unknown>>) => boolean): boolean {
  switch (type.type) {
    case 'struct':
      return type.fields.some((f) => test(f.metadata) || anyField(f.type, test));
    case 'array':
      return anyField(type.elementType, test);
    case 'map':
      return anyField(type.keyType, test) || anyField(type.valueType, test);
    default:
      return false;
  }
}

function anyType(type: DataType, name: string): boolean {
  switch (type.type) {
    case 'struct':
      return type.fields.some((f) => anyType(f.type, name));
    case 'array':
      return anyType(type.elementType, name);
    case 'map':
      return anyType(type.keyType, name) || anyType(type.valueType, name);
    default:
      return type.type === name;
  }
}

/**
 * Whether a struct field at any struct nesting level is declared non-nullable. Delta enforces a
 * non-nullable column as a NOT NULL column invariant, so Spark requires the `invariants` writer
 * feature for such a schema and refuses a table-features protocol that does not list it.
 */
function anyNotNull(type: DataType): boolean {
  return type.type === 'struct' && type.fields.some((f) => !f.nullable || anyNotNull(f.type));
}

const isTrue = (v: string | undefined): boolean => v?.trim().toLowerCase() === 'true';

/**
 * The features a table with `configuration` and `schema` uses: from table properties
 * (`delta.appendOnly`, `delta.constraints.*`, `delta.enableChangeDataFeed`,
 * `delta.columnMapping.mode`, `delta.enableDeletionVectors`, `delta.enableTypeWidening`,
 * `delta.checkpointPolicy=v2`, `delta.enableInCommitTimestamps`, `delta.enableRowTracking`,
 * `delta.feature.<name>=supported|enabled`) and from the schema (`delta.invariants`,
 * `delta.generationExpression`, `delta.identity.*`, `delta.typeChanges` metadata, any
 * `timestamp_ntz`, any non-nullable struct field, which is a NOT NULL invariant). Row tracking brings `domainMetadata`, which it needs.
 */
export function featuresInUse(
  configuration: Readonly<Record<string, string>>,
  schema: StructType,
): Set<string> {
  const out = new Set<string>();
  const c = configuration;
  if (isTrue(c['delta.appendOnly'])) out.add('appendOnly');
  if (anyField(schema, (m) => m['delta.invariants'] !== undefined) || anyNotNull(schema))
    out.add('invariants');
  if (Object.keys(c).some((k) => k.startsWith('delta.constraints.'))) out.add('checkConstraints');
  if (isTrue(c['delta.enableChangeDataFeed'])) out.add('changeDataFeed');
  if (anyField(schema, (m) => m['delta.generationExpression'] !== undefined)) out.add('generatedColumns');
  const mode = c['delta.columnMapping.mode']?.trim().toLowerCase();
  if (mode === 'name' || mode === 'id') out.add('columnMapping');
  if (anyField(schema, (m) => Object.keys(m).some((k) => k.startsWith('delta.identity.'))))
    out.add('identityColumns');
  if (isTrue(c['delta.enableDeletionVectors'])) out.add('deletionVectors');
  if (anyType(schema, 'timestamp_ntz')) out.add('timestampNtz');
  if (isTrue(c['delta.enableTypeWidening']) || anyField(schema, (m) => m['delta.typeChanges'] !== undefined))
    out.add('typeWidening');
  if (c['delta.checkpointPolicy']?.trim().toLowerCase() === 'v2') out.add('v2Checkpoint');
  if (isTrue(c['delta.enableInCommitTimestamps'])) out.add('inCommitTimestamp');
  if (isTrue(c['delta.enableRowTracking'])) out.add('rowTracking');
  for (const [key, value] of Object.entries(c)) {
    const m = /^delta\.feature\.(.+)$/.exec(key);
    const v = value.trim().toLowerCase();
    if (m?.[1] !== undefined && (v === 'supported' || v === 'enabled')) out.add(m[1]);
  }
  if (out.has('rowTracking')) out.add('domainMetadata');
  return out;
}

/**
 * The lowest protocol for a table with `configuration` and `schema` (see {@link featuresInUse}),
 * plus `explicitFeatures`. When every feature is a legacy one, legacy versions: reader 1 (2 with
 * column mapping), writer the highest version among the features' and at least 2 — the (1, 2) that
 * Delta's reference implementations give a plain table, which also lets older clients write it.
 * Otherwise table features: writer 7 listing every feature, reader 3 listing the reader features
 * when there are any besides column mapping, reader 2 when column mapping is the only one (the
 * form PROTOCOL.md shows), reader 1 when there are none.
 */
export function minimalProtocol(
  configuration: Readonly<Record<string, string>>,
  schema: StructType,
  options: MinimalProtocolOptions = {},
): Protocol {
  const features = featuresInUse(configuration, schema);
  for (const f of options.explicitFeatures ?? []) features.add(f);
  if ([...features].every((f) => LEGACY_WRITER_VERSION[f] !== undefined)) {
    const writer = Math.max(2, ...[...features].map((f) => LEGACY_WRITER_VERSION[f] ?? 2));
    return { minReaderVersion: features.has('columnMapping') ? 2 : 1, minWriterVersion: writer };
  }
  const writerFeatures = [...features].sort();
  const readerFeatures = writerFeatures.filter((f) => READER_WRITER_FEATURES.has(f));
  if (readerFeatures.length === 0) return { minReaderVersion: 1, minWriterVersion: 7, writerFeatures };
  if (readerFeatures.length === 1 && readerFeatures[0] === 'columnMapping')
    return { minReaderVersion: 2, minWriterVersion: 7, writerFeatures };
  return { minReaderVersion: 3, minWriterVersion: 7, readerFeatures, writerFeatures };
}

/** Writer features a legacy writer version implies (PROTOCOL.md "Writer Version Requirements"). */
function impliedFeatures(writerVersion: number): string[] {
  return Object.entries(LEGACY_WRITER_VERSION)
    .filter(([, v]) => v <= writerVersion)
    .map(([f]) => f);
}

/**
 * Throws unless this build may write a table with `protocol` and `metadata`: it must be readable
 * (`checkReadSupported`), its writer version at most {@link MAX_WRITER_VERSION}, and every writer
 * feature (listed, or implied by a legacy writer version) in {@link SUPPORTED_WRITER_FEATURES} —
 * except `generatedColumns` and `identityColumns` while no column uses them, since respecting a
 * feature nothing uses needs no work.
 *
 * @throws DeltaError `UnsupportedFeature` listing every feature that blocks the write;
 *   `InvalidLog` for a malformed protocol.
 */
export function checkWriteSupported(protocol: Protocol, metadata: Metadata): void {
  checkReadSupported(protocol, metadata);
  const version = protocol.minWriterVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    throw new DeltaError(
      'InvalidLog',
      `protocol.minWriterVersion must be an integer >= 1, got ${String(version)}`,
      {
        context: { field: 'protocol.minWriterVersion' },
      },
    );
  if (version > MAX_WRITER_VERSION)
    throw new DeltaError(
      'UnsupportedFeature',
      `the table requires writer version ${version}; this build writes up to version ${MAX_WRITER_VERSION}`,
      {
        context: { minWriterVersion: version },
        help: 'upgrade delta-ts, or write with a client that supports it',
      },
    );
  let listed: readonly string[];
  if (version === 7) {
    if (!Array.isArray(protocol.writerFeatures))
      throw new DeltaError(
        'InvalidLog',
        'protocol.writerFeatures must be a list when minWriterVersion is 7',
        {
          context: { field: 'protocol.writerFeatures' },
        },
      );
    listed = protocol.writerFeatures;
  } else listed = impliedFeatures(version);
  const inUse = featuresInUse(metadata.configuration, parseSchema(metadata.schemaString));
  const blocking = [...new Set(listed)].filter(
    (f) =>
      !SUPPORTED_WRITER_FEATURES.has(f) &&
      !((f === 'generatedColumns' || f === 'identityColumns') && !inUse.has(f)),
  );
  if (blocking.length > 0)
    throw new DeltaError(
      'UnsupportedFeature',
      `the table requires writer feature${blocking.length > 1 ? 's' : ''} this build cannot write: ${blocking.join(', ')}`,
      {
        context: { features: blocking.join(',') },
        help: `supported writer features: ${[...SUPPORTED_WRITER_FEATURES].sort().join(', ')}`,
      },
    );
}

/** The reader and writer features a protocol lists or implies by its legacy versions. */
function featuresOf(p: Protocol): { reader: Set<string>; writer: Set<string> } {
  const writer = new Set<string>(p.writerFeatures ?? []);
  if (p.minWriterVersion < 7) for (const f of impliedFeatures(p.minWriterVersion)) writer.add(f);
  const reader = new Set<string>(p.readerFeatures ?? []);
  if (p.minReaderVersion === 2) reader.add('columnMapping');
  return { reader, writer };
}

/**
 * The protocol that satisfies both: `current` when it already covers `needed`, otherwise table
 * features (3/7) listing the union of both sides' features, legacy versions expanded. A write
 * never drops a feature, since other writers may rely on it.
 */
export function mergeProtocols(current: Protocol, needed: Protocol): Protocol {
  const have = featuresOf(current);
  const want = featuresOf(needed);
  const covered =
    needed.minReaderVersion <= current.minReaderVersion &&
    needed.minWriterVersion <= current.minWriterVersion &&
    [...want.writer].every((f) => have.writer.has(f)) &&
    [...want.reader].every((f) => have.reader.has(f));
  if (covered) return current;
  const reader = [...new Set([...have.reader, ...want.reader])].sort();
  const writer = [...new Set([...have.writer, ...want.writer, ...reader])].sort();
  const readerVersion = Math.max(current.minReaderVersion, needed.minReaderVersion);
  return {
    minReaderVersion: readerVersion >= 3 ? 3 : readerVersion,
    minWriterVersion: 7,
    ...(readerVersion >= 3 ? { readerFeatures: reader } : {}),
    writerFeatures: writer,
  };
}
