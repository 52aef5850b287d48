/**
 * Type-aware multiset comparison of canonical rows (ARCHITECTURE.md, "Canonical row form").
 *
 * Each row is reduced to a normalised key guided by the reference schema's Delta types, then the two
 * sides are compared as multisets of keys (row order is not part of a table's content). Normalising
 * per type is what lets `1e-7` equal `1e-07`, a long given as `"5"` equal `5`, and a float column
 * match when one side widened a float32 to double and printed more digits; decimals, timestamps and
 * strings are compared exactly as strings.
 */
import type { RefField } from './reference.js';

/** Delta type name of a serialised type (`decimal(5,2)` → `decimal`). */
function typeName(type: unknown): string {
  if (typeof type === 'string') return type.startsWith('decimal') ? 'decimal' : type;
  if (typeof type === 'object' && type !== null && 'type' in type) return String(type.type);
  return 'unknown';
}

function fieldsOf(type: unknown): readonly RefField[] {
  if (typeof type === 'object' && type !== null && 'fields' in type && Array.isArray(type.fields)) {
    return type.fields as RefField[];
  }
  return [];
}

function child(type: unknown, key: 'elementType' | 'keyType' | 'valueType'): unknown {
  if (typeof type === 'object' && type !== null && key in type) return (type as Record<string, unknown>)[key];
  return undefined;
}

/** A JSON-able normal form of `value` read as Delta type `type`; `undefined` type means "unknown". */
export function normalizeValue(value: unknown, type: unknown): unknown {
  if (value === null || value === undefined) return null;
  const name = typeName(type);
  switch (name) {
    case 'float':
      return typeof value === 'number' ? `f:${Math.fround(value)}` : `s:${String(value)}`;
    case 'double':
    case 'byte':
    case 'short':
    case 'integer':
      return typeof value === 'number' ? `n:${value}` : `s:${String(value)}`;
    case 'long':
      if (typeof value === 'number' && Number.isInteger(value)) return `i:${BigInt(value)}`;
      if (typeof value === 'string' && /^-?\d+$/.test(value)) return `i:${BigInt(value)}`;
      return `s:${String(value)}`;
    case 'struct': {
      if (typeof value !== 'object' || Array.isArray(value)) return { notAStruct: value };
      const byName = new Map(fieldsOf(type).map((f) => [f.name, f.type]));
      return Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        normalizeValue(v, byName.get(k)),
      ]);
    }
    case 'array':
      return Array.isArray(value)
        ? value.map((v) => normalizeValue(v, child(type, 'elementType')))
        : { notAnArray: value };
    case 'map':
      if (!Array.isArray(value)) return { notAMap: value };
      return value.map((entry: unknown) => {
        if (typeof entry !== 'object' || entry === null) return { notAnEntry: entry };
        const e = entry as Record<string, unknown>;
        return [
          normalizeValue(e.key, child(type, 'keyType')),
          normalizeValue(e.value, child(type, 'valueType')),
        ];
      });
    case 'unknown':
      if (typeof value === 'number') return `n:${value}`;
      if (Array.isArray(value)) return value.map((v) => normalizeValue(v, undefined));
      if (typeof value === 'object') {
        return Object.entries(value as Record<string, unknown>).map(([k, v]) => [
          k,
          normalizeValue(v, undefined),
        ]);
      }
      return value;
    default:
      // decimal, string, binary, date, timestamp(_ntz), boolean: compared exactly as given.
      return typeof value === 'number' ? `n:${value}` : value;
  }
}

/** The multiset key of a row: its columns in the row's own key order, normalised per column type. */
export function rowKey(row: Readonly<Record<string, unknown>>, types: ReadonlyMap<string, unknown>): string {
  return JSON.stringify(Object.entries(row).map(([k, v]) => [k, normalizeValue(v, types.get(k))]));
}

/** Outcome of {@link RowMultiset.diff}. */
export interface RowDiff {
  readonly equal: boolean;
  readonly expectedCount: number;
  readonly actualCount: number;
  /** Up to `limit` rows only the reference has (as canonical JSON), with their surplus count. */
  readonly missing: readonly string[];
  /** Up to `limit` rows only delta-ts has. */
  readonly unexpected: readonly string[];
}

/**
 * Rows as a multiset: add the reference's rows, remove delta-ts' rows, and what remains on either side
 * is the difference. Memory stays at one key per distinct row, so million-row tables fit.
 */
export class RowMultiset {
  private readonly counts = new Map<string, number>();
  private readonly samples = new Map<string, string>();
  private expected = 0;
  private actual = 0;

  constructor(private readonly types: ReadonlyMap<string, unknown>) {}

  /** Counts a reference row. */
  addExpected(row: Readonly<Record<string, unknown>>): void {
    this.bump(row, 1);
    this.expected++;
  }

  /** Counts a row produced by delta-ts. */
  addActual(row: Readonly<Record<string, unknown>>): void {
    this.bump(row, -1);
    this.actual++;
  }

  private bump(row: Readonly<Record<string, unknown>>, by: number): void {
    const key = rowKey(row, this.types);
    const n = (this.counts.get(key) ?? 0) + by;
    if (n === 0) {
      this.counts.delete(key);
      this.samples.delete(key);
    } else {
      this.counts.set(key, n);
      if (!this.samples.has(key)) this.samples.set(key, JSON.stringify(row));
    }
  }

  /** The difference so far. */
  diff(limit = 5): RowDiff {
    const missing: string[] = [];
    const unexpected: string[] = [];
    for (const [key, n] of this.counts) {
      const list = n > 0 ? missing : unexpected;
      if (list.length < limit)
        list.push(`${this.samples.get(key) ?? key}${Math.abs(n) > 1 ? ` ×${Math.abs(n)}` : ''}`);
    }
    return {
      equal: this.counts.size === 0,
      expectedCount: this.expected,
      actualCount: this.actual,
      missing,
      unexpected,
    };
  }
}

/** Column types by name from a reference schema. */
export function typesOf(schema: readonly RefField[] | undefined): Map<string, unknown> {
  return new Map((schema ?? []).map((f) => [f.name, f.type]));
}

/** A readable failure message for a row difference. */
export function describeDiff(d: RowDiff, reference: string): string {
  const lines = [
    `rows differ from ${reference}: reference has ${d.expectedCount} rows, delta-ts ${d.actualCount}`,
  ];
  if (d.missing.length > 0) lines.push('  only in the reference:', ...d.missing.map((r) => `    ${r}`));
  if (d.unexpected.length > 0) lines.push('  only in delta-ts:', ...d.unexpected.map((r) => `    ${r}`));
  return lines.join('\n');
}
