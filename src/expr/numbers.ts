/**
 * Exact numeric helpers: decimal text ⇄ (unscaled bigint, scale), powers of ten, byte-wise ordering.
 *
 * Predicate literals are kept exact until we know the column they are compared with, so that
 * `price = 0.1` on a `decimal(10,2)` column compares the decimal 0.10 and not the double nearest
 * to 0.1.
 */

/** A number written in decimal: `unscaled / 10^scale`, exactly. */
export interface ExactNumber {
  readonly unscaled: bigint;
  readonly scale: number;
}

const NUMBER_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Parses decimal text (with optional fraction and exponent) exactly; `undefined` if not a number. */
export function parseExactNumber(text: string): ExactNumber | undefined {
  const m = NUMBER_RE.exec(text.trim());
  if (!m) return undefined;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return undefined;
  const exponent = Number(m[4] ?? '0');
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 400) return undefined;
  let unscaled = BigInt((intPart + fracPart).replace(/^0+(?=\d)/, '') || '0');
  let scale = fracPart.length - exponent;
  if (scale < 0) {
    unscaled *= pow10(-scale);
    scale = 0;
  }
  if (m[1] === '-') unscaled = -unscaled;
  return normalize({ unscaled, scale });
}

/** Removes trailing zero fraction digits, so `1.50` and `1.5` have the same form. */
export function normalize(n: ExactNumber): ExactNumber {
  let { unscaled, scale } = n;
  while (scale > 0 && unscaled % 10n === 0n) {
    unscaled /= 10n;
    scale -= 1;
  }
  return { unscaled, scale };
}

/** Number of significant digits of the unscaled value (at least 1). */
export function digitCount(value: bigint): number {
  return (value < 0n ? -value : value).toString().length;
}

const POW10: bigint[] = [];

/** `10n ** n`, cached, for rescaling decimals. */
export function pow10(n: number): bigint {
  let cached = POW10[n];
  if (cached === undefined) {
    cached = 10n ** BigInt(n);
    if (n < 80) POW10[n] = cached;
  }
  return cached;
}

/** Formats an unscaled decimal with exactly `scale` fraction digits (`-150n, 2` → `"-1.50"`). */
export function formatDecimal(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString();
  if (scale <= 0) return (negative ? '-' : '') + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  const cut = padded.length - scale;
  return `${negative ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

/** The double nearest to an exact decimal (through its text, which JavaScript rounds correctly). */
export function decimalToNumber(unscaled: bigint, scale: number): number {
  return Number(formatDecimal(unscaled, scale));
}

/** Lexicographic order of unsigned bytes; for UTF-8 this is also code point order. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * {@link compareBytes} of two ranges of one buffer, `bytes[a..aEnd)` and `bytes[b..bEnd)`, for
 * loops over an Arrow column that would otherwise cut a subarray per value.
 */
export function compareByteRanges(
  bytes: Uint8Array,
  a: number,
  aEnd: number,
  b: number,
  bEnd: number,
): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let k = 0; k < n; k++) {
    const x = bytes[a + k] ?? 0;
    const y = bytes[b + k] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return Math.sign(aEnd - a - (bEnd - b));
}

/** Whether `prefix` is a prefix of `value`. */
export function startsWithBytes(value: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > value.length) return false;
  for (let i = 0; i < prefix.length; i++) if (value[i] !== prefix[i]) return false;
  return true;
}

/** Ordering of doubles used by predicates: NaN equals NaN and is above +Infinity; -0 equals 0. */
export function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0;
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  return aNaN && bNaN ? 0 : aNaN ? 1 : -1;
}

/**
 * Copies `source[start..end)` to `target` at `at`: short runs byte by byte, which beats the fixed
 * cost of a subarray and a native copy per value when gathering short strings.
 */
export function copyBytes(
  source: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  at: number,
): void {
  if (end - start > 32) target.set(source.subarray(start, end), at);
  else for (let b = start, t = at; b < end; b++, t++) target[t] = source[b] ?? 0;
}
