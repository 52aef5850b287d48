import type { ColumnExpr, Expr } from './ast.js';

/**
 * Which columns a predicate reads. Scans use it to decode the filter columns along with the
 * projected ones (and drop them afterwards), so a filter on a column the user did not select
 * still works without reading every column of the file.
 */

/** Every column reference in `expr`, in order of appearance (duplicates included). */
export function columnRefs(expr: Expr): ColumnExpr[] {
  const out: ColumnExpr[] = [];
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'column':
        out.push(e);
        return;
      case 'literal':
        return;
      case 'compare':
        visit(e.left);
        visit(e.right);
        return;
      case 'in':
      case 'isNull':
        visit(e.operand);
        return;
      case 'and':
      case 'or':
        visit(e.left);
        visit(e.right);
        return;
      case 'not':
        visit(e.operand);
        return;
    }
  };
  visit(expr);
  return out;
}

/** The distinct top-level (logical) column names `expr` reads, in order of first appearance. */
export function referencedColumns(expr: Expr): string[] {
  const seen = new Set<string>();
  for (const ref of columnRefs(expr)) {
    const top = ref.path[0];
    if (top !== undefined) seen.add(top);
  }
  return [...seen];
}
