import { ThriftReader, type ThriftStruct, list, num, str, struct } from './thrift.js';

/**
 * The Parquet footer (https://github.com/apache/parquet-format, `FileMetaData`) as the JavaScript
 * decoder of `lite.ts` needs it: the schema as a tree with definition and repetition levels, and
 * where each column chunk lives. Anything the decoder cannot read exactly is marked here
 * ({@link LiteNode.unsupported}) so that a read of it is handed to the WebAssembly decoder instead.
 */

/** The file uses something the JavaScript decoder does not read; the caller falls back. */
export class LiteUnsupported extends Error {}

/** Leaf value kinds the JavaScript decoder converts. */
export type LeafKind = 'bool' | 'int32' | 'int64' | 'float' | 'double' | 'string';

/** One schema node with its levels (PROTOCOL of Parquet: Dremel definition/repetition levels). */
export interface LiteNode {
  readonly name: string;
  /** 0 required, 1 optional, 2 repeated. */
  readonly repetition: number;
  /** Structs are objects, lists arrays, maps records (3-level layouts only). */
  readonly kind: 'struct' | 'list' | 'map' | 'leaf';
  /** Definition level at which this node is present (not null). */
  readonly defLevel: number;
  /** Repetition level of the innermost repeated node at or above this one. */
  readonly repLevel: number;
  readonly children: readonly LiteNode[];
  /** Physical type (leaves). */
  readonly physical: number;
  /** How leaf values convert, when supported. */
  readonly leaf: LeafKind | undefined;
  /** Why this node (or a node under it) cannot be read here. */
  readonly unsupported: string | undefined;
  /** Names from the top-level column down to this node. */
  readonly path: readonly string[];
  /** The raw `SchemaElement` (type length, annotations, field id) for readers that map types. */
  readonly element: ThriftStruct;
}

/** Where one column chunk of a row group lives. */
export interface LiteChunk {
  readonly path: readonly string[];
  readonly codec: number;
  readonly numValues: number;
  /** Byte offset of the first page (dictionary page when there is one). */
  readonly start: number;
  readonly compressedSize: number;
  /** Bytes of its pages once decompressed (headers included), as the footer states. */
  readonly uncompressedSize: number;
  /** Encodings the chunk's pages use, as the footer lists them (undefined when it does not). */
  readonly encodings: readonly number[] | undefined;
}

/** The parts of the footer the decoder uses. */
export interface LiteFile {
  /** Top-level columns. */
  readonly columns: readonly LiteNode[];
  readonly rowGroups: ReadonlyArray<{ readonly numRows: number; readonly chunks: readonly LiteChunk[] }>;
}

const utf8 = new TextDecoder('utf-8');

const MAGIC = 0x31524150; // "PAR1" read as a little-endian u32

/** Parses the footer of `bytes`, a whole Parquet file. Throws on anything malformed. */
export function readLiteFooter(bytes: Uint8Array): LiteFile {
  const n = bytes.length;
  if (n < 12) throw new LiteUnsupported('too short for a Parquet file');
  const view = new DataView(bytes.buffer, bytes.byteOffset, n);
  if (view.getUint32(0, true) !== MAGIC)
    throw new LiteUnsupported('no PAR1 magic (encrypted or not Parquet)');
  const len = footerLength(bytes.subarray(n - 8), n);
  return parseLiteFooter(bytes.subarray(n - 8 - len, n - 8));
}

/**
 * The length of the footer metadata, from the last 8 bytes of a file of `size` bytes (a reader of
 * ranges fetches those first, then exactly the footer).
 */
export function footerLength(tail: Uint8Array, size: number): number {
  if (tail.length !== 8 || size < 12) throw new LiteUnsupported('too short for a Parquet file');
  const view = new DataView(tail.buffer, tail.byteOffset, 8);
  if (view.getUint32(4, true) !== MAGIC)
    throw new LiteUnsupported('no PAR1 magic (encrypted or not Parquet)');
  const len = view.getUint32(0, true);
  if (len > size - 12) throw new LiteUnsupported('footer length out of range');
  return len;
}

/** Parses the Thrift `FileMetaData` in `footer` (the bytes {@link footerLength} measured). */
export function parseLiteFooter(footer: Uint8Array): LiteFile {
  const meta = new ThriftReader(footer).readStruct();
  const elements = list(meta, 2).filter((e): e is ThriftStruct => e instanceof Map);
  const root = elements[0];
  if (root === undefined) throw new LiteUnsupported('footer without a schema');
  let at = 1;
  const build = (parentDef: number, parentRep: number, path: readonly string[]): LiteNode => {
    const el = elements[at++];
    if (el === undefined) throw new LiteUnsupported('schema ends early');
    return node(el, parentDef, parentRep, path, (d, r, p) => build(d, r, p));
  };
  const columns: LiteNode[] = [];
  for (let k = 0; k < (num(root, 5) ?? 0); k++) columns.push(build(0, 0, []));
  const rowGroups = list(meta, 4).map((rg) => {
    const g = rg instanceof Map ? rg : new Map<number, never>();
    const chunks = list(g, 1).map((c): LiteChunk => {
      const cc = c instanceof Map ? c : undefined;
      if (cc !== undefined && str(cc, 1) !== undefined)
        throw new LiteUnsupported('column chunk in another file');
      const md = struct(cc, 3);
      if (md === undefined) throw new LiteUnsupported('column chunk without metadata');
      const data = num(md, 9) ?? 0;
      const dict = num(md, 11);
      const start = dict !== undefined && dict > 0 && dict < data ? dict : data;
      return {
        path: list(md, 3).map((p) => (p instanceof Uint8Array ? utf8.decode(p) : '')),
        codec: num(md, 4) ?? 0,
        numValues: num(md, 5) ?? 0,
        start,
        compressedSize: num(md, 7) ?? 0,
        uncompressedSize: num(md, 6) ?? 0,
        encodings: md.has(2) ? list(md, 2).map((e) => (typeof e === 'number' ? e : -1)) : undefined,
      };
    });
    return { numRows: num(g, 3) ?? 0, chunks };
  });
  return { columns, rowGroups };
}

type Build = (def: number, rep: number, path: readonly string[]) => LiteNode;

function node(
  el: ThriftStruct,
  parentDef: number,
  parentRep: number,
  parentPath: readonly string[],
  build: Build,
): LiteNode {
  const name = str(el, 4) ?? '';
  const repetition = num(el, 3) ?? 0;
  const defLevel = parentDef + (repetition === 0 ? 0 : 1);
  const repLevel = parentRep + (repetition === 2 ? 1 : 0);
  const path = [...parentPath, name];
  const nChildren = num(el, 5);
  const converted = num(el, 6);
  const logical = struct(el, 10);
  if (nChildren === undefined) {
    const physical = num(el, 1) ?? -1;
    const leaf = leafKind(physical, converted, logical);
    const unsupported =
      leaf === undefined ? `column ${path.join('.')}: physical type ${physical} / annotation` : undefined;
    const repeated = repetition === 2 ? `repeated primitive ${path.join('.')} outside a list` : undefined;
    return {
      name,
      repetition,
      kind: 'leaf',
      defLevel,
      repLevel,
      children: [],
      physical,
      leaf,
      unsupported: repeated ?? unsupported,
      path,
      element: el,
    };
  }
  const children: LiteNode[] = [];
  for (let k = 0; k < nChildren; k++) children.push(build(defLevel, repLevel, path));
  // A repeated group is the entry of a list or map (old writers annotate it MAP_KEY_VALUE).
  const isMap = repetition !== 2 && (converted === 1 || converted === 2 || logical?.has(2) === true);
  const isList = repetition !== 2 && (converted === 3 || logical?.has(3) === true);
  const kind = isMap ? 'map' : isList ? 'list' : 'struct';
  let unsupported = children.find((c) => c.unsupported !== undefined)?.unsupported;
  const inner = children[0];
  if (repetition === 2) unsupported ??= `repeated group ${path.join('.')} outside a list or map`;
  if (kind !== 'struct') {
    // Only the standard 3-level layouts; the legacy 2-level forms name their repeated node.
    const ok =
      children.length === 1 &&
      inner !== undefined &&
      inner.repetition === 2 &&
      inner.kind === 'struct' &&
      (kind === 'map'
        ? inner.children.length === 2 && inner.children[0]?.repetition === 0
        : inner.children.length === 1 && inner.name !== 'array' && inner.name !== `${name}_tuple`);
    if (!ok) unsupported = `non-standard ${kind} layout of ${path.join('.')}`;
    // The repeated group itself is not "outside a list": forget what it said about itself.
    else if (unsupported?.startsWith('repeated group'))
      unsupported = inner.children.find((c) => c.unsupported)?.unsupported;
  }
  return {
    name,
    repetition,
    kind,
    defLevel,
    repLevel,
    children,
    physical: -1,
    leaf: undefined,
    unsupported,
    path,
    element: el,
  };
}

/** How a primitive converts, or undefined when only the WebAssembly decoder reads it exactly. */
function leafKind(
  physical: number,
  converted: number | undefined,
  logical: ThriftStruct | undefined,
): LeafKind | undefined {
  const logicalId = logical === undefined ? undefined : [...logical.keys()][0];
  switch (physical) {
    case 0:
      return converted === undefined && logicalId === undefined ? 'bool' : undefined;
    case 1:
    case 2: {
      const plain = converted === undefined && logicalId === undefined;
      const signedInt =
        (converted === undefined || (converted >= 15 && converted <= 18)) &&
        (logicalId === undefined || (logicalId === 10 && struct(logical, 10)?.get(2) === true));
      if (!plain && !signedInt) return undefined;
      return physical === 1 ? 'int32' : 'int64';
    }
    case 4:
      return converted === undefined && logicalId === undefined ? 'float' : undefined;
    case 5:
      return converted === undefined && logicalId === undefined ? 'double' : undefined;
    case 6:
      return (converted === 0 && (logicalId === undefined || logicalId === 1)) ||
        (converted === undefined && logicalId === 1)
        ? 'string'
        : undefined;
    default:
      return undefined;
  }
}
