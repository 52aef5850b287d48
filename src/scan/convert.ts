import {
  type Data,
  type DataType as ArrowType,
  type Dictionary,
  type FixedSizeList,
  type List,
  type Map_,
  type Struct,
  DataType,
  makeData,
} from 'apache-arrow';
import { DeltaError, describeError } from '../errors.js';
import type { DataType as DeltaType } from '../protocol/schema.js';
import {
  type Selection,
  type Validity,
  allValid,
  gatherValidity,
  isValid,
  nullData,
  rowAt,
  setNull,
  validAt,
  validityProps,
  withExtraNulls,
} from './arrow-data.js';
import { type ColumnMappingMode, findPhysicalField } from './column-mapping.js';
import { convertLeaf } from './convert-leaf.js';

/**
 * Recursive conversion of one decoded Parquet column to its logical Arrow form: nested struct
 * fields are matched by column mapping and reordered to the table schema (missing ones become
 * null, extra ones are dropped), lists and maps are rebuilt around converted children, and rows are
 * taken through a {@link Selection} so deleted rows disappear in the same pass.
 */

/** What a conversion needs besides the column: how to match names, and what to blame. */
export interface ConvertContext {
  readonly mode: ColumnMappingMode;
  /** The data file, for error messages. */
  readonly file: string;
}

/**
 * Converts `src` (rows chosen by `sel`, `length` of them) to Delta type `target`, whose Arrow type
 * is `out` (from `deltaToArrowType`, passed in so every batch shares the same type objects).
 * `path` is the logical column path for errors: a type that cannot be converted is
 * `InvalidSchema` naming the column and the file.
 */
export function convertColumn(
  src: Data,
  target: DeltaType,
  out: ArrowType,
  sel: Selection,
  length: number,
  path: string,
  ctx: ConvertContext,
): Data {
  if (DataType.isDictionary(src.type)) return convertDictionary(src, target, out, sel, length, path, ctx);
  if (target.type === 'void') return nullData(out, length);
  if (DataType.isNull(src.type)) return nullData(out, length);
  let result: Data | undefined;
  try {
    switch (target.type) {
      case 'struct':
        result = DataType.isStruct(src.type)
          ? convertStruct(src, target, out as Struct, sel, length, path, ctx)
          : undefined;
        break;
      case 'array':
        result = convertList(src, target.elementType, out as List, sel, length, `${path}.element`, ctx);
        break;
      case 'map':
        result = DataType.isMap(src.type)
          ? convertMap(src, target, out as Map_, sel, length, path, ctx)
          : undefined;
        break;
      default:
        result = convertLeaf(src, target, out, sel, length);
    }
  } catch (err) {
    if (err instanceof DeltaError) throw err;
    throw new DeltaError(
      'CorruptData',
      `file ${ctx.file}: cannot convert column ${path}: ${describeError(err)}`,
      {
        cause: err,
        context: { file: ctx.file, field: path },
      },
    );
  }
  if (result === undefined)
    throw new DeltaError(
      'InvalidSchema',
      `file ${ctx.file}: column ${path} is stored as ${String(src.type)}, which cannot be read as the table type ${describeDelta(target)}`,
      { context: { file: ctx.file, field: path } },
    );
  return result;
}

function convertStruct(
  src: Data,
  target: Extract<DeltaType, { type: 'struct' }>,
  out: Struct,
  sel: Selection,
  length: number,
  path: string,
  ctx: ConvertContext,
): Data {
  const srcFields = (src.type as Struct).children;
  const children = target.fields.map((field, k) => {
    const outField = out.children[k];
    if (outField === undefined) throw new TypeError(`arrow type of ${path} lacks field ${field.name}`);
    const index = findPhysicalField(srcFields, field, ctx.mode);
    const child = index < 0 ? undefined : src.children[index];
    const childPath = `${path}.${field.name}`;
    if (child === undefined) return nullData(outField.type, length);
    return convertColumn(child, field.type, outField.type, sel, length, childPath, ctx);
  });
  return makeData({ type: out, length, ...validityProps(gatherValidity(src, sel, length)), children });
}

/** Start and end offsets of each source list, whatever the list layout. */
function listRanges(src: Data): ((j: number) => [number, number]) | undefined {
  if (DataType.isList(src.type) || DataType.isLargeList(src.type) || DataType.isMap(src.type)) {
    const offsets = src.valueOffsets as ArrayLike<number | bigint>;
    return (j) => [Number(offsets[j] ?? 0), Number(offsets[j + 1] ?? 0)];
  }
  if (DataType.isFixedSizeList(src.type)) {
    const size = (src.type as FixedSizeList).listSize;
    // Fixed-size list children are not shifted by slicing; account for the parent offset.
    return (j) => [(src.offset + j) * size, (src.offset + j + 1) * size];
  }
  return undefined;
}

/** New offsets for the selected lists and the child rows they cover, in order. */
function selectLists(
  src: Data,
  ranges: (j: number) => [number, number],
  sel: Selection,
  length: number,
  validity: Validity,
): { offsets: Int32Array; childSel: Selection; childLength: number } {
  const offsets = new Int32Array(length + 1);
  let total = 0;
  // Common case: the selected lists cover child rows 0..total in order, so the child needs no selection.
  let contiguous = true;
  let expectedStart = 0;
  for (let i = 0; i < length; i++) {
    const j = rowAt(sel, i);
    const [start, end] = ranges(j);
    if (validAt(validity, i)) {
      total += end - start;
      if (start !== expectedStart) contiguous = false;
      expectedStart = end;
    } else if (end !== start) contiguous = false;
    offsets[i + 1] = total;
  }
  if (contiguous) return { offsets, childSel: null, childLength: total };
  const childSel = new Int32Array(total);
  let at = 0;
  for (let i = 0; i < length; i++) {
    if (!validAt(validity, i)) continue;
    const [start, end] = ranges(rowAt(sel, i));
    for (let c = start; c < end; c++) childSel[at++] = c;
  }
  return { offsets, childSel, childLength: total };
}

function convertList(
  src: Data,
  element: DeltaType,
  out: List,
  sel: Selection,
  length: number,
  path: string,
  ctx: ConvertContext,
): Data | undefined {
  const ranges = listRanges(src);
  const child = src.children[0];
  const outElement = out.children[0];
  if (ranges === undefined || child === undefined || outElement === undefined || DataType.isMap(src.type))
    return undefined;
  const validity = gatherValidity(src, sel, length);
  const { offsets, childSel, childLength } = selectLists(src, ranges, sel, length, validity);
  const converted = convertColumn(child, element, outElement.type, childSel, childLength, path, ctx);
  return makeData({ type: out, length, ...validityProps(validity), valueOffsets: offsets, child: converted });
}

function convertMap(
  src: Data,
  target: Extract<DeltaType, { type: 'map' }>,
  out: Map_,
  sel: Selection,
  length: number,
  path: string,
  ctx: ConvertContext,
): Data | undefined {
  const ranges = listRanges(src);
  const entries = src.children[0];
  const outEntries = out.children[0]?.type as Struct | undefined;
  const keys = entries?.children[0];
  const values = entries?.children[1];
  const outKey = outEntries?.children[0];
  const outValue = outEntries?.children[1];
  if (!ranges || !outEntries || !keys || !values || !outKey || !outValue) return undefined;
  const validity = gatherValidity(src, sel, length);
  const { offsets, childSel, childLength } = selectLists(src, ranges, sel, length, validity);
  const children = [
    convertColumn(keys, target.keyType, outKey.type, childSel, childLength, `${path}.key`, ctx),
    convertColumn(values, target.valueType, outValue.type, childSel, childLength, `${path}.value`, ctx),
  ];
  const child = makeData({ type: outEntries, length: childLength, nullCount: 0, children });
  return makeData({ type: out, length, ...validityProps(validity), valueOffsets: offsets, child });
}

/**
 * Dictionary-encoded columns are decoded by selecting dictionary entries through the indices, then
 * re-applying the nulls of the index column.
 */
function convertDictionary(
  src: Data,
  target: DeltaType,
  out: ArrowType,
  sel: Selection,
  length: number,
  path: string,
  ctx: ConvertContext,
): Data {
  const dictionary = src.dictionary?.data;
  const dict = dictionary?.length === 1 ? dictionary[0] : undefined;
  if (dict === undefined)
    throw new DeltaError(
      'NotImplemented',
      `file ${ctx.file}: column ${path} uses a dictionary of ${dictionary?.length ?? 0} chunks (${String((src.type as Dictionary).dictionary)})`,
      { context: { file: ctx.file, field: path } },
    );
  const indices = src.values as ArrayLike<number | bigint>;
  const nulls = allValid(length);
  const dictSel = new Int32Array(length);
  for (let i = 0; i < length; i++) {
    const j = rowAt(sel, i);
    if (isValid(src, j)) dictSel[i] = Number(indices[j] ?? 0);
    else setNull(nulls, i);
  }
  if (dict.length === 0) return nullData(out, length);
  return withExtraNulls(convertColumn(dict, target, out, dictSel, length, path, ctx), nulls);
}

function describeDelta(type: DeltaType): string {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${describeDelta(type.elementType)}>`;
    case 'map':
      return `map<${describeDelta(type.keyType)},${describeDelta(type.valueType)}>`;
    default:
      return type.type;
  }
}
