/**
 * The three 16-bit container kinds of a Roaring bitmap (RoaringFormatSpec, "Container storage"):
 * each holds the low 16 bits of the values sharing one 16-bit key.
 *
 * - array: sorted `Uint16Array`, for at most 4096 values;
 * - bitmap: 65536 bits as 2048 little-endian 32-bit words (8 KiB), for dense blocks;
 * - run: `(start, length - 1)` pairs, for clustered values (deleted row ranges are often runs).
 *
 * Decoding validates every invariant the format states (sorted, in range, cardinality as declared)
 * because a deletion vector that silently decodes to the wrong set deletes the wrong rows.
 */
import type { ByteReader, ByteWriter } from './bytes.js';

/** Maximum cardinality of an array container; above it a non-run container is a bitmap. */
export const ARRAY_MAX = 4096;
const BITMAP_WORDS = 2048;
const BITMAP_BYTES = 8192;

/** One container: its kind, payload and cardinality (1‥65536). */
export type Container =
  | { readonly kind: 'array'; readonly values: Uint16Array; readonly cardinality: number }
  | { readonly kind: 'bitmap'; readonly words: Uint32Array; readonly cardinality: number }
  | { readonly kind: 'run'; readonly runs: Uint16Array; readonly cardinality: number };

/** Whether the container holds `low` (0‥65535). */
export function containerHas(c: Container, low: number): boolean {
  switch (c.kind) {
    case 'bitmap':
      return (((c.words[low >>> 5] ?? 0) >>> (low & 31)) & 1) === 1;
    case 'array': {
      const a = c.values;
      let lo = 0;
      let hi = a.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = a[mid] ?? 0;
        if (v < low) lo = mid + 1;
        else if (v > low) hi = mid - 1;
        else return true;
      }
      return false;
    }
    case 'run': {
      const r = c.runs;
      // Find the last run whose start is <= low, then check its end.
      let lo = 0;
      let hi = r.length / 2 - 1;
      let found = -1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        if ((r[mid * 2] ?? 0) <= low) {
          found = mid;
          lo = mid + 1;
        } else hi = mid - 1;
      }
      return found >= 0 && low <= (r[found * 2] ?? 0) + (r[found * 2 + 1] ?? 0);
    }
  }
}

/** The container's values in ascending order. */
export function* containerValues(c: Container): Generator<number> {
  switch (c.kind) {
    case 'array':
      yield* c.values;
      return;
    case 'bitmap':
      for (let w = 0; w < BITMAP_WORDS; w++) {
        let word = c.words[w] ?? 0;
        while (word !== 0) {
          const bit = 31 - Math.clz32(word & -word);
          yield w * 32 + bit;
          word &= word - 1;
        }
      }
      return;
    case 'run':
      for (let i = 0; i < c.runs.length; i += 2) {
        const start = c.runs[i] ?? 0;
        const end = start + (c.runs[i + 1] ?? 0);
        for (let v = start; v <= end; v++) yield v;
      }
      return;
  }
}

function popcount32(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/**
 * Builds the smallest container for `lows` (sorted, distinct, 0‥65535, non-empty), the choice the
 * reference implementations make: a run container when it is strictly smaller (and `allowRuns`),
 * else array up to {@link ARRAY_MAX} values, else bitmap. The array/bitmap split is not a free
 * choice: readers infer the kind of a non-run container from its cardinality.
 */
export function buildContainer(lows: ArrayLike<number>, allowRuns = true): Container {
  const n = lows.length;
  let runCount = 0;
  for (let i = 0; i < n; i++) if (i === 0 || (lows[i] ?? 0) !== (lows[i - 1] ?? 0) + 1) runCount++;
  const plainSize = n <= ARRAY_MAX ? 2 * n : BITMAP_BYTES;
  if (allowRuns && 2 + 4 * runCount < plainSize) {
    const runs = new Uint16Array(runCount * 2);
    let r = -1;
    for (let i = 0; i < n; i++) {
      const v = lows[i] ?? 0;
      if (i === 0 || v !== (lows[i - 1] ?? 0) + 1) {
        r++;
        runs[r * 2] = v;
        runs[r * 2 + 1] = 0;
      } else runs[r * 2 + 1] = (runs[r * 2 + 1] ?? 0) + 1;
    }
    return { kind: 'run', runs, cardinality: n };
  }
  if (n <= ARRAY_MAX) return { kind: 'array', values: Uint16Array.from(lows), cardinality: n };
  const words = new Uint32Array(BITMAP_WORDS);
  for (let i = 0; i < n; i++) {
    const v = lows[i] ?? 0;
    words[v >>> 5] = ((words[v >>> 5] ?? 0) | (1 << (v & 31))) >>> 0;
  }
  return { kind: 'bitmap', words, cardinality: n };
}

/** Bytes the container occupies in the serialized format. */
export function containerSize(c: Container): number {
  switch (c.kind) {
    case 'array':
      return 2 * c.values.length;
    case 'bitmap':
      return BITMAP_BYTES;
    case 'run':
      return 2 + 2 * c.runs.length;
  }
}

/** Appends the container's payload (not its header entry). */
export function writeContainer(w: ByteWriter, c: Container): void {
  switch (c.kind) {
    case 'array':
      for (const v of c.values) w.u16le(v);
      return;
    case 'bitmap':
      for (const word of c.words) w.u32le(word);
      return;
    case 'run':
      w.u16le(c.runs.length / 2);
      for (const v of c.runs) w.u16le(v);
      return;
  }
}

/**
 * Reads one container payload whose kind and cardinality come from the headers, validating it.
 * @throws DeltaError `CorruptDeletionVector` naming the offset of the bad value.
 */
export function readContainer(r: ByteReader, isRun: boolean, cardinality: number, key: string): Container {
  if (isRun) {
    const start = r.pos;
    const count = r.u16le(`run count of container ${key}`);
    r.need(4 * count, `${count} runs of container ${key}`);
    const runs = new Uint16Array(count * 2);
    let total = 0;
    let prevEnd = -1;
    for (let i = 0; i < count; i++) {
      const at = r.pos;
      const s = r.u16le('run start');
      const len = r.u16le('run length');
      if (s <= prevEnd)
        throw r.error(`run ${i} of container ${key} starts at ${s}, inside or before the previous run`, at);
      if (s + len > 0xffff) throw r.error(`run ${i} of container ${key} ends past 65535`, at);
      runs[i * 2] = s;
      runs[i * 2 + 1] = len;
      prevEnd = s + len;
      total += len + 1;
    }
    if (total !== cardinality) {
      throw r.error(`run container ${key} holds ${total} values but its header says ${cardinality}`, start);
    }
    return { kind: 'run', runs, cardinality };
  }
  if (cardinality <= ARRAY_MAX) {
    r.need(2 * cardinality, `array container ${key} of ${cardinality} values`);
    const values = new Uint16Array(cardinality);
    let prev = -1;
    for (let i = 0; i < cardinality; i++) {
      const at = r.pos;
      const v = r.u16le('array value');
      if (v <= prev)
        throw r.error(`array container ${key} is not strictly ascending (${v} after ${prev})`, at);
      values[i] = v;
      prev = v;
    }
    return { kind: 'array', values, cardinality };
  }
  const start = r.pos;
  r.need(BITMAP_BYTES, `bitmap container ${key}`);
  const words = new Uint32Array(BITMAP_WORDS);
  let total = 0;
  for (let i = 0; i < BITMAP_WORDS; i++) {
    const word = r.u32le('bitmap word');
    words[i] = word;
    total += popcount32(word);
  }
  if (total !== cardinality) {
    throw r.error(`bitmap container ${key} holds ${total} values but its header says ${cardinality}`, start);
  }
  return { kind: 'bitmap', words, cardinality };
}
