import type { Expr, LiteralExpr, ValueExpr } from './ast.js';
import { formatDecimal } from './numbers.js';
import { quoteIfNeeded } from './parse.js';
import { formatDate, formatTimestamp } from './temporal.js';

/**
 * Prints an expression back to predicate text that {@link parsePredicate} reads into the same
 * expression (for the same schema). Used to show the effective filter in logs and `explain`
 * output, and to pass a parsed filter across a process boundary as text.
 */
export function printExpr(expr: Expr): string {
  return print(expr, 0);
}

// Precedence: OR 1 < AND 2 < NOT 3 < predicate 4. A child with lower precedence than its parent
// is parenthesised.
function print(expr: Expr, parent: number): string {
  switch (expr.kind) {
    case 'or':
      return wrap(`${print(expr.left, 1)} OR ${print(expr.right, 2)}`, 1, parent);
    case 'and':
      return wrap(`${print(expr.left, 2)} AND ${print(expr.right, 3)}`, 2, parent);
    case 'not':
      // Always parenthesised: `NOT (a = 1)` reads unambiguously to people used to other dialects.
      return wrap(
        expr.operand.kind === 'column' || expr.operand.kind === 'literal'
          ? `NOT ${print(expr.operand, 3)}`
          : `NOT (${print(expr.operand, 0)})`,
        3,
        parent,
      );
    case 'compare':
      return `${printValue(expr.left)} ${expr.op} ${printValue(expr.right)}`;
    case 'isNull':
      return `${printValue(expr.operand)} IS ${expr.negated ? 'NOT ' : ''}NULL`;
    case 'in':
      return `${printValue(expr.operand)} ${expr.negated ? 'NOT ' : ''}IN (${expr.list.map(printLiteral).join(', ')})`;
    case 'column':
    case 'literal':
      return printValue(expr);
  }
}

function wrap(text: string, own: number, parent: number): string {
  return own < parent ? `(${text})` : text;
}

function printValue(expr: ValueExpr): string {
  return expr.kind === 'column' ? expr.path.map(quoteIfNeeded).join('.') : printLiteral(expr);
}

/** Prints a literal so that it reads back with the same type and value. */
export function printLiteral(expr: LiteralExpr): string {
  const { value, type } = expr;
  if (value === null) return 'NULL';
  switch (type.type) {
    case 'boolean':
      return value === true ? 'TRUE' : 'FALSE';
    case 'string':
      return `'${String(value).replace(/'/g, "''")}'`;
    case 'binary':
      return value instanceof Uint8Array
        ? `X'${Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('')}'`
        : 'NULL';
    case 'date':
      return `DATE '${formatDate(Number(value))}'`;
    case 'timestamp':
      return `TIMESTAMP '${formatTimestamp(BigInt(value as number | bigint), true)}'`;
    case 'timestamp_ntz':
      return `TIMESTAMP_NTZ '${formatTimestamp(BigInt(value as number | bigint), false)}'`;
    case 'decimal': {
      const text = formatDecimal(BigInt(value as number | bigint), type.scale);
      return text.includes('.') ? text : `${text}.0`;
    }
    case 'float':
    case 'double': {
      const n = Number(value);
      if (Number.isNaN(n)) return "'NaN'";
      if (!Number.isFinite(n)) return n > 0 ? "'Infinity'" : "'-Infinity'";
      // An exponent marks the literal as a double when it is read back without a column.
      const text = String(n);
      return /[eE]/.test(text) ? text : `${text}E0`;
    }
    default:
      return String(value);
  }
}
