import { DeltaError } from '../errors.js';
import type { DataType, StructType } from '../protocol/schema.js';
import {
  and,
  type ColumnExpr,
  type ComparisonOp,
  type Expr,
  type InExpr,
  type LiteralExpr,
  not,
  type ValueExpr,
} from './ast.js';
import { CoercionFailure, coerceLiteral, naturalLiteral, type RawLiteral } from './coerce.js';
import { comparisonDomain, describeType } from './domain.js';
import { predicateError, type Token, tokenize } from './lexer.js';

/**
 * The `--where` language: a small SQL subset, parsed by recursive descent and typed against the
 * table schema in the same pass.
 *
 * ```
 * expr      := and (OR and)*
 * and       := unary (AND unary)*
 * unary     := NOT unary | '(' expr ')' | predicate
 * predicate := operand [ cmp operand | IS [NOT] NULL | [NOT] IN '(' literal, … ')'
 *                      | [NOT] BETWEEN operand AND operand ]
 * operand   := column ('.' column)* | literal
 * literal   := [-]number | 'string' | X'hex' | TRUE | FALSE | NULL
 *            | DATE 'yyyy-mm-dd' | TIMESTAMP '…' | TIMESTAMP_NTZ '…'
 * ```
 */

type RawOperand =
  | { readonly kind: 'column'; readonly expr: ColumnExpr; readonly offset: number; readonly name: string }
  | { readonly kind: 'literal'; readonly raw: RawLiteral; readonly offset: number };

const RESERVED = new Set(['and', 'or', 'not', 'in', 'is', 'null', 'true', 'false', 'between']);

/**
 * Parses and types a predicate against `schema`. Column names are logical names, matched exactly
 * first and then case-insensitively (as Spark resolves them); nested fields are `a.b.c`, names with
 * special characters are quoted with backticks.
 *
 * Throws `DeltaError('InvalidPredicate')` naming the character offset for syntax errors, unknown
 * columns and comparisons between types that cannot be compared.
 */
export function parsePredicate(text: string, schema: StructType): Expr {
  const parser = new Parser(text, schema);
  return parser.parseAll();
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly schema: StructType,
  ) {
    this.tokens = tokenize(text);
  }

  parseAll(): Expr {
    if (this.peek().kind === 'eof') throw this.error(this.peek(), 'empty predicate');
    const expr = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'eof') throw this.error(rest, `unexpected ${describeToken(rest)}`);
    return expr;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.acceptKeyword('or')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseUnary();
    while (this.acceptKeyword('and')) left = and(left, this.parseUnary());
    return left;
  }

  private parseUnary(): Expr {
    if (this.acceptKeyword('not')) return not(this.parseUnary());
    if (this.peek().kind === 'lparen') {
      this.pos++;
      const inner = this.parseOr();
      this.expect('rparen', "')'");
      return inner;
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Expr {
    const left = this.parseOperand();
    const next = this.peek();
    if (next.kind === 'op') {
      this.pos++;
      const right = this.parseOperand();
      return this.typeComparison(next.text as ComparisonOp, left, right, next);
    }
    if (this.acceptKeyword('is')) {
      const negated = this.acceptKeyword('not');
      if (!this.acceptKeyword('null')) throw this.error(this.peek(), 'expected NULL after IS');
      return { kind: 'isNull', operand: this.typeAlone(left), negated };
    }
    const notToken = this.peek();
    const negated = this.acceptKeyword('not');
    if (this.acceptKeyword('in')) return this.parseIn(left, negated);
    if (this.acceptKeyword('between')) {
      const low = this.parseOperand();
      const andToken = this.peek();
      if (!this.acceptKeyword('and')) throw this.error(andToken, 'expected AND in BETWEEN');
      const high = this.parseOperand();
      const range = and(
        this.typeComparison('>=', left, low, notToken),
        this.typeComparison('<=', left, high, andToken),
      );
      return negated ? not(range) : range;
    }
    if (negated) throw this.error(this.peek(), 'expected IN or BETWEEN after NOT');
    const value = this.typeAlone(left);
    if (value.type.type !== 'boolean' && value.type.type !== 'void') {
      const where = left.kind === 'column' ? `column ${left.name}` : 'literal';
      throw predicateError(
        this.text,
        left.offset,
        `${where} of type ${describeType(value.type)} is not a condition; compare it with something`,
      );
    }
    return value;
  }

  private parseIn(left: RawOperand, negated: boolean): InExpr {
    const operand = this.typeAlone(left);
    this.expect('lparen', "'(' after IN");
    const list: LiteralExpr[] = [];
    do {
      const item = this.parseOperand();
      if (item.kind !== 'literal') throw this.error(this.tokens[this.pos - 1], 'IN lists hold literals only');
      const typed =
        left.kind === 'column' ? coerceLiteral(item.raw, operand.type, 'in') : naturalLiteral(item.raw);
      const literal = this.unwrap(typed, item.offset, left);
      this.checkComparable(operand.type, literal.type, left, item.offset);
      list.push(literal);
    } while (this.accept('comma'));
    this.expect('rparen', "')' closing the IN list");
    return { kind: 'in', operand, list, negated };
  }

  private parseOperand(): RawOperand {
    const token = this.peek();
    this.pos++;
    switch (token.kind) {
      case 'number':
        return { kind: 'literal', raw: { form: 'number', text: token.text }, offset: token.offset };
      case 'minus': {
        const num = this.peek();
        if (num.kind !== 'number') throw this.error(num, 'a minus sign must be followed by a number');
        this.pos++;
        return { kind: 'literal', raw: { form: 'number', text: `-${num.text}` }, offset: token.offset };
      }
      case 'string':
        return { kind: 'literal', raw: { form: 'string', text: token.text }, offset: token.offset };
      case 'hexString':
        return { kind: 'literal', raw: { form: 'hex', text: token.text }, offset: token.offset };
      case 'quotedIdent':
        return this.parseColumn(token);
      case 'ident': {
        const word = token.text.toLowerCase();
        if (word === 'true' || word === 'false')
          return { kind: 'literal', raw: { form: 'boolean', value: word === 'true' }, offset: token.offset };
        if (word === 'null') return { kind: 'literal', raw: { form: 'null' }, offset: token.offset };
        if (
          (word === 'date' || word === 'timestamp' || word === 'timestamp_ntz') &&
          this.peek().kind === 'string'
        ) {
          const str = this.peek();
          this.pos++;
          return { kind: 'literal', raw: { form: word, text: str.text }, offset: token.offset };
        }
        if (RESERVED.has(word))
          throw this.error(token, `expected a column or a literal, found ${describeToken(token)}`);
        return this.parseColumn(token);
      }
      default:
        throw this.error(token, `expected a column or a literal, found ${describeToken(token)}`);
    }
  }

  private parseColumn(first: Token): RawOperand {
    const parts = [first.text];
    while (this.peek().kind === 'dot') {
      this.pos++;
      const next = this.peek();
      if (next.kind !== 'ident' && next.kind !== 'quotedIdent')
        throw this.error(next, 'expected a field name after "."');
      this.pos++;
      parts.push(next.text);
    }
    const name = parts.map(quoteIfNeeded).join('.');
    const path: string[] = [];
    let type: DataType = this.schema;
    for (const part of parts) {
      if (type.type !== 'struct') {
        throw predicateError(
          this.text,
          first.offset,
          `column ${path.map(quoteIfNeeded).join('.')} has type ${describeType(type)} and no field ${JSON.stringify(part)}`,
        );
      }
      const fields: StructType['fields'] = type.fields;
      const field =
        fields.find((f) => f.name === part) ??
        fields.find((f) => f.name.toLowerCase() === part.toLowerCase());
      if (field === undefined) {
        const known = fields.map((f) => f.name).join(', ');
        const err = predicateError(this.text, first.offset, `unknown column ${name}`);
        throw new DeltaError('InvalidPredicate', err.message, {
          context: { ...err.context, column: name },
          help: `columns${path.length > 0 ? ` of ${path.join('.')}` : ''}: ${known}`,
        });
      }
      path.push(field.name);
      type = field.type;
    }
    return { kind: 'column', expr: { kind: 'column', path, type }, offset: first.offset, name };
  }

  private typeComparison(op: ComparisonOp, left: RawOperand, right: RawOperand, at: Token): Expr {
    let l: ValueExpr;
    let r: ValueExpr;
    if (left.kind === 'column') {
      l = left.expr;
      r =
        right.kind === 'column'
          ? right.expr
          : this.unwrap(coerceLiteral(right.raw, l.type, op), right.offset, left);
    } else if (right.kind === 'column') {
      r = right.expr;
      l = this.unwrap(coerceLiteral(left.raw, r.type, op), left.offset, right);
    } else {
      l = this.unwrap(naturalLiteral(left.raw), left.offset, undefined);
      r = this.unwrap(naturalLiteral(right.raw), right.offset, undefined);
    }
    const named = left.kind === 'column' ? left : right.kind === 'column' ? right : undefined;
    this.checkComparable(l.type, r.type, named, at.offset, right.kind === 'column' ? r.type : undefined);
    return { kind: 'compare', op, left: l, right: r };
  }

  private checkComparable(
    a: DataType,
    b: DataType,
    column: RawOperand | undefined,
    offset: number,
    other?: DataType,
  ): void {
    if (comparisonDomain(a, b) !== undefined) return;
    const subject =
      column?.kind === 'column'
        ? `column ${column.name} (${describeType(column.expr.type)})`
        : describeType(a);
    const object =
      other !== undefined ? `a column of type ${describeType(other)}` : `a value of type ${describeType(b)}`;
    throw predicateError(this.text, offset, `cannot compare ${subject} with ${object}`);
  }

  private typeAlone(operand: RawOperand): ValueExpr {
    if (operand.kind === 'column') return operand.expr;
    return this.unwrap(naturalLiteral(operand.raw), operand.offset, undefined);
  }

  private unwrap(
    typed: LiteralExpr | CoercionFailure,
    offset: number,
    column: RawOperand | undefined,
  ): LiteralExpr {
    if (!(typed instanceof CoercionFailure)) return typed;
    const where = column?.kind === 'column' ? ` for column ${column.name}` : '';
    throw predicateError(this.text, offset, `${typed.reason}${where}`);
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? { kind: 'eof', text: '', offset: this.text.length };
  }

  private accept(kind: Token['kind']): boolean {
    if (this.peek().kind !== kind) return false;
    this.pos++;
    return true;
  }

  private acceptKeyword(word: string): boolean {
    const token = this.peek();
    if (token.kind !== 'ident' || token.text.toLowerCase() !== word) return false;
    this.pos++;
    return true;
  }

  private expect(kind: Token['kind'], what: string): void {
    const token = this.peek();
    if (!this.accept(kind)) throw this.error(token, `expected ${what}, found ${describeToken(token)}`);
  }

  private error(token: Token | undefined, message: string): DeltaError {
    return predicateError(this.text, token?.offset ?? this.text.length, message);
  }
}

function describeToken(token: Token): string {
  if (token.kind === 'eof') return 'end of input';
  if (token.kind === 'string') return `string '${token.text}'`;
  return JSON.stringify(token.text);
}

/** Quotes a name with backticks when it could not be written bare (used by messages and the printer). */
export function quoteIfNeeded(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) &&
    !RESERVED.has(name.toLowerCase()) &&
    !isTypedLiteralWord(name)
    ? name
    : `\`${name.replace(/`/g, '``')}\``;
}

function isTypedLiteralWord(name: string): boolean {
  const word = name.toLowerCase();
  return word === 'date' || word === 'timestamp' || word === 'timestamp_ntz' || word === 'x';
}
