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
  Schema,
  TimeUnit,
  Timestamp,
  Utf8,
} from 'apache-arrow';
import type { LiteFile, LiteNode } from './lite-meta.js';
import { type ThriftStruct, num, struct } from './thrift.js';

/**
 * Which Parquet files the JavaScript column decoder (`flat.ts`) reads, and as which Arrow types.
 * The types are the ones the WebAssembly decoder (arrow-rs) gives the same columns without an
 * embedded Arrow schema, so that the scan's conversion to the table's types sees the same input
 * whichever decoder ran. Files with any other column (nested, INT96, unsigned, time, intervals)
 * are left to the WebAssembly decoder.
 */

/** How the values of a leaf are stored in the file. */
export type PhysicalKind = 'bool' | 'w32' | 'w64' | 'bytes' | 'flba';

/** The in-memory form of decoded values: 32-bit words per value, bytes, or bits. */
export type OutputKind = 'bool' | 'i8' | 'i16' | 'w32' | 'w64' | 'dec128' | 'bytes';

/** Typed-array classes the decoded values of a leaf end up in (apache-arrow's for its type). */
export type ValuesArray =
  | 'Int8Array'
  | 'Int16Array'
  | 'Int32Array'
  | 'Float32Array'
  | 'Float64Array'
  | 'BigInt64Array'
  | 'Uint32Array'
  | 'Uint8Array';

/**
 * How to decode one primitive column: plain data, so that it can be sent to a worker thread
 * along with the column's bytes.
 */
export interface LeafSpec {
  readonly name: string;
  /** Whether the column is optional (has definition levels). */
  readonly optional: boolean;
  readonly physical: PhysicalKind;
  /** Bytes per value of a FIXED_LEN_BYTE_ARRAY column. */
  readonly typeLength: number;
  readonly output: OutputKind;
  /** The typed array of the Arrow values buffer (fixed-width outputs). */
  readonly values: ValuesArray;
}

/** One top-level primitive column the JavaScript decoder reads: its spec and Arrow field. */
export interface FlatLeaf extends LeafSpec {
  readonly field: Field;
}

/** A file every column of which is a {@link FlatLeaf}. */
export interface FlatLayout {
  readonly schema: Schema;
  readonly leaves: readonly FlatLeaf[];
}

/** The layout of `file` for the JavaScript decoder, or the reason it cannot read it. */
export function flatLayout(file: LiteFile): FlatLayout | string {
  const leaves: FlatLeaf[] = [];
  for (const column of file.columns) {
    const leaf = flatLeaf(column);
    if (typeof leaf === 'string') return leaf;
    leaves.push(leaf);
  }
  return { schema: new Schema(leaves.map((l) => l.field)), leaves };
}

function flatLeaf(node: LiteNode): FlatLeaf | string {
  if (node.kind !== 'leaf' || node.repetition === 2) return `column ${node.name} is not a flat primitive`;
  const el = node.element;
  const mapped = arrowType(node.physical, el);
  if (mapped === undefined) return `column ${node.name}: type not read by the JavaScript decoder`;
  const [type, output] = mapped;
  const id = num(el, 9);
  const metadata = new Map<string, string>(id === undefined ? [] : [['PARQUET:field_id', String(id)]]);
  const physical: PhysicalKind | undefined = PHYSICAL[node.physical];
  if (physical === undefined) return `column ${node.name}: physical type ${node.physical}`;
  return {
    name: node.name,
    field: new Field(node.name, type, node.repetition === 1, metadata),
    optional: node.repetition === 1,
    physical,
    typeLength: num(el, 2) ?? 0,
    output,
    values: (type.ArrayType as { name: string }).name as ValuesArray,
  };
}

const PHYSICAL: Record<number, PhysicalKind> = {
  0: 'bool',
  1: 'w32',
  2: 'w64',
  4: 'w32',
  5: 'w64',
  6: 'bytes',
  7: 'flba',
};

/** Logical type union ids of `LogicalType` in parquet.thrift. */
const L_STRING = 1;
const L_ENUM = 4;
const L_DECIMAL = 5;
const L_DATE = 6;
const L_TIMESTAMP = 8;
const L_INTEGER = 10;
const L_JSON = 12;

/** Legacy `ConvertedType` values. */
const C_UTF8 = 0;
const C_ENUM = 4;
const C_DECIMAL = 5;
const C_DATE = 6;
const C_TS_MILLIS = 9;
const C_TS_MICROS = 10;
const C_INT_8 = 15;
const C_INT_16 = 16;
const C_INT_32 = 17;
const C_INT_64 = 18;
const C_JSON = 19;

/** The Arrow type of a primitive leaf and how its values are held, or undefined. */
function arrowType(physical: number, el: ThriftStruct): [DataType, OutputKind] | undefined {
  const logical = struct(el, 10);
  const lid = logical === undefined ? undefined : [...logical.keys()][0];
  const converted = num(el, 6);
  const decimal = decimalOf(el, lid, logical, converted);
  switch (physical) {
    case 0:
      return lid === undefined && converted === undefined ? [new Bool(), 'bool'] : undefined;
    case 1:
      if (decimal !== undefined) return decimal.precision <= 9 ? [decimal, 'dec128'] : undefined;
      if (lid === L_DATE || (lid === undefined && converted === C_DATE)) return [new DateDay(), 'w32'];
      return intType(lid, logical, converted, 32);
    case 2:
      if (decimal !== undefined) return decimal.precision <= 18 ? [decimal, 'dec128'] : undefined;
      if (lid === L_TIMESTAMP) return timestampType(struct(logical, L_TIMESTAMP));
      if (lid === undefined && (converted === C_TS_MILLIS || converted === C_TS_MICROS))
        return [
          new Timestamp(converted === C_TS_MILLIS ? TimeUnit.MILLISECOND : TimeUnit.MICROSECOND, 'UTC'),
          'w64',
        ];
      return intType(lid, logical, converted, 64);
    case 4:
      return lid === undefined && converted === undefined ? [new Float32(), 'w32'] : undefined;
    case 5:
      return lid === undefined && converted === undefined ? [new Float64(), 'w64'] : undefined;
    case 6: {
      const text =
        lid === L_STRING ||
        lid === L_ENUM ||
        lid === L_JSON ||
        (lid === undefined && (converted === C_UTF8 || converted === C_ENUM || converted === C_JSON));
      if (text) return [new Utf8(), 'bytes'];
      return lid === undefined && converted === undefined ? [new Binary(), 'bytes'] : undefined;
    }
    case 7: {
      const length = num(el, 2) ?? 0;
      // Decimal128 holds 16 bytes; wider stored values could still fit, but are left to wasm.
      return decimal !== undefined && length >= 1 && length <= 16 && decimal.precision <= 38
        ? [decimal, 'dec128']
        : undefined;
    }
    default:
      return undefined;
  }
}

function decimalOf(
  el: ThriftStruct,
  lid: number | undefined,
  logical: ThriftStruct | undefined,
  converted: number | undefined,
): Decimal | undefined {
  if (lid === L_DECIMAL) {
    const d = struct(logical, L_DECIMAL);
    const precision = num(d, 2);
    return precision === undefined || precision < 1 ? undefined : new Decimal(num(d, 1) ?? 0, precision, 128);
  }
  if (lid !== undefined || converted !== C_DECIMAL) return undefined;
  const precision = num(el, 8);
  return precision === undefined || precision < 1 ? undefined : new Decimal(num(el, 7) ?? 0, precision, 128);
}

function intType(
  lid: number | undefined,
  logical: ThriftStruct | undefined,
  converted: number | undefined,
  physicalBits: 32 | 64,
): [DataType, OutputKind] | undefined {
  let bits: number = physicalBits;
  if (lid === L_INTEGER) {
    const int = struct(logical, L_INTEGER);
    if (int?.get(2) !== true) return undefined; // unsigned: the wasm decoder widens it
    bits = num(int, 1) ?? physicalBits;
  } else if (lid !== undefined) return undefined;
  else if (converted !== undefined) {
    const byConverted: Record<number, number> = {
      [C_INT_8]: 8,
      [C_INT_16]: 16,
      [C_INT_32]: 32,
      [C_INT_64]: 64,
    };
    const b = byConverted[converted];
    if (b === undefined) return undefined;
    bits = b;
  }
  if (physicalBits === 64) return bits === 64 ? [new Int64(), 'w64'] : undefined;
  if (bits === 8) return [new Int8(), 'i8'];
  if (bits === 16) return [new Int16(), 'i16'];
  return bits === 32 ? [new Int32(), 'w32'] : undefined;
}

function timestampType(ts: ThriftStruct | undefined): [DataType, OutputKind] | undefined {
  const unit = struct(ts, 2);
  const id = unit === undefined ? undefined : [...unit.keys()][0];
  const arrowUnit =
    id === 1
      ? TimeUnit.MILLISECOND
      : id === 2
        ? TimeUnit.MICROSECOND
        : id === 3
          ? TimeUnit.NANOSECOND
          : undefined;
  if (arrowUnit === undefined) return undefined;
  return [new Timestamp(arrowUnit, ts?.get(1) === true ? 'UTC' : null), 'w64'];
}
