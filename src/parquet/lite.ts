import { type LeafColumn, readLeafColumn } from './lite-column.js';
import { type LiteNode, LiteUnsupported, readLiteFooter } from './lite-meta.js';

export { LiteUnsupported } from './lite-meta.js';

/**
 * A Parquet reader in plain JavaScript for small files of nested protocol data (Delta checkpoints
 * and sidecars): it decodes straight into JavaScript values, so a checkpointed snapshot load never
 * compiles, instantiates or warms up the WebAssembly decoder, which took several times longer than
 * the rest of the load. It reads the common subset (PLAIN and dictionary encodings, v1 and v2
 * pages, uncompressed, Snappy or gzip, 3-level lists and maps, strings and signed integers,
 * booleans, floats) and throws {@link LiteUnsupported} for anything else, before producing any
 * value, so the caller can read the file with {@link openParquetFile} instead.
 *
 * Values take the shape the Arrow path of `log/arrow-actions.ts` gives them: structs are objects
 * without their null fields, maps are records (null values kept), lists arrays, 64-bit integers
 * numbers (decimal strings beyond 2^53), a null top-level value is `null`.
 */

/** Top-level columns of a file read by {@link readParquetValues}: name → one value per row. */
export interface ParquetValues {
  readonly numRows: number;
  /** The requested columns present in the file, in file order. */
  readonly columns: ReadonlyArray<readonly [string, unknown[]]>;
}

/**
 * Reads the top-level `columns` (those present in the file) of the whole Parquet file `bytes`.
 *
 * @throws LiteUnsupported when the file uses anything outside the supported subset, or is not
 *   well-formed (the WebAssembly decoder then reads it or reports the corruption precisely).
 */
export function readParquetValues(bytes: Uint8Array, columns: readonly string[]): ParquetValues {
  let file;
  try {
    file = readLiteFooter(bytes);
  } catch (err) {
    throw asUnsupported(err);
  }
  const wanted = new Set(columns);
  const tops = file.columns.filter((c) => wanted.has(c.name));
  for (const top of tops) if (top.unsupported !== undefined) throw new LiteUnsupported(top.unsupported);
  const rows: Array<Record<string, unknown>> = [];
  try {
    for (const group of file.rowGroups) {
      const base = rows.length;
      for (let r = 0; r < group.numRows; r++) rows.push({});
      const chunks = new Map(group.chunks.map((c) => [c.path.join('\u0000'), c]));
      for (const top of tops)
        for (const leaf of leaves(top)) {
          const chunk = chunks.get(leaf.path.join('\u0000'));
          if (chunk === undefined) throw new LiteUnsupported(`no column chunk for ${leaf.path.join('.')}`);
          assemble(rows, base, group.numRows, readLeafColumn(bytes, chunk, leaf), steps(top, leaf));
        }
    }
  } catch (err) {
    throw asUnsupported(err);
  }
  return {
    numRows: rows.length,
    columns: tops.map((top) => {
      const fin = finisher(top);
      const values = new Array<unknown>(rows.length);
      for (let i = 0; i < rows.length; i++) values[i] = fin(rows[i]?.[top.name]);
      return [top.name, values] as const;
    }),
  };
}

function asUnsupported(err: unknown): LiteUnsupported {
  return err instanceof LiteUnsupported
    ? err
    : new LiteUnsupported(err instanceof Error ? err.message : String(err));
}

function leaves(node: LiteNode): LiteNode[] {
  return node.kind === 'leaf' ? [node] : node.children.flatMap(leaves);
}

/**
 * One node on the way from a row down to a leaf: where it is stored in its container (a field of
 * an object, or the current element of a list or map), and when it is there at all.
 */
interface Step {
  /** Field name in the parent object; unused for elements. */
  readonly name: string;
  /** For elements: index into the per-leaf element counters; -1 for object fields. */
  readonly slot: number;
  /** For elements: the repetition level of the repeated node. */
  readonly repLevel: number;
  /** For elements: definition level at which the list has this entry at all. */
  readonly entryDef: number;
  /** Definition level at which the value is not null. */
  readonly defLevel: number;
  /** What the node holds when present: another container, or the leaf value. */
  readonly holds: 'object' | 'array' | 'leaf';
}

function holds(node: LiteNode): Step['holds'] {
  return node.kind === 'leaf' ? 'leaf' : node.kind === 'struct' ? 'object' : 'array';
}

/** The steps from the row object down to `leaf` under the top-level column `top`. */
function steps(top: LiteNode, leaf: LiteNode): Step[] {
  const out: Step[] = [];
  let slot = 0;
  let node = top;
  out.push({ name: top.name, slot: -1, repLevel: 0, entryDef: 0, defLevel: top.defLevel, holds: holds(top) });
  for (let depth = 1; depth < leaf.path.length; depth++) {
    const name = leaf.path[depth];
    const child = node.children.find((c) => c.name === name);
    if (child === undefined) throw new LiteUnsupported(`schema path ${leaf.path.join('.')}`);
    if (child.repetition === 2) {
      // The repeated entry of a list or map: for a list the element below it is what is stored.
      const element = node.kind === 'list' ? child.children[0] : child;
      if (element === undefined) throw new LiteUnsupported(`empty list ${child.path.join('.')}`);
      out.push({
        name: '',
        slot: slot++,
        repLevel: child.repLevel,
        entryDef: child.defLevel,
        defLevel: element.defLevel,
        holds: holds(element),
      });
      if (node.kind === 'list') depth++;
      node = element;
    } else {
      out.push({
        name: child.name,
        slot: -1,
        repLevel: 0,
        entryDef: 0,
        defLevel: child.defLevel,
        holds: holds(child),
      });
      node = child;
    }
  }
  return out;
}

type Container = Record<string, unknown> | unknown[];

/** Writes the values of one leaf column into the row objects `rows[base..base+numRows)`. */
function assemble(
  rows: Array<Record<string, unknown>>,
  base: number,
  numRows: number,
  col: LeafColumn,
  path: Step[],
): void {
  const counters = new Int32Array(path.length);
  const elementSteps = path.filter((s) => s.slot >= 0);
  const maxDef = path[path.length - 1]?.defLevel ?? 0;
  if (elementSteps.length === 0 && col.reps === undefined) {
    assembleFlat(rows, base, numRows, col, path, maxDef);
    return;
  }
  // Indexed loops throughout: this runs once per checkpoint read, mostly before V8 has optimised
  // it, and the interpreter runs for-of (the iterator protocol) several times slower.
  const topDef = path[0]?.defLevel ?? 0;
  const reps = col.reps;
  const defs = col.defs;
  let row = base - 1;
  let v = 0;
  for (let i = 0; i < col.count; i++) {
    const r = reps === undefined ? 0 : (reps[i] ?? 0);
    const d = defs === undefined ? maxDef : (defs[i] ?? 0);
    if (r === 0) {
      row++;
      if (row >= base + numRows) throw new LiteUnsupported('column has more rows than its row group');
      // A null top-level value (most rows of metaData, protocol and friends): nothing to place.
      if (d < topDef) continue;
    }
    for (let e = 0; e < elementSteps.length; e++) {
      const s = elementSteps[e];
      if (s === undefined) continue;
      if (s.repLevel > r) counters[s.slot] = 0;
      else if (s.repLevel === r) counters[s.slot] = (counters[s.slot] ?? 0) + 1;
    }
    let c: Container = rows[row] ?? {};
    for (let k = 0; k < path.length; k++) {
      const s = path[k];
      if (s === undefined) break;
      const key: string | number = s.slot < 0 ? s.name : (counters[s.slot] ?? 0);
      if (s.slot >= 0 && d < s.entryDef) break; // an empty (or null) list: no element here
      const into = c as Record<string | number, unknown>;
      if (d < s.defLevel) {
        // A null object field is left out; a null element keeps its place in the list.
        if (s.slot >= 0 && into[key] === undefined) into[key] = null;
        break;
      }
      if (s.holds === 'leaf') {
        into[key] = col.values[v++];
        break;
      }
      let next = into[key];
      if (next === undefined || next === null) {
        next = s.holds === 'array' ? [] : {};
        into[key] = next;
      }
      c = next as Container;
    }
  }
  if (v !== col.values.length) throw new LiteUnsupported('levels and values of a column disagree');
  if (row !== base + numRows - 1) throw new LiteUnsupported('column has fewer rows than its row group');
}

/**
 * {@link assemble} for a leaf with no list or map above it (most checkpoint columns): one slot per
 * row, every container an object.
 */
function assembleFlat(
  rows: Array<Record<string, unknown>>,
  base: number,
  numRows: number,
  col: LeafColumn,
  path: Step[],
  maxDef: number,
): void {
  if (col.count !== numRows) throw new LiteUnsupported('column has another row count than its row group');
  const { defs, values } = col;
  const last = path.length - 1;
  let v = 0;
  for (let i = 0; i < numRows; i++) {
    const d = defs === undefined ? maxDef : (defs[i] ?? 0);
    let c = rows[base + i] ?? {};
    for (let k = 0; k <= last; k++) {
      const s = path[k];
      if (s === undefined || d < s.defLevel) break;
      if (k === last) {
        c[s.name] = values[v++];
        break;
      }
      let next = c[s.name];
      if (next === undefined || next === null) {
        next = {};
        c[s.name] = next;
      }
      c = next as Record<string, unknown>;
    }
  }
  if (v !== values.length) throw new LiteUnsupported('levels and values of a column disagree');
}

/**
 * A function that turns the assembled value of `node` into its final shape: map entries (`{key,
 * value}` objects) into records, recursively. Built once per column rather than deciding per row
 * which children need work: this runs on every row of a checkpoint, mostly before V8 optimises it.
 */
function finisher(node: LiteNode): (value: unknown) => unknown {
  switch (node.kind) {
    case 'leaf':
      return (value) => value ?? null;
    case 'struct': {
      const nested = node.children
        .filter((c) => c.kind !== 'leaf')
        .map((c) => [c.name, finisher(c)] as const);
      if (nested.length === 0) return (value) => value ?? null;
      return (value) => {
        if (value === undefined || value === null) return null;
        const obj = value as Record<string, unknown>;
        for (let k = 0; k < nested.length; k++) {
          const entry = nested[k];
          if (entry === undefined) continue;
          const [name, fin] = entry;
          if (obj[name] !== undefined) obj[name] = fin(obj[name]);
        }
        return obj;
      };
    }
    case 'list': {
      const element = node.children[0]?.children[0];
      const fin = element === undefined || element.kind === 'leaf' ? undefined : finisher(element);
      return (value) => {
        if (value === undefined || value === null) return null;
        const arr = value as unknown[];
        if (fin !== undefined) for (let k = 0; k < arr.length; k++) arr[k] = fin(arr[k]);
        return arr;
      };
    }
    case 'map': {
      const valueNode = node.children[0]?.children[1];
      const fin = valueNode === undefined ? undefined : finisher(valueNode);
      return (value) => {
        if (value === undefined || value === null) return null;
        const entries = value as Array<Record<string, unknown>>;
        const record: Record<string, unknown> = {};
        for (let k = 0; k < entries.length; k++) {
          const entry = entries[k];
          if (entry === undefined) continue;
          const v = entry['value'];
          record[String(entry['key'])] = fin === undefined ? (v ?? null) : fin(v);
        }
        return record;
      };
    }
  }
}
