/**
 * Checks one fixture case with delta-ts against its {@link Expectation}. Shared by the conformance
 * spec (library API) so each `it` is one call; throws an assertion-style `Error` whose message is
 * the report note on failure and returns an optional remark on success.
 */
import { createHash } from 'node:crypto';
import { DeltaTable, isDeltaError } from '../src/index.js';
import { describeDiff, RowMultiset, typesOf } from './compare.js';
import type { FixtureCase } from './fixtures.js';
import type { Expectation } from './outcomes.js';
import { readNdjson, type RefResult } from './reference.js';
import { secondOpinion, type SparkOpinion } from './spark.js';

/** What a passed check reports: a remark, and Spark's opinion where Spark read the version. */
export interface CheckResult {
  readonly note: string | undefined;
  readonly spark?: SparkOpinion;
}

/** A failed check; its message goes into the report. */
export class CheckFailure extends Error {
  override name = 'CheckFailure';
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Compares delta-ts' active files (paths as in the log) with delta-rs'. */
export function checkFiles(ours: readonly string[], ref: RefResult | undefined): void {
  if (ref?.filesSha256 === undefined) return;
  const sorted = [...ours].sort(byUtf8);
  const digest = createHash('sha256').update(sorted.join('\n'), 'utf8').digest('hex');
  if (digest === ref.filesSha256) return;
  let detail = `delta-ts has ${sorted.length} active files, delta-rs ${String(ref.filesCount)}`;
  if (ref.files !== undefined) {
    const theirs = new Set(ref.files);
    const mine = new Set(sorted);
    const onlyRef = ref.files.filter((f) => !mine.has(f)).slice(0, 3);
    const onlyOurs = sorted.filter((f) => !theirs.has(f)).slice(0, 3);
    detail += `; only delta-rs: ${JSON.stringify(onlyRef)}; only delta-ts: ${JSON.stringify(onlyOurs)}`;
  }
  throw new CheckFailure(`active files differ: ${detail}`);
}

function describeThrown(err: unknown): string {
  if (isDeltaError(err)) return `DeltaError ${err.code}: ${err.message.split('\n')[0] ?? ''}`;
  if (err instanceof Error) return `non-DeltaError ${err.name}: ${err.message.split('\n')[0] ?? ''}`;
  return `non-Error thrown: ${String(err)}`;
}

const versionOpt = (c: FixtureCase): { version?: number } =>
  c.version === undefined ? {} : { version: c.version };

/** Reads every row of the case's version, feeding each to `onRow`; returns the snapshot's files and schema names. */
async function readAll(c: FixtureCase, onRow: (row: Record<string, unknown>) => void): Promise<Produced> {
  const table = await DeltaTable.open(c.table.root);
  const snap = await table.snapshot(versionOpt(c));
  const files = snap.files.map((f) => f.path);
  const columns = snap.schema.fields.map((f) => f.name);
  for await (const row of table.scan(versionOpt(c)).rows()) onRow(row);
  return { files, columns };
}

/** What a producer of delta-ts rows reports besides the rows. */
export interface Produced {
  readonly files: readonly string[];
  readonly columns: readonly string[];
}

/**
 * Streams the reference's rows and the rows `produce` emits into one multiset and returns the
 * difference plus the column names delta-ts used (keys of its first row, else its schema).
 */
export async function compareWith(
  ref: RefResult,
  reference: string,
  produce: (onRow: (row: Record<string, unknown>) => void) => Promise<Produced>,
): Promise<{ diff: ReturnType<RowMultiset['diff']>; columns: readonly string[]; files: readonly string[] }> {
  if (ref.rowsPath === undefined) throw new CheckFailure(`${reference} result has no rows file`);
  const set = new RowMultiset(typesOf(ref.schema));
  for await (const row of readNdjson(ref.rowsPath)) set.addExpected(row);
  let firstKeys: string[] | undefined;
  const info = await produce((row) => {
    firstKeys ??= Object.keys(row);
    set.addActual(row);
  });
  return { diff: set.diff(), columns: firstKeys ?? info.columns, files: info.files };
}

/** Fails unless delta-ts' columns are the reference schema's, in order (as a set when `anyOrder`). */
export function checkColumns(columns: readonly string[], ref: RefResult, anyOrder: boolean): void {
  const refNames = (ref.schema ?? []).map((f) => f.name);
  const same = anyOrder
    ? JSON.stringify([...columns].sort()) === JSON.stringify([...refNames].sort())
    : JSON.stringify(columns) === JSON.stringify(refNames);
  if (!same) {
    throw new CheckFailure(
      `columns ${JSON.stringify(columns)} differ from the reference schema ${JSON.stringify(refNames)}`,
    );
  }
}

/**
 * Spark's second opinion on a passed case; an unjudged disagreement fails the case, because then
 * nobody has decided which reference delta-ts should follow.
 */
async function withOpinion(
  caseId: string,
  note: string | undefined,
  spark: RefResult | undefined,
  primary: RefResult | undefined,
  primaryLabel: string,
): Promise<CheckResult> {
  if (spark === undefined) return { note };
  const opinion = await secondOpinion(caseId, spark, primary, primaryLabel);
  const judged = opinion.verdict === 'agrees' || opinion.verdict === 'unavailable';
  if (!judged && opinion.judgement === undefined) {
    throw new CheckFailure(
      `Spark ${opinion.verdict === 'refused' ? 'refuses what' : 'disagrees with'} ${primaryLabel}${opinion.verdict === 'refused' ? ' reads' : ''}: ${opinion.detail ?? ''} (judge it by PROTOCOL.md in SPARK_VERDICTS, spec-tests/spark.ts)`,
    );
  }
  return { note, spark: opinion };
}

/** Compares the reference's rows with delta-ts' for the case. Returns a remark for the report. */
async function checkRows(c: FixtureCase, e: Extract<Expectation, { kind: 'rows' }>): Promise<CheckResult> {
  const { diff, columns, files } = await compareWith(e.ref, e.reference, (onRow) => readAll(c, onRow));
  // A note on an expected result means its Parquet holds the columns in another order than the schema.
  checkColumns(columns, e.ref, e.ref.note !== undefined);
  if (!diff.equal) throw new CheckFailure(describeDiff(diff, e.reference));
  // Stored expectations carry no file list; delta-rs' (when it replayed the log) stands in.
  checkFiles(files, e.filesRef ?? (e.ref.engine === 'expected' ? e.crossCheck : e.ref));
  if (e.ref.engine === 'spark') return { note: e.note, spark: { role: 'reference', verdict: 'agrees' } };
  const note = await crossCheckNote(e);
  return withOpinion(c.id, note, e.secondOpinion, e.ref, e.reference);
}

/** The remark for a passed rows check: the rule's note, or how delta-rs differs from the expectation. */
async function crossCheckNote(e: Extract<Expectation, { kind: 'rows' }>): Promise<string | undefined> {
  if (e.crossCheck === undefined) return e.note ?? e.ref.note;
  // The references themselves can disagree; delta-ts follows the stored expectation and we note it.
  const cross = new RowMultiset(typesOf(e.ref.schema));
  if (e.crossCheck.rowsPath === undefined) return undefined;
  for await (const row of readNdjson(e.ref.rowsPath ?? '')) cross.addExpected(row);
  for await (const row of readNdjson(e.crossCheck.rowsPath)) cross.addActual(row);
  const d = cross.diff(1);
  return d.equal
    ? undefined
    : `delta-rs disagrees with the expected rows (${d.actualCount} vs ${d.expectedCount} rows; e.g. ${d.unexpected[0] ?? d.missing[0] ?? ''})`;
}

async function checkError(c: FixtureCase, e: Extract<Expectation, { kind: 'error' }>): Promise<CheckResult> {
  if (e.phase === 'scan') {
    let files: string[];
    try {
      const table = await DeltaTable.open(c.table.root);
      files = (await table.snapshot(versionOpt(c))).files.map((f) => f.path);
    } catch (err) {
      throw new CheckFailure(
        `the snapshot must load (only reading rows should fail), but: ${describeThrown(err)}`,
      );
    }
    checkFiles(files, e.ref);
  }
  let rows = 0;
  try {
    await readAll(c, () => rows++);
  } catch (err) {
    if (isDeltaError(err) && e.codes.includes(err.code)) return { note: undefined };
    throw new CheckFailure(
      `expected DeltaError ${e.codes.join(' or ')} (${e.reason}), got ${describeThrown(err)}`,
    );
  }
  throw new CheckFailure(`expected DeltaError ${e.codes.join(' or ')} (${e.reason}), but read ${rows} rows`);
}

async function checkReadable(
  c: FixtureCase,
  e: Extract<Expectation, { kind: 'readable' }>,
): Promise<CheckResult> {
  let rows = 0;
  let files: readonly string[];
  try {
    ({ files } = await readAll(c, () => rows++));
  } catch (err) {
    throw new CheckFailure(`must be readable (${e.reason}), got ${describeThrown(err)}`);
  }
  checkFiles(files, e.ref);
  return { note: `rows unverified (${rows} read): ${e.reason}` };
}

async function checkEmpty(c: FixtureCase, e: Extract<Expectation, { kind: 'empty' }>): Promise<CheckResult> {
  let rows = 0;
  let files: readonly string[];
  try {
    ({ files } = await readAll(c, () => rows++));
  } catch (err) {
    throw new CheckFailure(`must read as an empty table (${e.reason}), got ${describeThrown(err)}`);
  }
  if (rows > 0 || files.length > 0) {
    throw new CheckFailure(
      `must read as an empty table (${e.reason}), got ${rows} rows in ${JSON.stringify(files)}`,
    );
  }
  return withOpinion(c.id, e.reason, e.secondOpinion, undefined, 'the empty-table rule');
}

/** Runs the check for one case; resolves to a report remark, rejects with {@link CheckFailure}. */
export async function checkCase(c: FixtureCase, e: Expectation): Promise<CheckResult> {
  switch (e.kind) {
    case 'rows':
      return checkRows(c, e);
    case 'error':
      return checkError(c, e);
    case 'readable':
      return checkReadable(c, e);
    case 'empty':
      return checkEmpty(c, e);
    case 'undecided':
      throw new CheckFailure(
        `no decision on the right outcome: ${e.reason} (add a rule to spec-tests/outcomes.ts)`,
      );
  }
}

/** A reference label for the report. */
export function referenceLabel(e: Expectation): string {
  switch (e.kind) {
    case 'rows':
      return e.reference;
    case 'error':
      return 'error-assertion';
    case 'readable':
      return 'read-only';
    case 'empty':
      return 'empty-assertion';
    case 'undecided':
      return 'none';
  }
}
