import type { ComparisonOp } from './ast.js';
import { compareInDomain, type Domain, type DomainValue } from './domain.js';
import type { DomainColumn, RawBytes } from './materialize.js';

/**
 * Column-versus-constant comparison loops: the hot path of every `--where` filter. Each
 * operator gets its own loop over the (typed) value array so V8 can compile a tight, branch-light
 * loop instead of calling a comparator per row. Results are three-valued bytes (0 false, 1 true,
 * 2 null), written into `out`.
 */
export function compareColumnScalar(
  column: DomainColumn,
  op: ComparisonOp,
  scalar: DomainValue | null,
  domain: Domain,
  out: Uint8Array,
): void {
  const n = out.length;
  if (scalar === null) {
    out.fill(2);
    return;
  }
  if (domain.kind === 'number') numberKernel(column.values as ArrayLike<number>, op, scalar as number, out);
  else if (domain.kind === 'bigint' || domain.kind === 'decimal')
    bigintKernel(column.values as ArrayLike<bigint>, op, scalar as bigint, out);
  else if (column.raw !== undefined && scalar instanceof Uint8Array) bytesKernel(column.raw, op, scalar, out);
  else {
    const values = column.values;
    for (let i = 0; i < n; i++) out[i] = test(op, compareInDomain(domain, values[i] as DomainValue, scalar));
  }
  const valid = column.valid;
  if (valid !== undefined) for (let i = 0; i < n; i++) if (!valid[i]) out[i] = 2;
}

function test(op: ComparisonOp, ordering: number): number {
  switch (op) {
    case '=':
      return ordering === 0 ? 1 : 0;
    case '!=':
      return ordering !== 0 ? 1 : 0;
    case '<':
      return ordering < 0 ? 1 : 0;
    case '<=':
      return ordering <= 0 ? 1 : 0;
    case '>':
      return ordering > 0 ? 1 : 0;
    case '>=':
      return ordering >= 0 ? 1 : 0;
  }
}

// NaN sorts above every number and equals itself (Spark's and Arrow's total order), so the loops
// for a non-NaN constant add `v !== v` where NaN rows satisfy the operator.
function numberKernel(values: ArrayLike<number>, op: ComparisonOp, c: number, out: Uint8Array): void {
  const n = out.length;
  if (Number.isNaN(c)) {
    for (let i = 0; i < n; i++) {
      const v = values[i] ?? 0;
      const isNaN = v !== v;
      out[i] = test(op, isNaN ? 0 : -1);
    }
    return;
  }
  switch (op) {
    case '=':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0) === c ? 1 : 0;
      return;
    case '!=':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0) !== c ? 1 : 0;
      return;
    case '<':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0) < c ? 1 : 0;
      return;
    case '<=':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0) <= c ? 1 : 0;
      return;
    case '>':
      for (let i = 0; i < n; i++) {
        const v = values[i] ?? 0;
        out[i] = v > c || v !== v ? 1 : 0;
      }
      return;
    case '>=':
      for (let i = 0; i < n; i++) {
        const v = values[i] ?? 0;
        out[i] = v >= c || v !== v ? 1 : 0;
      }
      return;
  }
}

function bigintKernel(values: ArrayLike<bigint>, op: ComparisonOp, c: bigint, out: Uint8Array): void {
  const n = out.length;
  switch (op) {
    case '=':
      for (let i = 0; i < n; i++) out[i] = values[i] === c ? 1 : 0;
      return;
    case '!=':
      for (let i = 0; i < n; i++) out[i] = values[i] !== c ? 1 : 0;
      return;
    case '<':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0n) < c ? 1 : 0;
      return;
    case '<=':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0n) <= c ? 1 : 0;
      return;
    case '>':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0n) > c ? 1 : 0;
      return;
    case '>=':
      for (let i = 0; i < n; i++) out[i] = (values[i] ?? 0n) >= c ? 1 : 0;
      return;
  }
}

/** Compares each value's bytes in place with `c` (no per-row allocation). */
function bytesKernel(raw: RawBytes, op: ComparisonOp, c: Uint8Array, out: Uint8Array): void {
  const { bytes, offsets } = raw;
  const n = out.length;
  const cLen = c.length;
  const equality = op === '=' || op === '!=';
  for (let i = 0; i < n; i++) {
    const start = Number(offsets[i] ?? 0);
    const len = Number(offsets[i + 1] ?? 0) - start;
    let ordering = 0;
    if (equality && len !== cLen) {
      ordering = 1;
    } else {
      const m = len < cLen ? len : cLen;
      let k = 0;
      while (k < m && bytes[start + k] === c[k]) k++;
      if (k < m) ordering = (bytes[start + k] ?? 0) < (c[k] ?? 0) ? -1 : 1;
      else ordering = len - cLen;
    }
    out[i] = test(op, ordering);
  }
}
