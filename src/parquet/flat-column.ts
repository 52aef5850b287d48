import { setBitRange } from './bits.js';
import type { ColumnBuffers } from './ffi.js';
import { type DecodedPage, PageError, PageReader } from './flat-pages.js';
import type { LeafSpec } from './flat-schema.js';

/**
 * Cutting the pages of one flat column chunk into batches of Arrow buffers ({@link ColumnBuffers},
 * the same plain-data form the WebAssembly path produces, so both become record batches the same
 * way). A batch copies each value exactly once, from the page (or its dictionary) into the batch's
 * buffers; runs of PLAIN values without nulls are one native copy.
 */

/** Reads consecutive rows of one column chunk. */
export class ColumnCursor {
  private readonly pages: PageReader;
  private page: DecodedPage | undefined;
  /** Next slot of {@link page} to copy, and next of its present values. */
  private slot = 0;
  private value = 0;
  /** Milliseconds spent in {@link take} so far (for balancing columns between threads). */
  elapsed = 0;
  /** Value bytes per row of the last batch: the first guess at the next one's size. */
  private bytesPerRow = 8;

  constructor(
    chunk: Uint8Array,
    codec: number,
    private readonly leaf: LeafSpec,
  ) {
    this.pages = new PageReader(chunk, codec, leaf);
  }

  /** The next `n` rows as Arrow buffers of the leaf's type. */
  take(n: number): ColumnBuffers {
    const started = performance.now();
    const out = new BatchBuilder(this.leaf, n, this.bytesPerRow);
    let row = 0;
    while (row < n) {
      let page = this.page;
      if (page === undefined || this.slot >= page.slots) {
        page = this.pages.next();
        this.page = page;
        this.slot = 0;
        this.value = 0;
        continue;
      }
      const k = Math.min(n - row, page.slots - this.slot);
      this.value = out.copy(page, this.slot, this.value, k, row);
      this.slot += k;
      row += k;
    }
    const result = out.finish();
    if (this.leaf.output === 'bytes' && n > 0)
      this.bytesPerRow = Math.ceil((result.values?.byteLength ?? 0) / n) + 1;
    this.elapsed += performance.now() - started;
    return result;
  }
}

/** The buffers of one batch being filled. */
class BatchBuilder {
  private readonly per: number;
  private readonly words: Int32Array | undefined;
  private readonly bits: Uint8Array | undefined;
  private readonly offsets: Int32Array | undefined;
  private data: Uint8Array;
  private dataLength = 0;
  private readonly validity: Uint8Array | undefined;
  private nullCount = 0;

  constructor(
    private readonly leaf: LeafSpec,
    private readonly length: number,
    bytesPerRow: number,
  ) {
    const output = leaf.output;
    this.per = output === 'w64' ? 2 : output === 'dec128' ? 4 : 1;
    this.words = output === 'bytes' || output === 'bool' ? undefined : new Int32Array(this.per * length);
    this.bits = output === 'bool' ? new Uint8Array(length) : undefined;
    this.offsets = output === 'bytes' ? new Int32Array(length + 1) : undefined;
    this.data = new Uint8Array(output === 'bytes' ? Math.max(64, length * bytesPerRow) : 0);
    this.validity = leaf.optional ? new Uint8Array((length + 7) >> 3) : undefined;
  }

  /**
   * Copies slots `slot..slot+k` of `page`, whose first present value is number `value`, to rows
   * `row..row+k`; returns the number of the next present value.
   */
  copy(page: DecodedPage, slot: number, value: number, k: number, row: number): number {
    const { defs, indices, values } = page;
    if (defs === undefined) {
      const available = indices === undefined ? values.count : indices.length;
      if (value + k > available) throw new PageError('the page has fewer values than its rows');
      if (values.kind === 'words' && this.words !== undefined && values.per === this.per) {
        if (indices === undefined)
          this.words.set(values.words.subarray(value * this.per, (value + k) * this.per), row * this.per);
        else gatherWords(values.words, indices, value, this.words, row, k, this.per);
        this.markValid(row, k);
        return value + k;
      }
      if (values.kind === 'bytes') {
        this.copyBytes(values, indices, value, k, row);
        return value + k;
      }
    }
    let v = value;
    const available = indices === undefined ? values.count : indices.length;
    for (let i = 0; i < k; i++) {
      const r = row + i;
      if (defs !== undefined && defs[slot + i] !== 1) {
        this.nullCount++;
        if (this.offsets !== undefined) this.offsets[r + 1] = this.dataLength;
        continue;
      }
      if (v >= available) throw new PageError('the page has fewer values than its levels');
      const at = indices === undefined ? v : (indices[v] ?? 0);
      v++;
      this.put(values, at, r);
    }
    return v;
  }

  private put(values: DecodedPage['values'], at: number, r: number): void {
    if (this.validity !== undefined) this.validity[r >> 3] = (this.validity[r >> 3] ?? 0) | (1 << (r & 7));
    switch (values.kind) {
      case 'words': {
        const words = this.words;
        if (words === undefined || values.per !== this.per) throw new PageError('value width mismatch');
        const per = this.per;
        for (let w = 0; w < per; w++) words[r * per + w] = values.words[at * per + w] ?? 0;
        return;
      }
      case 'bits':
        if (this.bits === undefined) throw new PageError('boolean values in a non-boolean column');
        this.bits[r] = values.bits[at] ?? 0;
        return;
      case 'bytes': {
        const offsets = this.offsets;
        if (offsets === undefined) throw new PageError('byte arrays in a fixed-width column');
        const start = values.starts[at] ?? 0;
        const len = (values.ends[at] ?? 0) - start;
        if (this.dataLength + len > this.data.length) this.grow(this.dataLength + len);
        const out = this.data;
        const src = values.data;
        let d = this.dataLength;
        if (len < 32) for (let b = 0; b < len; b++) out[d++] = src[start + b] ?? 0;
        else {
          out.set(src.subarray(start, start + len), d);
          d += len;
        }
        this.dataLength = d;
        offsets[r + 1] = d;
        return;
      }
    }
  }

  /**
   * Byte strings of rows `row..row+k`, none null. Values are copied four bytes at a time (twice as
   * fast as byte by byte on short strings; a native copy per value costs more still), possibly
   * writing up to three bytes past a value, which the next value or the final length cuts off.
   */
  private copyBytes(
    values: Extract<DecodedPage['values'], { kind: 'bytes' }>,
    indices: Uint32Array | undefined,
    value: number,
    k: number,
    row: number,
  ): void {
    const offsets = this.offsets;
    if (offsets === undefined) throw new PageError('byte arrays in a fixed-width column');
    const { starts, ends, data: src } = values;
    const sv = new DataView(src.buffer, src.byteOffset, src.byteLength);
    let out = this.data;
    let ov = new DataView(out.buffer, out.byteOffset, out.byteLength);
    let d = this.dataLength;
    for (let i = 0; i < k; i++) {
      const at = indices === undefined ? value + i : (indices[value + i] ?? 0);
      const from = starts[at] ?? 0;
      const len = (ends[at] ?? 0) - from;
      const padded = (len + 3) & ~3;
      if (d + padded > out.length) {
        this.dataLength = d;
        this.grow(d + padded);
        out = this.data;
        ov = new DataView(out.buffer, out.byteOffset, out.byteLength);
      }
      if (len > 64) out.set(src.subarray(from, from + len), d);
      else if (from + padded <= src.length)
        for (let o = 0; o < len; o += 4) ov.setUint32(d + o, sv.getUint32(from + o, true), true);
      else for (let o = 0; o < len; o++) out[d + o] = src[from + o] ?? 0;
      d += len;
      offsets[row + i + 1] = d;
    }
    this.dataLength = d;
  }

  private markValid(row: number, k: number): void {
    if (this.validity !== undefined) setBitRange(this.validity, row, k);
  }

  private grow(min: number): void {
    const next = new Uint8Array(Math.max(min, this.data.length * 2));
    next.set(this.data.subarray(0, this.dataLength));
    this.data = next;
  }

  finish(): ColumnBuffers {
    const { length, nullCount } = this;
    const base = {
      length,
      nullCount,
      ...(this.validity !== undefined && nullCount > 0 ? { nullBitmap: this.validity } : {}),
      children: [],
    };
    if (this.offsets !== undefined) {
      // Most batches fill their estimate closely; a copy only pays where it would free much memory.
      const data =
        this.dataLength * 4 >= this.data.length * 3
          ? this.data.subarray(0, this.dataLength)
          : this.data.slice(0, this.dataLength);
      return { ...base, valueOffsets: this.offsets, values: data };
    }
    if (this.bits !== undefined) {
      const packed = new Uint8Array((length + 7) >> 3);
      for (let i = 0; i < length; i++)
        if (this.bits[i] === 1) packed[i >> 3] = (packed[i >> 3] ?? 0) | (1 << (i & 7));
      return { ...base, values: packed };
    }
    const words = this.words ?? new Int32Array(0);
    const buffer = words.buffer as ArrayBuffer;
    switch (this.leaf.values) {
      case 'Int8Array':
        return { ...base, values: Int8Array.from(words) };
      case 'Int16Array':
        return { ...base, values: Int16Array.from(words) };
      case 'Float32Array':
        return { ...base, values: new Float32Array(buffer, 0, words.length) };
      case 'Float64Array':
        return { ...base, values: new Float64Array(buffer, 0, words.length / 2) };
      case 'BigInt64Array':
        return { ...base, values: new BigInt64Array(buffer, 0, words.length / 2) };
      case 'Uint32Array':
        return { ...base, values: new Uint32Array(buffer, 0, words.length) };
      default:
        return { ...base, values: words };
    }
  }
}

/** `out[row..row+k)` (of `per` words each) = `dict[indices[value..value+k)]`. */
function gatherWords(
  dict: Int32Array,
  indices: Uint32Array,
  value: number,
  out: Int32Array,
  row: number,
  k: number,
  per: number,
): void {
  if (per === 1) {
    for (let i = 0; i < k; i++) out[row + i] = dict[indices[value + i] ?? 0] ?? 0;
    return;
  }
  if (per === 2) {
    for (let i = 0; i < k; i++) {
      const at = 2 * (indices[value + i] ?? 0);
      const to = 2 * (row + i);
      out[to] = dict[at] ?? 0;
      out[to + 1] = dict[at + 1] ?? 0;
    }
    return;
  }
  for (let i = 0; i < k; i++) {
    const at = per * (indices[value + i] ?? 0);
    const to = per * (row + i);
    for (let w = 0; w < per; w++) out[to + w] = dict[at + w] ?? 0;
  }
}
