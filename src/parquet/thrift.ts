/**
 * A reader of the Thrift compact protocol, the encoding of Parquet's footer and page headers
 * (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md). It decodes
 * into a generic shape (a struct is a map from field id to value) and leaves the meaning of the
 * ids to the caller, so one small decoder serves every Parquet structure read in JavaScript.
 */

/** A decoded Thrift value: integers are numbers (Parquet's i64s are offsets and counts). */
export type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;

/** A decoded Thrift struct: field id → value. */
export type ThriftStruct = Map<number, ThriftValue>;

/** The bytes are not a well-formed compact-protocol value. */
export class ThriftError extends Error {}

const T_BOOL_TRUE = 1;
const T_BOOL_FALSE = 2;
const T_BYTE = 3;
const T_I16 = 4;
const T_I32 = 5;
const T_I64 = 6;
const T_DOUBLE = 7;
const T_BINARY = 8;
const T_LIST = 9;
const T_SET = 10;
const T_MAP = 11;
const T_STRUCT = 12;

/** Nesting deeper than this is treated as corrupt input rather than followed. */
const MAX_DEPTH = 64;

/** A cursor over compact-protocol bytes. */
export class ThriftReader {
  /** Offset of the next unread byte. */
  pos: number;

  constructor(
    private readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Reads one struct (up to and including its stop byte). */
  readStruct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new ThriftError('Thrift structs nested too deeply');
    const out: ThriftStruct = new Map();
    let id = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) return out;
      const type = header & 0x0f;
      const delta = header >> 4;
      id = delta === 0 ? zigzag(this.varint()) : id + delta;
      if (type === T_BOOL_TRUE || type === T_BOOL_FALSE) out.set(id, type === T_BOOL_TRUE);
      else out.set(id, this.value(type, depth));
    }
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case T_BYTE: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case T_I16:
      case T_I32:
      case T_I64:
        return zigzag(this.varint());
      case T_DOUBLE: {
        this.need(8);
        const v = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case T_BINARY: {
        const n = this.varint();
        this.need(n);
        const v = this.bytes.subarray(this.pos, this.pos + n);
        this.pos += n;
        return v;
      }
      case T_LIST:
      case T_SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? this.varint() : header >> 4;
        const elem = header & 0x0f;
        const out: ThriftValue[] = [];
        for (let i = 0; i < size; i++)
          out.push(
            elem === T_BOOL_TRUE || elem === T_BOOL_FALSE ? this.byte() === 1 : this.value(elem, depth + 1),
          );
        return out;
      }
      case T_MAP: {
        const size = this.varint();
        const out: ThriftValue[] = [];
        if (size === 0) return out;
        const kinds = this.byte();
        for (let i = 0; i < size; i++)
          out.push([this.value(kinds >> 4, depth + 1), this.value(kinds & 0x0f, depth + 1)]);
        return out;
      }
      case T_STRUCT:
        return this.readStruct(depth + 1);
      default:
        throw new ThriftError(`unknown Thrift type ${type} at byte ${this.pos}`);
    }
  }

  private byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new ThriftError('Thrift data ends early');
    return b;
  }

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) throw new ThriftError('Thrift data ends early');
  }

  /** An unsigned LEB128 varint, exact up to 2^53. */
  private varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new ThriftError('Thrift varint too long');
  }
}

function zigzag(n: number): number {
  // Halving keeps the arithmetic exact beyond 32 bits, where bitwise operators would truncate.
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** Field `id` of `s` as a number, or `fallback`. */
export function num(s: ThriftStruct | undefined, id: number, fallback?: number): number | undefined {
  const v = s?.get(id);
  return typeof v === 'number' ? v : fallback;
}

/** Field `id` of `s` as a struct. */
export function struct(s: ThriftStruct | undefined, id: number): ThriftStruct | undefined {
  const v = s?.get(id);
  return v instanceof Map ? v : undefined;
}

/** Field `id` of `s` as a list. */
export function list(s: ThriftStruct | undefined, id: number): ThriftValue[] {
  const v = s?.get(id);
  return Array.isArray(v) ? v : [];
}

const utf8 = new TextDecoder('utf-8');

/** Field `id` of `s` as a UTF-8 string. */
export function str(s: ThriftStruct | undefined, id: number): string | undefined {
  const v = s?.get(id);
  return v instanceof Uint8Array ? utf8.decode(v) : undefined;
}
