import type { DataType } from '../protocol/schema.js';

/**
 * Typed predicate expressions.
 *
 * Every node carries Delta types resolved against the table schema at parse time, so evaluation
 * and data skipping never guess: a literal compared with a `long` column is already a `bigint`, a
 * date literal already a day number. Values use the same JavaScript representation per Delta
 * type as parsed partition values (see `src/protocol/partition.ts`):
 *
 * | Delta type               | literal value                        |
 * | ------------------------ | ------------------------------------ |
 * | byte, short, integer     | `number`                             |
 * | long                     | `bigint`                             |
 * | float, double            | `number`                             |
 * | decimal(p,s)             | `bigint` unscaled (value × 10^s)     |
 * | string                   | `string`                             |
 * | binary                   | `Uint8Array`                         |
 * | boolean                  | `boolean`                            |
 * | date                     | `number` of days since 1970-01-01    |
 * | timestamp, timestamp_ntz | `bigint` microseconds since the epoch |
 * | any (SQL NULL)           | `null`                               |
 */

/** A literal's value in the representation above. */
export type LiteralValue = null | boolean | number | bigint | string | Uint8Array;

/** The comparison operators. `<>` is parsed as `!=`. */
export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

/** A column reference: the logical path from the root (`['a', 'b']` for `a.b`) and its type. */
export interface ColumnExpr {
  readonly kind: 'column';
  readonly path: readonly string[];
  readonly type: DataType;
}

/** A typed constant. */
export interface LiteralExpr {
  readonly kind: 'literal';
  readonly type: DataType;
  readonly value: LiteralValue;
}

/** An operand of a comparison. */
export type ValueExpr = ColumnExpr | LiteralExpr;

/** `left op right`; null when either side is null. */
export interface CompareExpr {
  readonly kind: 'compare';
  readonly op: ComparisonOp;
  readonly left: ValueExpr;
  readonly right: ValueExpr;
}

/** `operand [NOT] IN (list)`, with SQL semantics for nulls in the list. */
export interface InExpr {
  readonly kind: 'in';
  readonly operand: ValueExpr;
  readonly list: readonly LiteralExpr[];
  readonly negated: boolean;
}

/** `operand IS [NOT] NULL`; never null itself. */
export interface IsNullExpr {
  readonly kind: 'isNull';
  readonly operand: ValueExpr;
  readonly negated: boolean;
}

/** `left AND right` / `left OR right` under three-valued logic. */
export interface LogicalExpr {
  readonly kind: 'and' | 'or';
  readonly left: Expr;
  readonly right: Expr;
}

/** `NOT operand`; null stays null. */
export interface NotExpr {
  readonly kind: 'not';
  readonly operand: Expr;
}

/**
 * A predicate. A bare {@link ValueExpr} is a predicate only when its type is boolean
 * (`WHERE is_active`), which the parser checks.
 */
export type Expr = ValueExpr | CompareExpr | InExpr | IsNullExpr | LogicalExpr | NotExpr;

/** Builds a column reference. */
export function col(path: readonly string[], type: DataType): ColumnExpr {
  return { kind: 'column', path, type };
}

/** Builds a typed literal. */
export function lit(value: LiteralValue, type: DataType): LiteralExpr {
  return { kind: 'literal', type, value };
}

/** Builds a comparison. */
export function compare(op: ComparisonOp, left: ValueExpr, right: ValueExpr): CompareExpr {
  return { kind: 'compare', op, left, right };
}

/** Builds `left AND right`. */
export function and(left: Expr, right: Expr): LogicalExpr {
  return { kind: 'and', left, right };
}

/** Builds `left OR right`. */
export function or(left: Expr, right: Expr): LogicalExpr {
  return { kind: 'or', left, right };
}

/** Builds `NOT operand`. */
export function not(operand: Expr): NotExpr {
  return { kind: 'not', operand };
}

/** The operator that gives the same result with the operands swapped (`a < b` ⇔ `b > a`). */
export function flipOp(op: ComparisonOp): ComparisonOp {
  switch (op) {
    case '<':
      return '>';
    case '<=':
      return '>=';
    case '>':
      return '<';
    case '>=':
      return '<=';
    default:
      return op;
  }
}

/** Whether a comparison result (negative, zero, positive) satisfies `op`. */
export function testOrdering(op: ComparisonOp, ordering: number): boolean {
  switch (op) {
    case '=':
      return ordering === 0;
    case '!=':
      return ordering !== 0;
    case '<':
      return ordering < 0;
    case '<=':
      return ordering <= 0;
    case '>':
      return ordering > 0;
    case '>=':
      return ordering >= 0;
  }
}
