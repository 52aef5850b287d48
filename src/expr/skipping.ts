import type { DataType, StructType } from '../protocol/schema.js';
import {
  type ColumnExpr,
  type ComparisonOp,
  type Expr,
  flipOp,
  type LiteralExpr,
  testOrdering,
  type ValueExpr,
} from './ast.js';
import { type ColumnKnowledge, partitionConstant, statBound } from './bounds.js';
import { compareInDomain, comparisonDomain, type Domain, type DomainValue, toDomain } from './domain.js';
import { startsWithBytes } from './numbers.js';
import type { FileStats } from './stats.js';

export type { FileStats } from './stats.js';
export { parseFileStats } from './stats.js';

/**
 * Data skipping: deciding from partition values and per-file statistics alone whether a file can
 * hold a row that satisfies a predicate.
 *
 * The analysis computes, for every sub-expression, the set of truth values (true, false, null)
 * it can take on some row of the file — an over-approximation, combined through AND/OR/NOT with
 * three-valued logic. The file is read unless `true` is impossible. Every uncertainty (missing
 * statistics, truncated strings, millisecond timestamps, NaN) widens the set, so the answer is
 * only ever "maybe" too often, never "no" wrongly.
 */

const T = 1;
const F = 2;
const N = 4;
const ALL = T | F | N;

/** The inputs of {@link mayMatchFile}: typed partition values and parsed statistics. */
export interface SkippingFile {
  readonly partitionValues: Readonly<Record<string, unknown>>;
  readonly stats?: FileStats | undefined;
}

/**
 * Whether the file may contain a row satisfying `expr`. Returns `false` only when no row can:
 * partition values (keyed by logical column name, typed as `parsePartitionValue` returns them)
 * are exact; statistics are treated as bounds.
 */
export function mayMatchFile(expr: Expr, file: SkippingFile, schema: StructType): boolean {
  if (file.stats?.numRecords === 0) return false;
  const ctx: Context = { file, schema, cache: new Map() };
  return (outcomes(expr, ctx) & T) !== 0;
}

interface Context {
  readonly file: SkippingFile;
  readonly schema: StructType;
  readonly cache: Map<string, ColumnKnowledge>;
}

function outcomes(expr: Expr, ctx: Context): number {
  switch (expr.kind) {
    case 'and': {
      const a = outcomes(expr.left, ctx);
      const b = outcomes(expr.right, ctx);
      let out = 0;
      if (a & T && b & T) out |= T;
      if (a & F || b & F) out |= F;
      if ((a & N && b & (T | N)) || (b & N && a & (T | N))) out |= N;
      return out;
    }
    case 'or': {
      const a = outcomes(expr.left, ctx);
      const b = outcomes(expr.right, ctx);
      let out = 0;
      if (a & T || b & T) out |= T;
      if (a & F && b & F) out |= F;
      if ((a & N && b & (F | N)) || (b & N && a & (F | N))) out |= N;
      return out;
    }
    case 'not': {
      const a = outcomes(expr.operand, ctx);
      return (a & N) | (a & T ? F : 0) | (a & F ? T : 0);
    }
    case 'isNull': {
      const { nullPossible, nonNullPossible } = nullness(expr.operand, ctx);
      const isNull = (nullPossible ? T : 0) | (nonNullPossible ? F : 0);
      return expr.negated ? (isNull & T ? F : 0) | (isNull & F ? T : 0) : isNull;
    }
    case 'compare':
      return compareOutcomes(expr.op, expr.left, expr.right, ctx);
    case 'in': {
      let out = F;
      for (const item of expr.list) {
        const eq = compareOutcomes('=', expr.operand, item, ctx);
        let next = 0;
        if (out & T || eq & T) next |= T;
        if (out & F && eq & F) next |= F;
        if ((out & N && eq & (F | N)) || (eq & N && out & (F | N))) next |= N;
        out = next;
      }
      return expr.negated ? (out & N) | (out & T ? F : 0) | (out & F ? T : 0) : out;
    }
    case 'column':
    case 'literal':
      if (expr.type.type !== 'boolean') return ALL;
      return compareOutcomes('=', expr, { kind: 'literal', type: { type: 'boolean' }, value: true }, ctx);
  }
}

function nullness(operand: ValueExpr, ctx: Context): { nullPossible: boolean; nonNullPossible: boolean } {
  if (operand.kind === 'literal')
    return { nullPossible: operand.value === null, nonNullPossible: operand.value !== null };
  const k = knowledge(operand, ctx);
  if (k.kind === 'constant') return { nullPossible: k.value === null, nonNullPossible: k.value !== null };
  return { nullPossible: k.nullPossible, nonNullPossible: k.nonNullPossible };
}

function compareOutcomes(op: ComparisonOp, left: ValueExpr, right: ValueExpr, ctx: Context): number {
  const domain = comparisonDomain(left.type, right.type);
  if (domain === undefined) return ALL;
  if (domain.kind === 'null') return N;
  if (left.kind === 'literal' && right.kind === 'column')
    return compareOutcomes(flipOp(op), right, left, ctx);
  if (left.kind === 'literal' && right.kind === 'literal') return exact(op, domain, left, right);
  if (left.kind !== 'column') return ALL;
  const k = knowledge(left, ctx);
  if (right.kind === 'column') {
    const other = knowledge(right, ctx);
    if (k.kind === 'constant' && other.kind === 'constant')
      return exact(
        op,
        domain,
        { kind: 'literal', type: left.type, value: k.value },
        { kind: 'literal', type: right.type, value: other.value },
      );
    return ALL;
  }
  const c = toDomain(right.value, right.type, domain);
  if (c === undefined) return ALL;
  if (c === null) return N;
  if (k.kind === 'constant')
    return exact(op, domain, { kind: 'literal', type: left.type, value: k.value }, right);
  let out = k.nullPossible ? N : 0;
  if (!k.nonNullPossible) return out;
  if (domain.kind === 'number' && typeof c === 'number' && Number.isNaN(c)) return out | T | F;
  const range = {
    lower: k.lower === undefined ? undefined : (toDomain(k.lower, left.type, domain) ?? undefined),
    upper: k.upper === undefined ? undefined : (toDomain(k.upper, left.type, domain) ?? undefined),
    upperIsPrefix: k.upperIsPrefix,
  };
  if (exists(op, c, range, domain)) out |= T;
  if (exists(negate(op), c, range, domain)) out |= F;
  if (k.nanPossible && domain.kind === 'number') out |= op === '>' || op === '>=' || op === '!=' ? T : F;
  return out;
}

function exact(op: ComparisonOp, domain: Domain, left: LiteralExpr, right: LiteralExpr): number {
  const a = toDomain(left.value, left.type, domain);
  const b = toDomain(right.value, right.type, domain);
  if (a === undefined || b === undefined) return ALL;
  if (a === null || b === null) return N;
  return testOrdering(op, compareInDomain(domain, a, b)) ? T : F;
}

interface Range {
  readonly lower: DomainValue | undefined;
  readonly upper: DomainValue | undefined;
  readonly upperIsPrefix: boolean;
}

/** Whether some value `v` allowed by `range` has `v op c`. */
function exists(op: ComparisonOp, c: DomainValue, range: Range, domain: Domain): boolean {
  const { lower, upper, upperIsPrefix } = range;
  const cmp = (a: DomainValue, b: DomainValue): number => compareInDomain(domain, a, b);
  const prefixOf = (bound: DomainValue): boolean =>
    upperIsPrefix && bound instanceof Uint8Array && c instanceof Uint8Array && startsWithBytes(c, bound);
  const someAtLeast = upper === undefined || cmp(upper, c) >= 0 || prefixOf(upper);
  const someAbove = upper === undefined || cmp(upper, c) > 0 || prefixOf(upper);
  switch (op) {
    case '=':
      return (lower === undefined || cmp(lower, c) <= 0) && someAtLeast;
    case '!=':
      return !(
        lower !== undefined &&
        upper !== undefined &&
        !upperIsPrefix &&
        cmp(lower, c) === 0 &&
        cmp(upper, c) === 0
      );
    case '<':
      return lower === undefined || cmp(lower, c) < 0;
    case '<=':
      return lower === undefined || cmp(lower, c) <= 0;
    case '>':
      return someAbove;
    case '>=':
      return someAtLeast;
  }
}

function negate(op: ComparisonOp): ComparisonOp {
  switch (op) {
    case '=':
      return '!=';
    case '!=':
      return '=';
    case '<':
      return '>=';
    case '<=':
      return '>';
    case '>':
      return '<=';
    case '>=':
      return '<';
  }
}

function knowledge(column: ColumnExpr, ctx: Context): ColumnKnowledge {
  const key = JSON.stringify(column.path);
  let k = ctx.cache.get(key);
  if (k === undefined) {
    k = computeKnowledge(column.path, column.type, ctx);
    ctx.cache.set(key, k);
  }
  return k;
}

const UNKNOWN: ColumnKnowledge = {
  kind: 'range',
  lower: undefined,
  upper: undefined,
  upperIsPrefix: false,
  nanPossible: true,
  nullPossible: true,
  nonNullPossible: true,
};

function computeKnowledge(path: readonly string[], type: DataType, ctx: Context): ColumnKnowledge {
  const { partitionValues, stats } = ctx.file;
  if (path.length === 1) {
    const name = path[0] ?? '';
    const key =
      name in partitionValues
        ? name
        : Object.keys(partitionValues).find((k) => k.toLowerCase() === name.toLowerCase());
    if (key !== undefined) {
      const value = partitionConstant(partitionValues[key], type);
      return value === undefined ? UNKNOWN : { kind: 'constant', value };
    }
  }
  if (stats === undefined) return UNKNOWN;
  const nullCount = numberAt(stats.nullCount, path);
  const numRecords = stats.numRecords;
  const nullPossible = nullCount === undefined || nullCount > 0;
  const nonNullPossible = nullCount === undefined || numRecords === undefined || nullCount < numRecords;
  const isFloat = type.type === 'float' || type.type === 'double';
  return {
    kind: 'range',
    lower: statBound(valueAt(stats.minValues, path), type, 'lower'),
    upper: statBound(valueAt(stats.maxValues, path), type, 'upper'),
    upperIsPrefix: type.type === 'string' || type.type === 'binary',
    nanPossible: isFloat,
    nullPossible,
    nonNullPossible,
  };
}

function valueAt(section: Record<string, unknown> | undefined, path: readonly string[]): unknown {
  let node: unknown = section;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function numberAt(section: Record<string, unknown> | undefined, path: readonly string[]): number | undefined {
  const v = valueAt(section, path);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
