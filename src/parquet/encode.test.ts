import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  Int8,
  List,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { footerLength } from './lite-meta.js';
import { type DecoderChoice } from './flat.js';
import { openParquetFile, readParquetSchema } from './read.js';
import { encodeFlatParquet } from './encode.js';
import { ByteSink } from './encode-pages.js';
import { list, struct, ThriftReader, type ThriftStruct } from './thrift.js';
import { writeParquetBytes } from './write.js';

/** Every row of `bytes` as plain JSON-able values, read by `decoder`. */
async function rowsOf(bytes: Uint8Array, decoder: DecoderChoice): Promise<unknown[]> {
  const reader = await openParquetFile(bytes, 'test.parquet', { decoder });
  const rows: unknown[] = [];
  try {
    for await (const batch of reader.batches({})) {
      for (const row of new Table([batch])) rows.push(plain(row.toJSON()));
    }
  } finally {
    reader.close();
  }
  return rows;
}

function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array || value instanceof Uint32Array) return [...value];
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Words of a decimal128 of unscaled value `v`. */
function decimalWords(values: readonly (bigint | null)[]): Uint32Array {
  const words = new Uint32Array(values.length * 4);
  values.forEach((v, i) => {
    let x = BigInt.asUintN(128, v ?? 0n);
    for (let w = 0; w < 4; w++) {
      words[i * 4 + w] = Number(x & 0xffffffffn);
      x >>= 32n;
    }
  });
  return words;
}

interface ColumnCase {
  readonly type: DataType;
  readonly values: fc.Arbitrary<unknown>;
}

const nullable = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null> => fc.option(a, { nil: null, freq: 4 });
const shortStrings = fc.constantFrom('', 'a', 'b', 'DE', 'FR', 'ä€😀', 'zz');

const CASES: Readonly<Record<string, ColumnCase>> = {
  bool: { type: new Bool(), values: nullable(fc.boolean()) },
  int8: { type: new Int8(), values: nullable(fc.integer({ min: -128, max: 127 })) },
  int16: { type: new Int16(), values: nullable(fc.integer({ min: -32768, max: 32767 })) },
  int32: { type: new Int32(), values: nullable(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })) },
  int64: { type: new Int64(), values: nullable(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })) },
  float32: { type: new Float32(), values: nullable(fc.float()) },
  float64: { type: new Float64(), values: nullable(fc.double()) },
  utf8: {
    type: new Utf8(),
    values: nullable(fc.oneof(shortStrings, fc.string({ unit: 'grapheme', maxLength: 30 }))),
  },
  binary: { type: new Binary(), values: nullable(fc.uint8Array({ maxLength: 12 })) },
  date: {
    type: new DateDay(),
    values: nullable(fc.date({ min: new Date(-1e13), max: new Date(1e13), noInvalidDate: true })),
  },
  ts: { type: new TimestampMicrosecond('UTC'), values: nullable(fc.integer({ min: -1e12, max: 1e12 })) },
  tsNtz: { type: new TimestampMicrosecond(), values: nullable(fc.integer({ min: -1e12, max: 1e12 })) },
  dec9: {
    type: new Decimal(2, 9, 128),
    values: nullable(fc.bigInt({ min: -(10n ** 9n) + 1n, max: 10n ** 9n - 1n })),
  },
  dec18: {
    type: new Decimal(4, 18, 128),
    values: nullable(fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n })),
  },
  dec38: {
    type: new Decimal(6, 38, 128),
    values: nullable(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n })),
  },
};

/** A column of `type` holding `values` (decimals from unscaled bigints). */
function column(type: DataType, values: readonly unknown[]) {
  if (type instanceof Decimal) {
    const unscaled = values as readonly (bigint | null)[];
    const valid = Uint8Array.from({ length: (values.length + 7) >> 3 }, (_, b) => {
      let byte = 0;
      for (let i = 0; i < 8; i++) if (unscaled[b * 8 + i] != null) byte |= 1 << i;
      return byte;
    });
    const nulls = unscaled.filter((v) => v === null).length;
    return makeData({
      type,
      length: values.length,
      nullCount: nulls,
      nullBitmap: valid,
      data: decimalWords(unscaled),
    });
  }
  const data = vectorFromArray(values as unknown[], type).data[0];
  if (data === undefined) throw new Error('vectorFromArray gave no data');
  return data;
}

const tables = fc
  .record({
    names: fc.uniqueArray(fc.constantFrom(...Object.keys(CASES)), { minLength: 1, maxLength: 6 }),
    rows: fc.nat({ max: 120 }),
    cuts: fc.array(fc.nat({ max: 120 }), { maxLength: 3 }),
    required: fc.boolean(),
    seed: fc.integer(),
  })
  .chain(({ names, rows, cuts, required }) =>
    fc.record({
      names: fc.constant(names),
      required: fc.constant(required),
      cuts: fc.constant([...new Set(cuts.filter((c) => c > 0 && c < rows))].sort((a, b) => a - b)),
      columns: fc.tuple(
        ...names.map((n) => {
          const c = CASES[n];
          if (c === undefined) throw new Error(n);
          const values = required ? c.values.filter((v) => v !== null) : c.values;
          return fc.array(values, { minLength: rows, maxLength: rows });
        }),
      ),
    }),
  )
  .map(({ names, required, cuts, columns }) => {
    const fields = names.map((n) => new Field(n, CASES[n]?.type ?? new Int32(), !required));
    const schema = new Schema(fields);
    const whole = columns.map((values, k) => column(fields[k]?.type ?? new Int32(), values));
    const rows = columns[0]?.length ?? 0;
    const bounds = [0, ...cuts, rows];
    const batches = bounds.slice(1).map((end, b) => {
      const start = bounds[b] ?? 0;
      const children = whole.map((d) => d.slice(start, end - start));
      return new RecordBatch(
        schema,
        makeData({ type: new Struct(fields), length: end - start, nullCount: 0, children }),
      );
    });
    return new Table(schema, batches);
  });

/** ColumnMetaData.statistics (null count, max, min) of every chunk of a file. */
function statistics(bytes: Uint8Array): unknown[] {
  const len = footerLength(bytes.subarray(bytes.length - 8), bytes.length);
  const meta = new ThriftReader(bytes.subarray(bytes.length - 8 - len, bytes.length - 8)).readStruct();
  return list(meta, 4).flatMap((g) =>
    list(g as ThriftStruct, 1).map((c) => {
      const s = struct(struct(c as ThriftStruct, 3), 12);
      // Exactness flags mean something only beside a bound (arrow-rs also writes them without).
      const [max, min] = [s?.get(5), s?.get(6)];
      return {
        nulls: s?.get(3),
        max: plain(max),
        min: plain(min),
        maxExact: max === undefined ? undefined : s?.get(7),
        minExact: min === undefined ? undefined : s?.get(8),
      };
    }),
  );
}

describe('encodeFlatParquet', () => {
  it('writes files that arrow-rs and our decoder read back as the rows parquet-wasm writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        tables,
        fc.constantFrom('snappy', 'uncompressed' as const),
        fc.integer({ min: 1, max: 200 }),
        async (table, compression, maxRowGroupSize) => {
          const ours = encodeFlatParquet(table, { compression, maxRowGroupSize });
          if (ours === undefined) throw new Error('a flat table was refused');
          const theirs = writeParquetBytes(table, { compression, maxRowGroupSize, encoder: 'wasm' });
          const expected = await rowsOf(theirs, 'wasm');
          expect(expected).toHaveLength(table.numRows);
          expect(await rowsOf(ours, 'wasm')).toEqual(expected);
          expect(await rowsOf(ours, 'auto')).toEqual(expected);
          expect(statistics(ours)).toEqual(statistics(theirs));
        },
      ),
      { numRuns: 120 },
    );
  });
});

describe('encodeFlatParquet schema', () => {
  it('declares the types, nullability and field ids parquet-wasm declares', () => {
    const fields = Object.entries(CASES).map(
      ([name, c], k) => new Field(name, c.type, k % 2 === 0, new Map([['PARQUET:field_id', String(k + 1)]])),
    );
    const schema = new Schema(fields);
    const table = new Table(
      schema,
      new RecordBatch(
        schema,
        makeData({
          type: new Struct(fields),
          length: 0,
          nullCount: 0,
          children: fields.map((f) => column(f.type, [])),
        }),
      ),
    );
    const ours = encodeFlatParquet(table, { compression: 'snappy' });
    if (ours === undefined) throw new Error('refused');
    const describe = (bytes: Uint8Array): string[] =>
      readParquetSchema(bytes).fields.map(
        (f) => `${f.name} ${String(f.type)} ${f.nullable} ${f.metadata.get('PARQUET:field_id') ?? '-'}`,
      );
    expect(describe(ours)).toEqual(describe(writeParquetBytes(table, { encoder: 'wasm' })));
    expect(describe(ours)).toContain('dec38 Decimal[38e+6] true 15');
  });

  it('leaves nested columns to parquet-wasm', () => {
    const table = new Table({
      xs: vectorFromArray([[1], [2, 3]], new List(new Field('element', new Int32(), true))),
    });
    expect(encodeFlatParquet(table, { compression: 'snappy' })).toBeUndefined();
  });
});

describe('encodeFlatParquet on large chunks', () => {
  const rows = 70_000;
  const ids = Array.from({ length: rows }, (_, i) => (i % 7 === 3 ? null : BigInt(i) * 1_000_003n));
  // Unique values outgrow the dictionary limit (plain pages cut by bytes); some are long.
  const names = Array.from({ length: rows }, (_, i) =>
    i % 11 === 5 ? null : `customer-${i}-${'x'.repeat(i % 97 === 0 ? 300 : 70)}`,
  );
  const countries = Array.from({ length: rows }, (_, i) =>
    i % 13 === 0 ? null : (['DE', 'FR', 'IT', 'ES'][i % 4] ?? ''),
  );
  const table = new Table({
    id: vectorFromArray(ids, new Int64()),
    name: vectorFromArray(names, new Utf8()),
    country: vectorFromArray(countries, new Utf8()),
    amount: vectorFromArray(
      Array.from({ length: rows }, (_, i) => (i % 5 === 0 ? null : i / 4 - 100)),
      new Float64(),
    ),
  });

  it('cuts pages by rows and bytes, falls back from the dictionary, and reads back like parquet-wasm', async () => {
    const ours = encodeFlatParquet(table, { compression: 'snappy' });
    if (ours === undefined) throw new Error('refused');
    const expected = await rowsOf(writeParquetBytes(table, { encoder: 'wasm' }), 'wasm');
    expect(await rowsOf(ours, 'wasm')).toEqual(expected);
    expect(await rowsOf(ours, 'auto')).toEqual(expected);
  });

  it('writes the statistics parquet-wasm writes (null counts, min and max)', () => {
    const ours = encodeFlatParquet(table, { compression: 'snappy' });
    if (ours === undefined) throw new Error('refused');
    expect(statistics(ours)).toEqual(statistics(writeParquetBytes(table, { encoder: 'wasm' })));
  });
});

/** The encodings listed for each column chunk of the first row group (8 = RLE_DICTIONARY). */
function chunkEncodings(bytes: Uint8Array): unknown[][] {
  const len = footerLength(bytes.subarray(bytes.length - 8), bytes.length);
  const meta = new ThriftReader(bytes.subarray(bytes.length - 8 - len, bytes.length - 8)).readStruct();
  const group = list(meta, 4)[0] as ThriftStruct;
  return list(group, 1).map((c) => list(struct(c as ThriftStruct, 3) as ThriftStruct, 2));
}

describe('encodeFlatParquet dictionaries of numbers', () => {
  const rows = 50_000;
  // Cents from a range of 5,000 values, in an order whose first thousands do not repeat.
  const cents = Array.from({ length: rows }, (_, i) => ((i * 2_027) % 5_000) + 100);
  const specials = [
    0,
    -0,
    NaN,
    new Float64Array(new BigUint64Array([0x7ff8_0000_dead_beefn]).buffer)[0] ?? 0,
  ];
  const table = new Table({
    id: vectorFromArray(
      Array.from({ length: rows }, (_, i) => BigInt(i) * 7n),
      new Int64(),
    ),
    amount: vectorFromArray(
      cents.map((c, i) => (i % 9 === 4 ? null : i % 1_000 < 4 ? (specials[i % 4] ?? 0) : c / 100)),
      new Float64(),
    ),
    qty: vectorFromArray(
      Array.from({ length: rows }, (_, i) => (i * 31) % 7),
      new Int32(),
    ),
    measured: vectorFromArray(
      Array.from({ length: rows }, (_, i) => Math.sin(i) * 1e6),
      new Float64(),
    ),
  });

  it('dictionary-encodes repeating numbers, keeps keys and distinct measurements PLAIN', () => {
    const ours = encodeFlatParquet(table, { compression: 'snappy' });
    if (ours === undefined) throw new Error('refused');
    const [id, amount, qty, measured] = chunkEncodings(ours);
    expect(id).not.toContain(8);
    expect(amount).toContain(8);
    expect(qty).toContain(8);
    expect(measured).not.toContain(8);
    // Smaller than the same table without any dictionary (parquet-wasm told not to use one).
    expect(ours.length).toBeLessThan(writeParquetBytes(table, { encoder: 'wasm', dictionary: false }).length);
  });

  it('reads back bit for bit (both zeros, NaN payloads) as parquet-wasm writes it, with its statistics', async () => {
    const ours = encodeFlatParquet(table, { compression: 'snappy' });
    if (ours === undefined) throw new Error('refused');
    const theirs = writeParquetBytes(table, { encoder: 'wasm' });
    const expected = await rowsOf(theirs, 'wasm');
    expect(await rowsOf(ours, 'wasm')).toEqual(expected);
    expect(await rowsOf(ours, 'auto')).toEqual(expected);
    expect(statistics(ours)).toEqual(statistics(theirs));
    const reader = await openParquetFile(ours, 'bits.parquet');
    const bits: bigint[] = [];
    try {
      for await (const batch of reader.batches({ columns: ['amount'] })) {
        const data = batch.getChildAt(0)?.data[0];
        if (data === undefined) throw new Error('no amount column');
        const words = new BigUint64Array(data.values.buffer, data.values.byteOffset, data.length);
        for (let i = 0; i < data.length; i++) if (data.getValid(i)) bits.push(words[i] ?? 0n);
      }
    } finally {
      reader.close();
    }
    const want = table.getChild('amount')?.data.flatMap((d) => {
      const words = new BigUint64Array(d.values.buffer, d.values.byteOffset, d.length);
      return Array.from({ length: d.length }, (_, i) => i).flatMap((i) =>
        d.getValid(i) ? [words[i] ?? 0n] : [],
      );
    });
    expect(bits).toEqual(want);
    expect(bits).toContain(0x8000_0000_0000_0000n);
    expect(bits).toContain(0x7ff8_0000_dead_beefn);
  });
});

describe('ByteSink', () => {
  it('keeps every byte written past its estimate, and hands back a view only of a mostly full buffer', () => {
    const sink = new ByteSink(1024);
    const parts = Array.from({ length: 40 }, (_, i) =>
      Uint8Array.from({ length: 100 + i }, (_, j) => (i + j) & 0xff),
    );
    for (const p of parts) sink.write(p);
    const out = sink.finish();
    expect(out.length).toBe(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      expect(out.subarray(at, at + p.length)).toEqual(p);
      at += p.length;
    }
    // 4,780 bytes in a buffer grown to 8,192: copied out rather than holding the whole buffer.
    expect(out.buffer.byteLength).toBe(out.length);
    const full = new ByteSink(1024);
    full.write(new Uint8Array(1000));
    expect(full.finish().buffer.byteLength).toBe(1024);
  });
});
