import type { RecordBatch } from 'apache-arrow';
import { DeltaError } from '../errors.js';
import {
  type ComparisonOp,
  type Expr,
  flipOp,
  type InExpr,
  type LiteralExpr,
  type ValueExpr,
} from './ast.js';
import { locateColumn } from './arrow-data.js';
import { compareInDomain, comparisonDomain, type Domain, type DomainValue, toDomain } from './domain.js';
import { type DomainColumn, materialize } from './materialize.js';
import { compareColumnScalar } from './kernels.js';
import { takeBatch } from './take.js';

/**
 * Row evaluation of predicates on Arrow record batches, under SQL three-valued logic.
 *
 * Intermediate results are one byte per row: 0 = false, 1 = true, 2 = null (unknown). Only rows
 * whose final value is true are selected, so `x > 5` drops rows where `x` is null, and so does
 * `NOT (x > 5)` — exactly what SQL engines (and the reference readers we are compared with) do.
 */

const FALSE = 0;
const TRUE = 1;
const NULL = 2;

// Three-valued truth tables indexed by a * 3 + b.
const AND_TABLE = Uint8Array.of(0, 0, 0, 0, 1, 2, 0, 2, 2);
const OR_TABLE = Uint8Array.of(0, 1, 2, 1, 1, 1, 2, 1, 2);
const NOT_TABLE = Uint8Array.of(1, 0, 2);

/**
 * Evaluates `expr` on every row of `batch`, which must hold every column the predicate reads
 * (by logical name, nested structs as Arrow structs). Returns 1 for the rows that satisfy it and
 * 0 for the rest (false or null).
 */
export function evaluatePredicate(expr: Expr, batch: RecordBatch): Uint8Array {
  const tri = evaluateTri(expr, batch);
  const out = new Uint8Array(tri.length);
  for (let i = 0; i < tri.length; i++) out[i] = tri[i] === TRUE ? 1 : 0;
  return out;
}

/**
 * Evaluates `expr` to three-valued results per row (0 false, 1 true, 2 null). Exposed for callers
 * that combine predicates themselves and need to tell false from null.
 */
export function evaluateTri(expr: Expr, batch: RecordBatch): Uint8Array {
  const n = batch.numRows;
  switch (expr.kind) {
    case 'and':
    case 'or': {
      const left = evaluateTri(expr.left, batch);
      const right = evaluateTri(expr.right, batch);
      const table = expr.kind === 'and' ? AND_TABLE : OR_TABLE;
      for (let i = 0; i < n; i++) left[i] = table[(left[i] ?? 0) * 3 + (right[i] ?? 0)] ?? NULL;
      return left;
    }
    case 'not': {
      const inner = evaluateTri(expr.operand, batch);
      for (let i = 0; i < n; i++) inner[i] = NOT_TABLE[inner[i] ?? 0] ?? NULL;
      return inner;
    }
    case 'isNull':
      return evaluateIsNull(expr.operand, expr.negated, batch);
    case 'compare':
      return evaluateCompare(expr.op, expr.left, expr.right, batch);
    case 'in':
      return evaluateIn(expr, batch);
    case 'column':
    case 'literal': {
      if (expr.type.type !== 'boolean' && expr.type.type !== 'void')
        throw invalid(`a value of type ${expr.type.type} is not a condition`);
      return evaluateCompare('=', expr, { kind: 'literal', type: { type: 'boolean' }, value: true }, batch);
    }
  }
}

function evaluateIsNull(operand: ValueExpr, negated: boolean, batch: RecordBatch): Uint8Array {
  const n = batch.numRows;
  const out = new Uint8Array(n);
  const isNull = TRUE;
  const notNull = FALSE;
  if (operand.kind === 'literal') {
    out.fill(operand.value === null ? isNull : notNull);
  } else {
    const { valid } = locateColumn(batch, operand.path);
    if (valid === undefined) out.fill(notNull);
    else for (let i = 0; i < n; i++) out[i] = valid[i] ? notNull : isNull;
  }
  if (negated) for (let i = 0; i < n; i++) out[i] = 1 - (out[i] ?? 0);
  return out;
}

type Operand = { readonly scalar: DomainValue | null } | { readonly column: DomainColumn };

function operand(expr: ValueExpr, domain: Domain, batch: RecordBatch): Operand {
  if (expr.kind === 'literal') {
    const value = toDomain(expr.value, expr.type, domain);
    if (value === undefined)
      throw invalid(`literal ${String(expr.value)} does not match its type ${expr.type.type}`);
    return { scalar: value };
  }
  return { column: materialize(locateColumn(batch, expr.path), domain, expr.path.join('.')) };
}

function domainOf(left: ValueExpr, right: ValueExpr): Domain {
  const domain = comparisonDomain(left.type, right.type);
  if (domain === undefined) throw invalid(`cannot compare ${left.type.type} with ${right.type.type}`);
  return domain;
}

function evaluateCompare(
  op: ComparisonOp,
  left: ValueExpr,
  right: ValueExpr,
  batch: RecordBatch,
): Uint8Array {
  const n = batch.numRows;
  const domain = domainOf(left, right);
  const out = new Uint8Array(n);
  if (domain.kind === 'null') return out.fill(NULL);
  const l = operand(left, domain, batch);
  const r = operand(right, domain, batch);
  if ('scalar' in l && 'scalar' in r) {
    const value =
      l.scalar === null || r.scalar === null ? NULL : testOp(op, compareInDomain(domain, l.scalar, r.scalar));
    return out.fill(value);
  }
  if ('column' in l && 'scalar' in r) {
    compareColumnScalar(l.column, op, r.scalar, domain, out);
    return out;
  }
  if ('scalar' in l && 'column' in r) {
    compareColumnScalar(r.column, flipOp(op), l.scalar, domain, out);
    return out;
  }
  if ('column' in l && 'column' in r) {
    const a = l.column;
    const b = r.column;
    for (let i = 0; i < n; i++) {
      if ((a.valid !== undefined && !a.valid[i]) || (b.valid !== undefined && !b.valid[i])) {
        out[i] = NULL;
        continue;
      }
      out[i] = testOp(op, compareInDomain(domain, a.values[i] as DomainValue, b.values[i] as DomainValue));
    }
  }
  return out;
}

function testOp(op: ComparisonOp, ordering: number): number {
  switch (op) {
    case '=':
      return ordering === 0 ? TRUE : FALSE;
    case '!=':
      return ordering !== 0 ? TRUE : FALSE;
    case '<':
      return ordering < 0 ? TRUE : FALSE;
    case '<=':
      return ordering <= 0 ? TRUE : FALSE;
    case '>':
      return ordering > 0 ? TRUE : FALSE;
    case '>=':
      return ordering >= 0 ? TRUE : FALSE;
  }
}

/** `x IN (a, b, …)` is `x = a OR x = b OR …` under three-valued logic; long lists use a hash set. */
function evaluateIn(expr: InExpr, batch: RecordBatch): Uint8Array {
  const n = batch.numRows;
  let out = new Uint8Array(n);
  const hashable = expr.operand.kind === 'column' && expr.list.length > 8 ? hashableDomain(expr) : undefined;
  if (hashable !== undefined && expr.operand.kind === 'column') {
    const values = new Set<DomainValue>();
    let sawNull = false;
    for (const item of expr.list) {
      const v = toDomain(item.value, item.type, hashable);
      if (v === null || v === undefined) sawNull = true;
      else values.add(v);
    }
    const column = materialize(locateColumn(batch, expr.operand.path), hashable, expr.operand.path.join('.'));
    const miss = sawNull ? NULL : FALSE;
    for (let i = 0; i < n; i++) {
      if (column.valid !== undefined && !column.valid[i]) out[i] = NULL;
      else out[i] = values.has(column.values[i] as DomainValue) ? TRUE : miss;
    }
  } else {
    out.fill(FALSE);
    // The operand column is converted once per domain, not once per list item.
    const columns = new Map<string, DomainColumn>();
    const eq = new Uint8Array(n);
    for (const item of expr.list) {
      const domain = domainOf(expr.operand, item);
      const operandExpr = expr.operand;
      if (operandExpr.kind === 'column' && domain.kind !== 'null') {
        const key = JSON.stringify(domain);
        let column = columns.get(key);
        if (column === undefined) {
          column = materialize(locateColumn(batch, operandExpr.path), domain, operandExpr.path.join('.'));
          columns.set(key, column);
        }
        const value = toDomain(item.value, item.type, domain);
        if (value === undefined) throw invalid(`IN list value ${String(item.value)} does not match its type`);
        compareColumnScalar(column, '=', value, domain, eq);
      } else {
        eq.set(evaluateCompare('=', operandExpr, item, batch));
      }
      for (let i = 0; i < n; i++) out[i] = OR_TABLE[(out[i] ?? 0) * 3 + (eq[i] ?? 0)] ?? NULL;
    }
  }
  if (expr.negated) out = out.map((v) => NOT_TABLE[v] ?? NULL);
  return out;
}

/** The common domain of the operand and every item, if values there compare by identity. */
function hashableDomain(expr: InExpr): Domain | undefined {
  let domain: Domain | undefined;
  for (const item of expr.list as readonly LiteralExpr[]) {
    if (item.value === null) continue;
    const d = comparisonDomain(expr.operand.type, item.type);
    if (d === undefined || (d.kind !== 'number' && d.kind !== 'bigint' && d.kind !== 'decimal'))
      return undefined;
    if (domain !== undefined && JSON.stringify(domain) !== JSON.stringify(d)) return undefined;
    domain = d;
  }
  return domain;
}

/**
 * Keeps the rows of `batch` where `mask` is 1, in order. Returns `batch` itself when every row is
 * kept, so filters that match everything cost nothing.
 */
export function filterBatch(batch: RecordBatch, mask: Uint8Array): RecordBatch {
  if (mask.length !== batch.numRows)
    throw new DeltaError(
      'InvalidArgument',
      `filter mask has ${mask.length} entries for a batch of ${batch.numRows} rows`,
    );
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  if (count === batch.numRows) return batch;
  const indices = new Int32Array(count);
  let j = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) indices[j++] = i;
  return takeBatch(batch, indices);
}

function invalid(message: string): DeltaError {
  return new DeltaError('InvalidPredicate', message);
}
