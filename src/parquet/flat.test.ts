import fc from 'fast-check';
import {
  Binary,
  Bool,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  List,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimeUnit,
  Timestamp,
  Utf8,
  makeData,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { openParquetFile } from './read.js';
import { bytesSource } from './source.js';
import { type ParquetCompression, writeParquetBytes } from './write.js';

/** A deterministic pseudo-random stream (xorshift32), so a failing case replays from its seed. */
function rng(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

interface ColumnSpec {
  readonly name: string;
  readonly type: DataType;
  /** 32-bit words per value for fixed-width types (0 for bool and byte arrays). */
  readonly words: number;
  readonly nullable: boolean;
}

const COLUMNS: readonly ColumnSpec[] = [
  { name: 'i8', type: new Int8(), words: 1, nullable: true },
  { name: 'i16', type: new Int16(), words: 1, nullable: true },
  { name: 'i32', type: new Int32(), words: 1, nullable: false },
  { name: 'i64', type: new Int64(), words: 2, nullable: true },
  { name: 'f32', type: new Float32(), words: 1, nullable: true },
  { name: 'f64', type: new Float64(), words: 2, nullable: false },
  { name: 'flag', type: new Bool(), words: 0, nullable: true },
  { name: 'text', type: new Utf8(), words: 0, nullable: true },
  { name: 'blob', type: new Binary(), words: 0, nullable: true },
  { name: 'day', type: new DateDay(), words: 1, nullable: true },
  { name: 'ts', type: new Timestamp(TimeUnit.MICROSECOND, 'UTC'), words: 2, nullable: true },
  { name: 'ts_ntz', type: new Timestamp(TimeUnit.MILLISECOND, null), words: 2, nullable: true },
  { name: 'd32', type: new Decimal(2, 7, 128), words: 4, nullable: true },
  { name: 'd64', type: new Decimal(3, 15, 128), words: 4, nullable: false },
  { name: 'd128', type: new Decimal(4, 30, 128), words: 4, nullable: true },
];

/** A column of `rows` values drawn from `cardinality` distinct ones (small: dictionary pages). */
function column(spec: ColumnSpec, rows: number, cardinality: number, nullRate: number, seed: number) {
  const next = rng(seed);
  const pick = (): number => Math.floor(next() * cardinality);
  const validity = new Uint8Array((rows + 7) >> 3);
  let nullCount = 0;
  for (let i = 0; i < rows; i++) {
    if (spec.nullable && next() < nullRate) nullCount++;
    else validity[i >> 3] = (validity[i >> 3] ?? 0) | (1 << (i & 7));
  }
  const base = { type: spec.type, length: rows, nullCount, nullBitmap: nullCount > 0 ? validity : null };
  if (spec.words === 0 && spec.type instanceof Bool) {
    const bits = new Uint8Array((rows + 7) >> 3);
    for (let i = 0; i < rows; i++) if (pick() % 2 === 1) bits[i >> 3] = (bits[i >> 3] ?? 0) | (1 << (i & 7));
    return makeData({ ...base, type: spec.type, data: bits });
  }
  if (spec.words === 0) {
    const offsets = new Int32Array(rows + 1);
    const bytes: number[] = [];
    for (let i = 0; i < rows; i++) {
      const v = pick();
      // Lengths from 0 to ~90 bytes, with multi-byte UTF-8, so both copy paths are taken.
      const text = `v${v}-${'é'.repeat(v % 7)}${'x'.repeat((v * 13) % 80)}`;
      if (validity[i >> 3] !== undefined && ((validity[i >> 3] ?? 0) >> (i & 7)) & 1)
        bytes.push(...new TextEncoder().encode(text));
      offsets[i + 1] = bytes.length;
    }
    return makeData({
      ...base,
      type: spec.type as Utf8,
      valueOffsets: offsets,
      data: Uint8Array.from(bytes),
    });
  }
  const words = new Int32Array(rows * spec.words);
  for (let i = 0; i < rows; i++) {
    const v = pick() - Math.floor(cardinality / 2);
    const at = i * spec.words;
    if (spec.type instanceof Float32) new Float32Array(words.buffer)[i] = v / 8;
    else if (spec.type instanceof Float64) new Float64Array(words.buffer)[i] = v / 3;
    else if (spec.type instanceof Int8) words[at] = v % 128;
    else if (spec.type instanceof Int16) words[at] = v * 3;
    else {
      words[at] = v * 7919;
      const sign = v < 0 ? -1 : 0;
      for (let w = 1; w < spec.words; w++)
        words[at + w] = w === 1 && spec.words > 1 ? (v % 5) * (sign || 1) : sign;
      if (spec.words === 4 && spec.type instanceof Decimal && spec.type.precision <= 9) words[at + 1] = sign;
    }
  }
  const data =
    spec.type instanceof Int8
      ? Int8Array.from(words)
      : spec.type instanceof Int16
        ? Int16Array.from(words)
        : new (spec.type.ArrayType as new (b: ArrayBuffer) => ArrayBufferView)(words.buffer);
  return makeData({ ...base, data } as never);
}

function table(
  specs: readonly ColumnSpec[],
  rows: number,
  cardinality: number,
  nullRate: number,
  seed: number,
) {
  const schema = new Schema(specs.map((s) => new Field(s.name, s.type, s.nullable)));
  const children = specs.map((s, k) => column(s, rows, cardinality, nullRate, seed + k));
  const struct = makeData({ type: new Struct(schema.fields), length: rows, nullCount: 0, children });
  return new Table([new RecordBatch(schema, struct)]);
}

/** Every row of every batch, values made comparable (bigints and typed arrays as strings). */
async function rows(bytes: Uint8Array, decoder: 'auto' | 'wasm', columns?: string[]) {
  const reader = await openParquetFile(bytesSource(bytes), 'test.parquet', { decoder });
  const out: unknown[][] = [];
  try {
    for await (const batch of reader.batches({ batchSize: 700, ...(columns ? { columns } : {}) }))
      for (let r = 0; r < batch.numRows; r++)
        out.push(
          batch.schema.fields.map((_, c) => {
            const v: unknown = batch.getChildAt(c)?.get(r);
            return typeof v === 'bigint'
              ? `${v}n`
              : ArrayBuffer.isView(v)
                ? Array.from(v as Uint8Array).join()
                : v;
          }),
        );
    return { decoder: reader.decoder, schema: reader.schema, rows: out };
  } finally {
    reader.close();
  }
}

describe('the JavaScript column decoder', () => {
  it('reads what the WebAssembly decoder reads, for every flat type, codec and encoding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          rows: fc.integer({ min: 0, max: 3000 }),
          cardinality: fc.constantFrom(1, 3, 50, 100_000),
          nullRate: fc.constantFrom(0, 0.1, 0.9, 1),
          compression: fc.constantFrom<ParquetCompression>('snappy', 'gzip', 'uncompressed'),
          dictionary: fc.boolean(),
          maxRowGroupSize: fc.constantFrom(500, 1_000_000),
          seed: fc.integer({ min: 1, max: 1e9 }),
        }),
        async (c) => {
          const bytes = writeParquetBytes(table(COLUMNS, c.rows, c.cardinality, c.nullRate, c.seed), c);
          const js = await rows(bytes, 'auto');
          const wasm = await rows(bytes, 'wasm');
          expect(js.decoder).toBe('javascript');
          expect(wasm.decoder).toBe('wasm');
          expect(js.schema.fields.map(String)).toEqual(wasm.schema.fields.map(String));
          expect(js.rows).toEqual(wasm.rows);
          expect(js.rows.length).toBe(c.rows);
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it('projects columns, in file order, and counts rows with none', async () => {
    const bytes = writeParquetBytes(table(COLUMNS, 1234, 50, 0.1, 7), { maxRowGroupSize: 500 });
    const js = await rows(bytes, 'auto', ['ts', 'i8']);
    const wasm = await rows(bytes, 'wasm', ['ts', 'i8']);
    expect(js.rows).toEqual(wasm.rows);
    expect(js.rows[0]?.length).toBe(2);
    const none = await rows(bytes, 'auto', []);
    expect(none.rows.length).toBe(1234);
    expect(none.rows.every((r) => r.length === 0)).toBe(true);
  });

  it('hands row groups in a codec it does not read (zstd) to the WebAssembly decoder', async () => {
    const bytes = writeParquetBytes(table(COLUMNS, 2000, 50, 0.1, 11), {
      compression: 'zstd',
      maxRowGroupSize: 800,
    });
    const js = await rows(bytes, 'auto');
    expect(js.decoder).toBe('javascript');
    expect(js.rows).toEqual((await rows(bytes, 'wasm')).rows);
  });

  it('leaves files with nested columns to the WebAssembly decoder', async () => {
    const list = new List(new Field('element', new Int32(), true));
    const values = makeData({ type: new Int32(), length: 3, nullCount: 0, data: Int32Array.from([1, 2, 3]) });
    const lists = makeData({
      type: list,
      length: 2,
      nullCount: 0,
      valueOffsets: Int32Array.from([0, 1, 3]),
      child: values,
    });
    const schema = new Schema([new Field('xs', list, true)]);
    const struct = makeData({ type: new Struct(schema.fields), length: 2, nullCount: 0, children: [lists] });
    const bytes = writeParquetBytes(new Table([new RecordBatch(schema, struct)]));
    const read = await rows(bytes, 'auto');
    expect(read.decoder).toBe('wasm');
    expect(read.rows.length).toBe(2);
  });

  it('reports corrupt pages as CorruptData naming the file, row group and column', async () => {
    const specs = COLUMNS.filter((c) => c.name === 'i64');
    const bytes = writeParquetBytes(table(specs, 5000, 100_000, 0, 3), {
      compression: 'snappy',
      dictionary: false,
    });
    // Damage the Snappy stream of the first data page (just past its header) without touching the footer.
    const broken = bytes.slice();
    for (let i = 40; i < 200; i++) broken[i] = 0xff;
    const failure = await rows(broken, 'auto').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isDeltaError(failure, 'CorruptData')).toBe(true);
    expect(String((failure as Error).message)).toMatch(/row group 0, column i64 of test\.parquet/);
  });
});
