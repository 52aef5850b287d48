import { DeltaError } from '../errors.js';

/**
 * Tokens of the predicate language. Every token keeps its character offset so that errors found
 * later (unknown column, impossible comparison) can still point at the exact place in the text.
 */

/** A token kind. Keywords are identifiers recognised case-insensitively by the parser. */
export type TokenKind =
  | 'ident'
  | 'quotedIdent'
  | 'number'
  | 'string'
  | 'hexString'
  | 'op'
  | 'lparen'
  | 'rparen'
  | 'comma'
  | 'dot'
  | 'minus'
  | 'eof';

/** One token: its kind, its text (unescaped for strings and quoted names) and its offset. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly offset: number;
}

/** The error for malformed predicate text; `offset` is 0-based into the text. */
export function predicateError(text: string, offset: number, message: string): DeltaError {
  const snippet = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  return new DeltaError(
    'InvalidPredicate',
    `${message} at offset ${offset} of predicate ${JSON.stringify(snippet)}`,
    {
      context: { offset, predicate: text },
    },
  );
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const NUMBER_AT = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

/** Splits predicate text into tokens, ending with an `eof` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (ch === "'") {
      const [value, end] = readQuoted(text, i, "'", 'string literal');
      tokens.push({ kind: 'string', text: value, offset: start });
      i = end;
    } else if (ch === '`') {
      const [value, end] = readQuoted(text, i, '`', 'quoted column name');
      if (value === '') throw predicateError(text, start, 'empty quoted column name');
      tokens.push({ kind: 'quotedIdent', text: value, offset: start });
      i = end;
    } else if ((ch === 'x' || ch === 'X') && text.charAt(i + 1) === "'") {
      const [value, end] = readQuoted(text, i + 1, "'", 'binary literal');
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(value))
        throw predicateError(text, start, 'binary literal must hold an even number of hex digits');
      tokens.push({ kind: 'hexString', text: value, offset: start });
      i = end;
    } else if (/\d/.test(ch) || (ch === '.' && /\d/.test(text.charAt(i + 1)))) {
      const m = NUMBER_AT.exec(text.slice(i));
      const num = m ? m[0] : ch;
      i += num.length;
      if (IDENT_PART.test(text.charAt(i)))
        throw predicateError(text, start, `malformed number ${JSON.stringify(text.slice(start, i + 1))}`);
      tokens.push({ kind: 'number', text: num, offset: start });
    } else if (IDENT_START.test(ch)) {
      while (i < text.length && IDENT_PART.test(text.charAt(i))) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), offset: start });
    } else {
      const two = text.slice(i, i + 2);
      if (two === '<=' || two === '>=' || two === '!=' || two === '<>' || two === '==') {
        tokens.push({ kind: 'op', text: two === '<>' ? '!=' : two === '==' ? '=' : two, offset: start });
        i += 2;
      } else if (ch === '=' || ch === '<' || ch === '>') {
        tokens.push({ kind: 'op', text: ch, offset: start });
        i++;
      } else if (ch === '(' || ch === ')' || ch === ',' || ch === '.' || ch === '-') {
        const kind: TokenKind =
          ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : ch === ',' ? 'comma' : ch === '.' ? 'dot' : 'minus';
        tokens.push({ kind, text: ch, offset: start });
        i++;
      } else {
        throw predicateError(text, start, `unexpected character ${JSON.stringify(ch)}`);
      }
    }
  }
  tokens.push({ kind: 'eof', text: '', offset: text.length });
  return tokens;
}

/** Reads a quoted run starting at `start` (the opening quote); a doubled quote is one quote. */
function readQuoted(text: string, start: number, quote: string, what: string): [string, number] {
  let out = '';
  let i = start + 1;
  for (;;) {
    const next = text.indexOf(quote, i);
    if (next < 0) throw predicateError(text, start, `unterminated ${what}`);
    out += text.slice(i, next);
    if (text.charAt(next + 1) === quote) {
      out += quote;
      i = next + 2;
    } else {
      return [out, next + 1];
    }
  }
}
