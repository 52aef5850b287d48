/**
 * A writer of the Thrift compact protocol, the counterpart of `thrift.ts`, for the page headers and
 * the footer the JavaScript Parquet encoder writes
 * (https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md). Callers
 * write fields in ascending id order, as the protocol's field-id deltas expect; integers are
 * JavaScript numbers, which hold every offset and count a file in memory can have.
 */

import { varintLength, writeVarint } from './bits.js';

const T_BOOL_TRUE = 1;
const T_BOOL_FALSE = 2;
const T_BYTE = 3;
const T_I32 = 5;
const T_I64 = 6;
const T_BINARY = 8;
const T_LIST = 9;
const T_STRUCT = 12;

const utf8 = new TextEncoder();

/** Builds one compact-protocol struct (a page header or a file footer) into a growing buffer. */
export class ThriftWriter {
  private bytes = new Uint8Array(256);
  private at = 0;
  /** The last field id written in each open struct, innermost last. */
  private readonly lastIds: number[] = [0];

  /** Writes an i8 field. */
  i8(id: number, value: number): this {
    this.header(id, T_BYTE);
    this.byte(value & 0xff);
    return this;
  }

  /** Writes an i32 field. */
  i32(id: number, value: number): this {
    this.header(id, T_I32);
    this.varint(zigzag(value));
    return this;
  }

  /** Writes an i64 field (exact for magnitudes below 2^53). */
  i64(id: number, value: number): this {
    this.header(id, T_I64);
    this.varint(zigzag(value));
    return this;
  }

  /** Writes a bool field (the value lives in the field header, as the compact protocol has it). */
  bool(id: number, value: boolean): this {
    this.header(id, value ? T_BOOL_TRUE : T_BOOL_FALSE);
    return this;
  }

  /** Writes a binary field. */
  binary(id: number, value: Uint8Array): this {
    this.header(id, T_BINARY);
    this.blob(value);
    return this;
  }

  /** Writes a string field as UTF-8 binary. */
  string(id: number, value: string): this {
    return this.binary(id, utf8.encode(value));
  }

  /** Writes a struct field whose fields `body` writes (an empty body gives an empty struct). */
  struct(id: number, body: (w: this) => void): this {
    this.header(id, T_STRUCT);
    this.nested(body);
    return this;
  }

  /** Writes a list of structs, one per item, each written by `body`. */
  structList<T>(id: number, items: readonly T[], body: (w: this, item: T) => void): this {
    this.listHeader(id, T_STRUCT, items.length);
    for (const item of items) this.nested((w) => body(w, item));
    return this;
  }

  /** Writes a list of i32. */
  i32List(id: number, values: readonly number[]): this {
    this.listHeader(id, T_I32, values.length);
    for (const v of values) this.varint(zigzag(v));
    return this;
  }

  /** Writes a list of strings. */
  stringList(id: number, values: readonly string[]): this {
    this.listHeader(id, T_BINARY, values.length);
    for (const v of values) this.blob(utf8.encode(v));
    return this;
  }

  /** Ends the top-level struct and returns its bytes; the writer must not be used afterwards. */
  finish(): Uint8Array {
    this.byte(0);
    return this.bytes.subarray(0, this.at);
  }

  private nested(body: (w: this) => void): void {
    this.lastIds.push(0);
    body(this);
    this.byte(0);
    this.lastIds.pop();
  }

  private header(id: number, type: number): void {
    const depth = this.lastIds.length - 1;
    const last = this.lastIds[depth] ?? 0;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.byte((delta << 4) | type);
    else {
      this.byte(type);
      this.varint(zigzag(id));
    }
    this.lastIds[depth] = id;
  }

  private listHeader(id: number, elementType: number, size: number): void {
    this.header(id, T_LIST);
    if (size < 15) this.byte((size << 4) | elementType);
    else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
  }

  private blob(value: Uint8Array): void {
    this.varint(value.length);
    this.reserve(value.length);
    this.bytes.set(value, this.at);
    this.at += value.length;
  }

  private varint(value: number): void {
    this.reserve(varintLength(value));
    this.at = writeVarint(this.bytes, this.at, value);
  }

  private byte(value: number): void {
    this.reserve(1);
    this.bytes[this.at++] = value;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.at + n));
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
  }
}

/** Zigzag encoding of a signed integer (exact below 2^52 in magnitude). */
function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1;
}
