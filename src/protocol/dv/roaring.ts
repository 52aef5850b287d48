/**
 * Roaring bitmaps in the portable serialization of RoaringFormatSpec: the standard 32-bit format
 * (array, bitmap and run containers, with or without the run-container cookie) and the 64-bit
 * "portable" extension Delta uses for deletion vectors (a 64-bit bucket count, then per bucket a
 * 32-bit key and a 32-bit bitmap of the low halves).
 *
 * In memory every container is addressed by one composite key, `floor(value / 2^16)`, kept in a
 * sorted `Float64Array` (exact for keys up to 2^37, enough for row indexes below 2^53): a lookup is
 * a binary search over keys plus an O(1) or O(log n) probe in the container, and consecutive
 * lookups in the same 64K block (a scan filtering rows in order) skip the search entirely.
 */
import { DeltaError } from '../../errors.js';
import { ByteReader, ByteWriter } from './bytes.js';
import {
  buildContainer,
  type Container,
  containerHas,
  containerSize,
  containerValues,
  readContainer,
  writeContainer,
} from './container.js';

const SERIAL_COOKIE_NO_RUNCONTAINER = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;
/** Largest 64-bit bucket key whose values all stay below 2^53. */
const MAX_SAFE_BUCKET = 0x1fffff;

/** Options of {@link RoaringSet.from}. */
export interface RoaringBuildOptions {
  /** Use run containers where they are smaller (default `true`); `false` forces array/bitmap only. */
  readonly runs?: boolean;
}

/**
 * An immutable set of non-negative integers (row indexes) below 2^53, stored as Roaring containers.
 * Built by {@link RoaringSet.from} or decoded by {@link decodeRoaring64}/{@link decodeRoaring32}.
 */
export class RoaringSet {
  /** Number of values in the set. */
  readonly cardinality: number;
  private lastIndex = 0;

  private constructor(
    /** Composite container keys, strictly ascending. */
    private readonly keys: Float64Array,
    private readonly containers: readonly Container[],
  ) {
    let n = 0;
    for (const c of containers) n += c.cardinality;
    this.cardinality = n;
  }

  /** The empty set. */
  static empty(): RoaringSet {
    return new RoaringSet(new Float64Array(0), []);
  }

  /** Wraps already-validated containers (keys strictly ascending); for the decoders. */
  static fromContainers(keys: readonly number[], containers: readonly Container[]): RoaringSet {
    return new RoaringSet(Float64Array.from(keys), containers);
  }

  /**
   * Builds a set from values in any order, duplicates allowed.
   * @throws DeltaError `InvalidArgument` for a value that is not an integer in [0, 2^53).
   */
  static from(values: Iterable<number>, options: RoaringBuildOptions = {}): RoaringSet {
    const sorted = Float64Array.from(values);
    for (let i = 0; i < sorted.length; i++) {
      const v = sorted[i] ?? -1;
      if (!Number.isSafeInteger(v) || v < 0) {
        throw new DeltaError('InvalidArgument', `row index ${v} (item ${i}) is not an integer in [0, 2^53)`);
      }
    }
    sorted.sort();
    const keys: number[] = [];
    const containers: Container[] = [];
    const lows: number[] = [];
    let currentKey = -1;
    const flush = (): void => {
      if (lows.length > 0) {
        keys.push(currentKey);
        containers.push(buildContainer(lows, options.runs ?? true));
        lows.length = 0;
      }
    };
    let prev = -1;
    for (const v of sorted) {
      if (v === prev) continue;
      prev = v;
      const key = Math.floor(v / 65536);
      if (key !== currentKey) {
        flush();
        currentKey = key;
      }
      lows.push(v - key * 65536);
    }
    flush();
    return new RoaringSet(Float64Array.from(keys), containers);
  }

  /** Whether `value` is in the set; `false` for anything that is not a non-negative safe integer. */
  has(value: number): boolean {
    if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER) || value % 1 !== 0) return false;
    const key = Math.floor(value / 65536);
    const keys = this.keys;
    let i = this.lastIndex;
    if (keys[i] !== key) {
      let lo = 0;
      let hi = keys.length - 1;
      i = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const k = keys[mid] ?? 0;
        if (k < key) lo = mid + 1;
        else if (k > key) hi = mid - 1;
        else {
          i = mid;
          break;
        }
      }
      if (i < 0) return false;
      this.lastIndex = i;
    }
    const c = this.containers[i];
    return c !== undefined && containerHas(c, value - key * 65536);
  }

  /** The values in ascending order. */
  *values(): Generator<number> {
    for (let i = 0; i < this.containers.length; i++) {
      const c = this.containers[i];
      if (c === undefined) continue;
      const base = (this.keys[i] ?? 0) * 65536;
      for (const low of containerValues(c)) yield base + low;
    }
  }

  [Symbol.iterator](): Iterator<number> {
    return this.values();
  }

  /** Composite keys and containers, for the encoders. */
  entries(): Array<{ key: number; container: Container }> {
    return this.containers.map((container, i) => ({ key: this.keys[i] ?? 0, container }));
  }
}

/** Reads one 32-bit portable bitmap; pushes its containers with keys `bucket * 2^16 + key16`. */
function readRoaring32(r: ByteReader, bucket: number, keys: number[], containers: Container[]): void {
  const start = r.pos;
  const cookie = r.u32le('cookie');
  let count: number;
  let runFlags: Uint8Array | undefined;
  if (cookie === SERIAL_COOKIE_NO_RUNCONTAINER) {
    count = r.u32le('container count');
    if (count > 65536) throw r.error(`container count ${count} exceeds 65536`, r.pos - 4);
  } else if ((cookie & 0xffff) === SERIAL_COOKIE) {
    count = (cookie >>> 16) + 1;
    runFlags = r.take((count + 7) >>> 3, 'run-container flags');
  } else {
    throw r.error(
      `not a Roaring bitmap: cookie ${cookie} is neither ${SERIAL_COOKIE_NO_RUNCONTAINER} nor ${SERIAL_COOKIE}`,
      start,
    );
  }
  r.need(4 * count, `descriptive header of ${count} containers`);
  const key16 = new Uint16Array(count);
  const cards = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    key16[i] = r.u16le('container key');
    cards[i] = r.u16le('container cardinality') + 1;
    if (i > 0 && (key16[i] ?? 0) <= (key16[i - 1] ?? 0)) {
      throw r.error(`container keys not strictly ascending (${key16[i]} after ${key16[i - 1]})`, at);
    }
  }
  // The offset header is redundant for a sequential read; skipping it keeps one code path.
  if (runFlags === undefined || count >= NO_OFFSET_THRESHOLD) r.take(4 * count, 'offset header');
  for (let i = 0; i < count; i++) {
    const isRun = runFlags !== undefined && (((runFlags[i >>> 3] ?? 0) >>> (i & 7)) & 1) === 1;
    const k = key16[i] ?? 0;
    keys.push(bucket * 65536 + k);
    containers.push(readContainer(r, isRun, cards[i] ?? 0, `${bucket}:${k}`));
  }
}

/** Reads a 64-bit portable bitmap at the cursor. */
export function readRoaring64(r: ByteReader): RoaringSet {
  const countAt = r.pos;
  const buckets = r.u64le('bucket count');
  // Each bucket takes at least 12 bytes (key + an empty bitmap's header); bounds the loop.
  if (buckets * 12 > r.remaining)
    throw r.error(`bucket count ${buckets} does not fit in ${r.remaining} bytes`, countAt);
  const keys: number[] = [];
  const containers: Container[] = [];
  let prev = -1;
  for (let b = 0; b < buckets; b++) {
    const at = r.pos;
    const bucket = r.u32le('bucket key');
    if (bucket <= prev) throw r.error(`bucket keys not strictly ascending (${bucket} after ${prev})`, at);
    if (bucket >= 0x80000000) throw r.error(`bucket key ${bucket} has its most significant bit set`, at);
    if (bucket > MAX_SAFE_BUCKET) {
      throw new DeltaError(
        'UnsupportedFeature',
        `${r.source} at offset ${r.baseOffset + at}: bucket ${bucket} holds row indexes of 2^53 or more, which delta-ts does not support`,
        { context: { source: r.source, offset: r.baseOffset + at } },
      );
    }
    prev = bucket;
    readRoaring32(r, bucket, keys, containers);
  }
  return RoaringSet.fromContainers(keys, containers);
}

function expectEnd(r: ByteReader): void {
  if (r.remaining !== 0) throw r.error(`${r.remaining} unexpected bytes after the bitmap`);
}

/**
 * Decodes a whole 64-bit portable Roaring bitmap (the Delta deletion-vector payload after the magic).
 * @param source names the data in errors; @param baseOffset is added to offsets in errors.
 * @throws DeltaError `CorruptDeletionVector` (bad structure, trailing bytes) or `UnsupportedFeature`
 *   (values of 2^53 or more).
 */
export function decodeRoaring64(bytes: Uint8Array, source = 'roaring bitmap', baseOffset = 0): RoaringSet {
  const r = new ByteReader(bytes, source, baseOffset);
  const set = readRoaring64(r);
  expectEnd(r);
  return set;
}

/** Decodes a whole standard 32-bit Roaring bitmap. */
export function decodeRoaring32(bytes: Uint8Array, source = 'roaring bitmap', baseOffset = 0): RoaringSet {
  const r = new ByteReader(bytes, source, baseOffset);
  const keys: number[] = [];
  const containers: Container[] = [];
  readRoaring32(r, 0, keys, containers);
  expectEnd(r);
  return RoaringSet.fromContainers(keys, containers);
}

function writeRoaring32(w: ByteWriter, entries: ReadonlyArray<{ key: number; container: Container }>): void {
  const start = w.length;
  const size = entries.length;
  const hasRun = entries.some((e) => e.container.kind === 'run');
  if (hasRun) {
    w.u32le((SERIAL_COOKIE | ((size - 1) << 16)) >>> 0);
    const flags = new Uint8Array((size + 7) >>> 3);
    entries.forEach((e, i) => {
      if (e.container.kind === 'run') flags[i >>> 3] = (flags[i >>> 3] ?? 0) | (1 << (i & 7));
    });
    w.bytes(flags);
  } else {
    w.u32le(SERIAL_COOKIE_NO_RUNCONTAINER);
    w.u32le(size);
  }
  for (const e of entries) {
    w.u16le(e.key % 65536);
    w.u16le(e.container.cardinality - 1);
  }
  if (!hasRun || size >= NO_OFFSET_THRESHOLD) {
    // Offsets count from the start of this 32-bit bitmap, not of the enclosing buffer.
    let offset = w.length - start + 4 * size;
    for (const e of entries) {
      w.u32le(offset);
      offset += containerSize(e.container);
    }
  }
  for (const e of entries) writeContainer(w, e.container);
}

/** Serializes `set` as a 64-bit portable Roaring bitmap (what Delta puts after the magic number). */
export function encodeRoaring64(set: RoaringSet): Uint8Array {
  const w = new ByteWriter();
  writeRoaring64(w, set);
  return w.finish();
}

/** Appends `set` as a 64-bit portable Roaring bitmap. */
export function writeRoaring64(w: ByteWriter, set: RoaringSet): void {
  const groups = new Map<number, Array<{ key: number; container: Container }>>();
  for (const e of set.entries()) {
    const bucket = Math.floor(e.key / 65536);
    const group = groups.get(bucket);
    if (group) group.push(e);
    else groups.set(bucket, [e]);
  }
  w.u64le(groups.size);
  for (const [bucket, entries] of groups) {
    w.u32le(bucket);
    writeRoaring32(w, entries);
  }
}

/**
 * Serializes `set` as a standard 32-bit Roaring bitmap.
 * @throws DeltaError `InvalidArgument` when the set holds values of 2^32 or more.
 */
export function encodeRoaring32(set: RoaringSet): Uint8Array {
  const entries = set.entries();
  const last = entries[entries.length - 1];
  if (last !== undefined && last.key >= 65536) {
    throw new DeltaError(
      'InvalidArgument',
      `a 32-bit Roaring bitmap cannot hold ${last.key * 65536} or more`,
    );
  }
  const w = new ByteWriter();
  writeRoaring32(w, entries);
  return w.finish();
}
