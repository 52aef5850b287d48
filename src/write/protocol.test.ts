import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import type { Metadata, Protocol } from '../protocol/actions.js';
import { type StructType, typeToJson } from '../protocol/schema.js';
import {
  checkWriteSupported,
  minimalProtocol,
  SUPPORTED_WRITER_FEATURES,
  mergeProtocols,
} from './protocol.js';
import { testField as f } from './test-data.js';

const plain: StructType = { type: 'struct', fields: [f('a', { type: 'long' })] };
const ntz: StructType = {
  type: 'struct',
  fields: [f('s', { type: 'struct', fields: [f('t', { type: 'timestamp_ntz' })] })],
};
const generated: StructType = {
  type: 'struct',
  fields: [{ ...f('g', { type: 'long' }), metadata: { 'delta.generationExpression': 'a + 1' } }],
};

function meta(schema: StructType, configuration: Record<string, string> = {}): Metadata {
  return {
    id: 'x',
    format: { provider: 'parquet' },
    schemaString: JSON.stringify(typeToJson(schema)),
    partitionColumns: [],
    configuration,
  };
}

describe('minimalProtocol', () => {
  it('lists invariants for a non-nullable column (a NOT NULL invariant; Spark refuses the table otherwise)', () => {
    const notNull: StructType = {
      type: 'struct',
      fields: [f('s', { type: 'struct', fields: [f('k', { type: 'long' }, false)] })],
    };
    expect(minimalProtocol({ 'delta.enableDeletionVectors': 'true' }, notNull)).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['deletionVectors'],
      writerFeatures: ['deletionVectors', 'invariants'],
    });
    expect(minimalProtocol({}, notNull)).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(minimalProtocol({ 'delta.enableDeletionVectors': 'true' }, plain).writerFeatures).toEqual([
      'deletionVectors',
    ]);
  });

  it('uses legacy versions when every feature is a legacy one', () => {
    expect(minimalProtocol({}, plain)).toEqual({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(minimalProtocol({ 'delta.constraints.pos': 'a > 0' }, plain)).toEqual({
      minReaderVersion: 1,
      minWriterVersion: 3,
    });
    expect(minimalProtocol({ 'delta.enableChangeDataFeed': 'true' }, plain)).toEqual({
      minReaderVersion: 1,
      minWriterVersion: 4,
    });
    expect(minimalProtocol({ 'delta.columnMapping.mode': 'name' }, plain)).toEqual({
      minReaderVersion: 2,
      minWriterVersion: 5,
    });
  });

  it('uses table features otherwise, listing reader features only when there are any', () => {
    expect(minimalProtocol({}, ntz)).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['timestampNtz'],
      writerFeatures: ['timestampNtz'],
    });
    expect(minimalProtocol({ 'delta.enableRowTracking': 'true', 'delta.appendOnly': 'true' }, plain)).toEqual(
      {
        minReaderVersion: 1,
        minWriterVersion: 7,
        writerFeatures: ['appendOnly', 'domainMetadata', 'rowTracking'],
      },
    );
    expect(
      minimalProtocol({ 'delta.columnMapping.mode': 'id', 'delta.enableInCommitTimestamps': 'true' }, plain),
    ).toEqual({
      minReaderVersion: 2,
      minWriterVersion: 7,
      writerFeatures: ['columnMapping', 'inCommitTimestamp'],
    });
    expect(
      minimalProtocol({ 'delta.enableDeletionVectors': 'true', 'delta.checkpointPolicy': 'v2' }, plain, {
        explicitFeatures: ['vacuumProtocolCheck'],
      }),
    ).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['deletionVectors', 'v2Checkpoint', 'vacuumProtocolCheck'],
      writerFeatures: ['deletionVectors', 'v2Checkpoint', 'vacuumProtocolCheck'],
    });
    expect(minimalProtocol({ 'delta.feature.typeWidening': 'supported' }, plain).readerFeatures).toEqual([
      'typeWidening',
    ]);
  });
});

describe('checkWriteSupported', () => {
  const refused = (protocol: Protocol, metadata: Metadata, re: RegExp) =>
    expect(() => checkWriteSupported(protocol, metadata)).toThrow(
      expect.objectContaining({ code: 'UnsupportedFeature', message: expect.stringMatching(re) }),
    );

  it('accepts every supported feature and legacy tables that do not use generated columns', () => {
    checkWriteSupported(
      { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: [...SUPPORTED_WRITER_FEATURES] },
      meta(plain),
    );
    checkWriteSupported({ minReaderVersion: 1, minWriterVersion: 6 }, meta(plain));
    checkWriteSupported(
      { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['generatedColumns'] },
      meta(plain),
    );
  });

  it('refuses unsupported features, generated columns in use and newer writer versions, listing them', () => {
    refused({ minReaderVersion: 1, minWriterVersion: 4 }, meta(generated), /generatedColumns/);
    refused(
      { minReaderVersion: 1, minWriterVersion: 7, writerFeatures: ['clustering', 'allowColumnDefaults'] },
      meta(plain),
      /clustering, allowColumnDefaults/,
    );
    refused({ minReaderVersion: 1, minWriterVersion: 8 }, meta(plain), /writer version 8/);
    expect(() => checkWriteSupported({ minReaderVersion: 1, minWriterVersion: 7 }, meta(plain))).toThrow(
      expect.objectContaining({ code: 'InvalidLog' }),
    );
    let caught: unknown;
    try {
      checkWriteSupported(
        {
          minReaderVersion: 3,
          minWriterVersion: 7,
          readerFeatures: ['variantType'],
          writerFeatures: ['variantType'],
        },
        meta(plain),
      );
    } catch (err) {
      caught = err;
    }
    expect(isDeltaError(caught, 'UnsupportedFeature')).toBe(true);
  });
});

describe('mergeProtocols', () => {
  it('keeps a protocol that already covers what is needed', () => {
    const current = { minReaderVersion: 1, minWriterVersion: 4 };
    expect(mergeProtocols(current, { minReaderVersion: 1, minWriterVersion: 2 })).toBe(current);
  });

  it('upgrades to table features, spelling out the features legacy versions implied', () => {
    const merged = mergeProtocols(
      { minReaderVersion: 1, minWriterVersion: 4 },
      {
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors'],
        writerFeatures: ['deletionVectors'],
      },
    );
    expect(merged).toEqual({
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['deletionVectors'],
      writerFeatures: [
        'appendOnly',
        'changeDataFeed',
        'checkConstraints',
        'deletionVectors',
        'generatedColumns',
        'invariants',
      ],
    });
  });
});
