import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { decodeHybrid, isOneRun } from './bits.js';
import type { LeafSpec } from './flat-schema.js';
import { snappyDecompress } from './snappy.js';
import { ThriftReader, num, struct } from './thrift.js';

/**
 * The pages of one column chunk of a flat column, decoded one at a time into the form the batch
 * builder of `flat-column.ts` copies from: definition levels, and the page's values either as
 * 32-bit words (a fixed number per value), as byte strings (offsets into a byte buffer) or as
 * booleans, with dictionary indices when the page is dictionary-encoded. A page is decoded when the
 * reader reaches it, so a chunk never sits in memory decompressed as a whole.
 */

/** The chunk breaks the format; the caller reports it as corrupt data naming file and column. */
export class PageError extends Error {}

/** Values of a page (or of the dictionary) in decoded form. */
export type PageValues =
  | { readonly kind: 'words'; readonly words: Int32Array; readonly per: number; readonly count: number }
  | {
      readonly kind: 'bytes';
      readonly data: Uint8Array;
      /** Value `i` is `data[starts[i]..ends[i])`. */
      readonly starts: Int32Array;
      readonly ends: Int32Array;
      readonly count: number;
    }
  | { readonly kind: 'bits'; readonly bits: Uint8Array; readonly count: number };

/** One data page, ready to be copied out slot by slot. */
export interface DecodedPage {
  /** Slots (rows of a flat column) in the page. */
  readonly slots: number;
  /** Definition level per slot (1 = value present), or undefined when every slot has a value. */
  readonly defs: Uint8Array | undefined;
  /** The present values, or the dictionary they index. */
  readonly values: PageValues;
  /** Dictionary indices of the present values, for a dictionary-encoded page. */
  readonly indices: Uint32Array | undefined;
}

/** Codecs decompressed here: uncompressed, Snappy, gzip and Brotli (zstd and LZ4 are not). */
export const FLAT_CODECS: ReadonlySet<number> = new Set([0, 1, 2, 4]);

/** Encodings read here: PLAIN, PLAIN_DICTIONARY, RLE, BIT_PACKED (levels only), RLE_DICTIONARY. */
export const FLAT_ENCODINGS: ReadonlySet<number> = new Set([0, 2, 3, 4, 8]);

/**
 * The definition levels of a flat optional column, or `undefined` when every slot has a value.
 * Writers encode a page without nulls as a single RLE run of 1s; recognising it skips decoding
 * and counting a level per value and lets the batch builder copy values in bulk.
 */
function decodeDefs(data: Uint8Array, at: number, end: number, slots: number): Uint8Array | undefined {
  if (isOneRun(data, at, end, slots, 1)) return undefined;
  const defs = new Uint8Array(slots);
  decodeHybrid(data, at, end, 1, defs, 0, slots);
  return defs;
}

/** Sequential reader of the pages of one column chunk. */
export class PageReader {
  private readonly thrift: ThriftReader;
  private dictionary: PageValues | undefined;
  /**
   * Buffers reused from data page to data page: a page's decoded form is done with before the
   * next page is read (its values are copied into batches), so one buffer per column serves all
   * pages, and the scan no longer makes the collector free a megabyte per page. Dictionary pages,
   * which outlive the pages that follow them, always get their own.
   */
  private pageScratch: Uint8Array | undefined;
  private indexScratch: Uint32Array | undefined;

  /** `bytes` hold the chunk from its first page; `codec` is its compression codec. */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly codec: number,
    private readonly leaf: LeafSpec,
  ) {
    this.thrift = new ThriftReader(bytes, 0);
  }

  /** The next data page; throws {@link PageError} when the chunk ends first. */
  next(): DecodedPage {
    for (;;) {
      if (this.thrift.pos >= this.bytes.length) throw new PageError('column chunk ends before its values');
      const header = this.thrift.readStruct();
      const type = num(header, 1);
      const uncompressed = num(header, 2) ?? 0;
      const compressed = num(header, 3) ?? 0;
      const start = this.thrift.pos;
      if (start + compressed > this.bytes.length) throw new PageError('page runs past the column chunk');
      const body = this.bytes.subarray(start, start + compressed);
      this.thrift.pos = start + compressed;
      if (type === 2) {
        const h = struct(header, 7);
        const encoding = num(h, 2) ?? 0;
        if (encoding !== 0 && encoding !== 2) throw new PageError(`dictionary page encoding ${encoding}`);
        const data = decompressPage(body, this.codec, uncompressed);
        this.dictionary = plainValues(data, 0, num(h, 1) ?? 0, this.leaf);
        continue;
      }
      if (type === 0) return this.pageV1(header, body, uncompressed);
      if (type === 3) return this.pageV2(header, body, uncompressed);
      // Index pages and page types from later format versions carry no values of this column.
    }
  }

  private pageV1(header: Map<number, unknown>, body: Uint8Array, uncompressed: number): DecodedPage {
    const h = struct(header as never, 5);
    const slots = num(h, 1) ?? 0;
    const data = this.decompress(body, uncompressed);
    let at = 0;
    let defs: Uint8Array | undefined;
    if (this.leaf.optional) {
      const encoding = num(h, 3) ?? 3;
      if (encoding !== 3) throw new PageError(`definition level encoding ${encoding}`);
      if (data.length < 4) throw new PageError('definition levels end early');
      const len = new DataView(data.buffer, data.byteOffset, 4).getUint32(0, true);
      defs = decodeDefs(data, 4, 4 + len, slots);
      at = 4 + len;
    }
    return this.values(data, at, slots, defs, num(h, 2) ?? 0);
  }

  private pageV2(header: Map<number, unknown>, body: Uint8Array, uncompressed: number): DecodedPage {
    const h = struct(header as never, 8);
    const slots = num(h, 1) ?? 0;
    const defLen = num(h, 5) ?? 0;
    const repLen = num(h, 6) ?? 0;
    if (repLen !== 0) throw new PageError('repetition levels in a flat column');
    let defs: Uint8Array | undefined;
    if (this.leaf.optional) defs = decodeDefs(body, 0, defLen, slots);
    const rest = body.subarray(defLen);
    const data = h?.get(7) === false ? rest : this.decompress(rest, uncompressed - defLen);
    return this.values(data, 0, slots, defs, num(h, 4) ?? 0);
  }

  private values(
    data: Uint8Array,
    at: number,
    slots: number,
    defs: Uint8Array | undefined,
    encoding: number,
  ): DecodedPage {
    let present = slots;
    if (defs !== undefined) {
      present = 0;
      for (let i = 0; i < slots; i++) present += defs[i] ?? 0;
    }
    if (encoding === 0)
      return { slots, defs, values: plainValues(data, at, present, this.leaf), indices: undefined };
    if (encoding === 2 || encoding === 8) {
      const dictionary = this.dictionary;
      if (dictionary === undefined) throw new PageError('dictionary-encoded page without a dictionary page');
      if (this.indexScratch === undefined || this.indexScratch.length < present)
        this.indexScratch = new Uint32Array(Math.max(present, 1024));
      const indices = this.indexScratch.subarray(0, present);
      if (present > 0) {
        if (at >= data.length) throw new PageError('dictionary indices missing');
        const width = data[at] ?? 0;
        decodeHybrid(data, at + 1, data.length, width, indices, 0, present);
        // Indices of this width cannot exceed a dictionary at least 2^width long; else check them.
        if (dictionary.count < 2 ** width) {
          let max = 0;
          for (let i = 0; i < present; i++) {
            const x = indices[i] ?? 0;
            if (x > max) max = x;
          }
          if (max >= dictionary.count)
            throw new PageError(`dictionary index ${max} beyond the ${dictionary.count} dictionary values`);
        }
      }
      return { slots, defs, values: dictionary, indices };
    }
    if (encoding === 3 && this.leaf.physical === 'bool') {
      if (at + 4 > data.length) throw new PageError('RLE booleans end early');
      const len = new DataView(data.buffer, data.byteOffset + at, 4).getUint32(0, true);
      const bits = new Uint8Array(present);
      decodeHybrid(data, at + 4, at + 4 + len, 1, bits, 0, present);
      return { slots, defs, values: { kind: 'bits', bits, count: present }, indices: undefined };
    }
    throw new PageError(`value encoding ${encoding}`);
  }

  /** A data page's body, decompressed into the reused buffer where the codec allows. */
  private decompress(body: Uint8Array, uncompressed: number): Uint8Array {
    if (this.codec !== 1) return decompressPage(body, this.codec, uncompressed);
    if (this.pageScratch === undefined || this.pageScratch.length < uncompressed)
      this.pageScratch = new Uint8Array(uncompressed);
    return snappyDecompress(body, uncompressed, this.pageScratch);
  }
}

/**
 * The bytes of a page body compressed with Parquet codec `codec` (uncompressed, Snappy, gzip or
 * Brotli), checked against the stated size; a plain `Uint8Array` view even where zlib returns a
 * Node `Buffer` (whose `slice` would not copy). Shared with the checkpoint reader (`lite-column.ts`).
 */
export function decompressPage(body: Uint8Array, codec: number, uncompressed: number): Uint8Array {
  let out: Uint8Array;
  switch (codec) {
    case 0:
      return body;
    case 1:
      return snappyDecompress(body, uncompressed);
    case 2:
      out = gunzipSync(body);
      break;
    case 4:
      out = brotliDecompressSync(body);
      break;
    default:
      throw new PageError(`compression codec ${codec}`);
  }
  if (out.length !== uncompressed)
    throw new PageError(`page decompressed to ${out.length} bytes where ${uncompressed} were stated`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** `count` PLAIN values of `leaf` at `data[at..]`, in the decoded form of {@link PageValues}. */
export function plainValues(data: Uint8Array, at: number, count: number, leaf: LeafSpec): PageValues {
  switch (leaf.physical) {
    case 'bool': {
      need(data, at, (count + 7) >> 3);
      const bits = new Uint8Array(count);
      for (let i = 0; i < count; i++) bits[i] = ((data[at + (i >> 3)] ?? 0) >> (i & 7)) & 1;
      return { kind: 'bits', bits, count };
    }
    case 'w32':
    case 'w64': {
      const per = leaf.physical === 'w32' ? 1 : 2;
      need(data, at, 4 * per * count);
      const words = alignedWords(data, at, per * count);
      return leaf.output === 'dec128'
        ? widenDecimal(words, per, count)
        : { kind: 'words', words, per, count };
    }
    case 'flba':
      return fixedDecimal(data, at, count, leaf.typeLength);
    case 'bytes': {
      const starts = new Int32Array(count);
      const ends = new Int32Array(count);
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      let pos = at;
      for (let i = 0; i < count; i++) {
        if (pos + 4 > data.length) throw new PageError('PLAIN byte arrays end early');
        const len = view.getUint32(pos, true);
        pos += 4;
        starts[i] = pos;
        pos += len;
        ends[i] = pos;
      }
      if (pos > data.length) throw new PageError('PLAIN byte arrays end early');
      return { kind: 'bytes', data, starts, ends, count };
    }
  }
}

function need(data: Uint8Array, at: number, bytes: number): void {
  if (at + bytes > data.length) throw new PageError('PLAIN values end early');
}

/** `n` little-endian 32-bit words at `data[at..]`, as a view when aligned, else copied out. */
function alignedWords(data: Uint8Array, at: number, n: number): Int32Array {
  const offset = data.byteOffset + at;
  if (offset % 4 === 0) return new Int32Array(data.buffer, offset, n);
  // Copied explicitly: `slice` of a Node Buffer is a view, not a copy.
  const words = new Int32Array(n);
  new Uint8Array(words.buffer).set(data.subarray(at, at + 4 * n));
  return words;
}

/** 32- or 64-bit unscaled decimals as 128-bit two's complement (four little-endian words each). */
function widenDecimal(words: Int32Array, per: number, count: number): PageValues {
  const out = new Int32Array(4 * count);
  for (let i = 0; i < count; i++) {
    const lo = words[i * per] ?? 0;
    const hi = per === 2 ? (words[i * per + 1] ?? 0) : lo < 0 ? -1 : 0;
    const sign = hi < 0 ? -1 : 0;
    out[4 * i] = lo;
    out[4 * i + 1] = hi;
    out[4 * i + 2] = sign;
    out[4 * i + 3] = sign;
  }
  return { kind: 'words', words: out, per: 4, count };
}

/** Big-endian FIXED_LEN_BYTE_ARRAY decimals as 128-bit little-endian two's complement. */
function fixedDecimal(data: Uint8Array, at: number, count: number, length: number): PageValues {
  need(data, at, length * count);
  const out = new Int32Array(4 * count);
  const bytes = new Uint8Array(out.buffer);
  for (let i = 0; i < count; i++) {
    const src = at + i * length;
    const dst = 16 * i;
    for (let k = 0; k < length; k++) bytes[dst + k] = data[src + length - 1 - k] ?? 0;
    if (((data[src] ?? 0) & 0x80) !== 0) bytes.fill(0xff, dst + length, dst + 16);
  }
  return { kind: 'words', words: out, per: 4, count };
}
