import type { DataType, StructField, StructType } from '../protocol/schema.js';

/**
 * Shared fixtures of the writer's tests: a schema with every Delta type the writer handles, rows
 * for it, and partition values that need escaping.
 */

export { batchOf } from './columns.js';

/** A field without metadata. */
export function testField(name: string, type: DataType, nullable = true): StructField {
  return { name, type, nullable, metadata: {} };
}
const f = testField;

/** Every Delta type the writer handles, two partition columns (string and integer). */
export const ALL_TYPES: StructType = {
  type: 'struct',
  fields: [
    f('id', { type: 'long' }, false),
    f('b', { type: 'byte' }),
    f('sh', { type: 'short' }),
    f('i', { type: 'integer' }),
    f('fl', { type: 'float' }),
    f('db', { type: 'double' }),
    f('bo', { type: 'boolean' }),
    f('s', { type: 'string' }),
    f('bin', { type: 'binary' }),
    f('dt', { type: 'date' }),
    f('ts', { type: 'timestamp' }),
    f('tn', { type: 'timestamp_ntz' }),
    f('dec', { type: 'decimal', precision: 10, scale: 2 }),
    f('big', { type: 'decimal', precision: 30, scale: 5 }),
    f('st', {
      type: 'struct',
      fields: [f('x', { type: 'integer' }), f('y', { type: 'string' }, false)],
    }),
    f('arr', { type: 'array', elementType: { type: 'integer' }, containsNull: true }),
    f('m', {
      type: 'map',
      keyType: { type: 'string' },
      valueType: { type: 'long' },
      valueContainsNull: true,
    }),
    f('p', { type: 'string' }),
    f('q', { type: 'integer' }),
  ],
};

/** Partition values that need escaping in directory names and in `add.path`. */
export const SPECIAL_PARTITIONS = ['a b', '100%', 'x=y', 'a/b', 'ünï€', 'c:d#e', null, '%2F'];

/** Rows of {@link ALL_TYPES}, one per special partition value. */
export function allTypesRows(): Record<string, unknown>[] {
  return SPECIAL_PARTITIONS.map((p, k) => ({
    id: BigInt(k) * 3_000_000_000n - 5n,
    b: k % 2 === 0 ? -128 + k : null,
    sh: 1000 * k - 32768,
    i: k === 3 ? null : k * 7,
    fl: k === 2 ? Number.NaN : Math.fround(k * 0.1),
    db: k === 4 ? Number.POSITIVE_INFINITY : k * -1.25,
    bo: k % 3 === 0,
    s: k === 5 ? null : `${'s'.repeat(k * 6)}-${k}😀`,
    bin: new Uint8Array([k, 255, 0]),
    dt: 18000 + k * 400 - 30000,
    ts: 1_700_000_000_123_456n + BigInt(k) * 86_400_000_000n,
    tn: -1_000_001n + BigInt(k),
    dec: BigInt(k * 12345 - 50000),
    big: 10n ** 28n + BigInt(k),
    st: k === 1 ? null : { x: k, y: `y${k}` },
    arr: k === 2 ? null : [k, null, k + 1],
    m:
      k === 0
        ? []
        : [
            [`k${k}`, BigInt(k)],
            ['z', null],
          ],
    p,
    q: k % 2,
  }));
}
