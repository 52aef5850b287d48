/**
 * Checks every write runs before it stages anything: the protocol must be one this build can
 * write, and table rules (appendOnly) must allow the operation. Failing here, before any data
 * file is written, leaves nothing behind to vacuum.
 */
import type { RecordBatch } from 'apache-arrow';
import { DeltaError, describeError } from '../errors.js';
import type { Expr } from '../expr/ast.js';
import { evaluateTri } from '../expr/evaluate.js';
import { parsePredicate } from '../expr/parse.js';
import type { Metadata } from '../protocol/actions.js';
import type { StructType } from '../protocol/schema.js';
import type { Snapshot } from '../table/snapshot.js';
import { checkWriteSupported } from '../write/protocol.js';

/** Operations that remove or rewrite existing rows, which `delta.appendOnly` forbids. */
const MUTATING = new Set(['DELETE', 'UPDATE', 'MERGE', 'OVERWRITE', 'RESTORE']);

/** Operations that copy existing rows into new files. */
const REWRITING = new Set(['UPDATE', 'MERGE', 'OPTIMIZE']);

/**
 * Refuses the write when the table needs writer features this build lacks (`UnsupportedFeature`)
 * or when `operation` would change existing rows of an append-only table (`ConstraintViolation`).
 */
export function checkWritable(snap: Snapshot, operation: string): void {
  checkWriteSupported(snap.protocol, snap.metadata);
  const rowTracking = (snap.protocol.writerFeatures ?? []).includes('rowTracking');
  const dvs = snap.properties['delta.enableDeletionVectors'] === 'true';
  if (rowTracking && (REWRITING.has(operation) || (operation === 'DELETE' && !dvs))) {
    // Moving rows to new files must carry their row ids along (materialised row-id columns),
    // which this build does not write yet; rewriting would silently change row identities.
    throw new DeltaError(
      'UnsupportedFeature',
      `${operation} would move rows of a table with row tracking, which delta-ts cannot do while preserving row ids`,
      {
        help: 'appends work; run this operation with Spark, or enable deletion vectors for DELETE',
        context: { operation, feature: 'rowTracking' },
      },
    );
  }
  if (MUTATING.has(operation) && snap.properties['delta.appendOnly'] === 'true') {
    throw new DeltaError(
      'ConstraintViolation',
      `${operation} is not allowed: table ${snap.metadata.name ?? snap.metadata.id} is append-only (delta.appendOnly = true)`,
      {
        help: 'only appends are allowed; to change rows, first set delta.appendOnly to false',
        context: { operation, property: 'delta.appendOnly' },
      },
    );
  }
}

/** A rule every written row must satisfy: a CHECK constraint or a column invariant. */
interface RowRule {
  readonly what: string;
  readonly text: string;
  readonly expr: Expr;
}

const compiled = new WeakMap<Metadata, RowRule[]>();

/**
 * The CHECK constraints (`delta.constraints.<name>` properties) and column invariants
 * (`delta.invariants` field metadata) of a table, parsed as predicates. One that our predicate
 * language cannot express is `UnsupportedFeature`: refusing the write is the only way not to let
 * a violating row in.
 */
function rowRules(layout: { schema: StructType; metadata: Metadata }): RowRule[] {
  const cached = compiled.get(layout.metadata);
  if (cached) return cached;
  const rules: RowRule[] = [];
  const add = (what: string, text: string): void => {
    try {
      rules.push({ what, text, expr: parsePredicate(text, layout.schema) });
    } catch (err) {
      throw new DeltaError(
        'UnsupportedFeature',
        `cannot evaluate ${what} (${text}): ${describeError(err)}; writes are refused so no row can break it`,
        {
          cause: err,
          help: 'delta-ts evaluates comparisons, IN, IS NULL, AND, OR and NOT; write to this table with an engine that supports the expression',
          context: { constraint: what },
        },
      );
    }
  };
  for (const [key, value] of Object.entries(layout.metadata.configuration)) {
    if (key.startsWith('delta.constraints.'))
      add(`CHECK constraint ${key.slice('delta.constraints.'.length)}`, value);
  }
  for (const field of layout.schema.fields) {
    const raw = field.metadata['delta.invariants'];
    if (typeof raw !== 'string') continue;
    let text: unknown;
    try {
      text = (JSON.parse(raw) as { expression?: { expression?: unknown } }).expression?.expression;
    } catch (err) {
      throw new DeltaError('InvalidSchema', `column ${field.name} has an unreadable delta.invariants value`, {
        cause: err,
      });
    }
    if (typeof text !== 'string')
      throw new DeltaError('InvalidSchema', `column ${field.name} has an invariant without an expression`);
    add(`invariant on column ${field.name}`, text);
  }
  compiled.set(layout.metadata, rules);
  return rules;
}

/**
 * Checks a batch about to be written against the table's CHECK constraints and invariants. A row
 * for which a rule is false or null is a `ConstraintViolation` naming the rule and the row, as
 * Delta treats an unknown result as a violation.
 */
export function checkRows(layout: { schema: StructType; metadata: Metadata }, batch: RecordBatch): void {
  for (const rule of rowRules(layout)) {
    const tri = evaluateTri(rule.expr, batch);
    const bad = tri.findIndex((v) => v !== 1);
    if (bad >= 0) {
      throw new DeltaError(
        'ConstraintViolation',
        `${rule.what} (${rule.text}) is violated by row ${bad} of the data written`,
        {
          help: 'fix or filter the offending rows; nothing was committed',
          context: { constraint: rule.what, row: bad },
        },
      );
    }
  }
}
