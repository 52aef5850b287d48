import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import type { Metadata, Protocol } from './actions.js';
import { SUPPORTED_READER_FEATURES, checkReadSupported, columnMappingMode } from './features.js';

function metadata(configuration: Record<string, string>): Metadata {
  return {
    id: 't',
    format: { provider: 'parquet' },
    schemaString: '{}',
    partitionColumns: [],
    configuration,
  };
}

function errorOf(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('checkReadSupported', () => {
  it('accepts reader versions 1 and 2 whatever their (ignored) feature lists say', () => {
    expect(() => checkReadSupported({ minReaderVersion: 1, minWriterVersion: 2 })).not.toThrow();
    expect(() => checkReadSupported({ minReaderVersion: 2, minWriterVersion: 5 })).not.toThrow();
  });

  it('accepts reader version 3 with every supported feature', () => {
    const protocol: Protocol = {
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: [...SUPPORTED_READER_FEATURES],
      writerFeatures: [],
    };
    expect(() => checkReadSupported(protocol)).not.toThrow();
  });

  it('lists every unsupported reader feature in one UnsupportedFeature error', () => {
    const err = errorOf(() =>
      checkReadSupported({
        minReaderVersion: 3,
        minWriterVersion: 7,
        readerFeatures: ['deletionVectors', 'variantType', 'collations'],
      }),
    );
    expect(isDeltaError(err, 'UnsupportedFeature')).toBe(true);
    expect((err as Error).message).toContain('variantType');
    expect((err as Error).message).toContain('collations');
    expect((err as Error).message).not.toContain('deletionVectors,');
  });

  it('does not support variant or collations yet', () => {
    for (const f of ['variantType', 'variantType-preview', 'collations']) {
      expect(SUPPORTED_READER_FEATURES.has(f)).toBe(false);
    }
  });

  it('honours a narrower supported set passed by the data path', () => {
    const narrow = new Set(['columnMapping']);
    const protocol: Protocol = {
      minReaderVersion: 3,
      minWriterVersion: 7,
      readerFeatures: ['deletionVectors'],
    };
    expect(
      isDeltaError(
        errorOf(() => checkReadSupported(protocol, undefined, narrow)),
        'UnsupportedFeature',
      ),
    ).toBe(true);
  });

  it('refuses reader versions above 3 as unsupported and below 1 as invalid', () => {
    expect(
      isDeltaError(
        errorOf(() => checkReadSupported({ minReaderVersion: 99, minWriterVersion: 7 })),
        'UnsupportedFeature',
      ),
    ).toBe(true);
    expect(
      isDeltaError(
        errorOf(() => checkReadSupported({ minReaderVersion: 0, minWriterVersion: 1 })),
        'InvalidLog',
      ),
    ).toBe(true);
    expect(
      isDeltaError(
        errorOf(() => checkReadSupported({ minReaderVersion: 1.5, minWriterVersion: 1 })),
        'InvalidLog',
      ),
    ).toBe(true);
  });

  it('requires readerFeatures when the reader version is 3', () => {
    expect(
      isDeltaError(
        errorOf(() => checkReadSupported({ minReaderVersion: 3, minWriterVersion: 7 })),
        'InvalidLog',
      ),
    ).toBe(true);
  });

  it('validates the column mapping mode when metadata is given', () => {
    const protocol: Protocol = { minReaderVersion: 2, minWriterVersion: 5 };
    const err = errorOf(() =>
      checkReadSupported(protocol, metadata({ 'delta.columnMapping.mode': 'bogus' })),
    );
    expect(isDeltaError(err, 'InvalidLog')).toBe(true);
    expect((err as Error).message).toContain('bogus');
  });
});

describe('columnMappingMode', () => {
  it('reads the table property, none when absent', () => {
    expect(columnMappingMode(metadata({}))).toBe('none');
    expect(columnMappingMode(metadata({ 'delta.columnMapping.mode': 'name' }))).toBe('name');
    expect(columnMappingMode(metadata({ 'delta.columnMapping.mode': 'id' }))).toBe('id');
    expect(columnMappingMode(metadata({ 'delta.columnMapping.mode': 'none' }))).toBe('none');
  });

  it('ignores the property when the protocol does not support column mapping', () => {
    const m = metadata({ 'delta.columnMapping.mode': 'name' });
    expect(columnMappingMode(m, { minReaderVersion: 1, minWriterVersion: 2 })).toBe('none');
    expect(columnMappingMode(m, { minReaderVersion: 2, minWriterVersion: 5 })).toBe('name');
    expect(
      columnMappingMode(m, { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: ['columnMapping'] }),
    ).toBe('name');
    expect(columnMappingMode(m, { minReaderVersion: 3, minWriterVersion: 7, readerFeatures: [] })).toBe(
      'none',
    );
  });
});
