import { tableFromArrays, type Table } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deleteRows,
  LocalStorage,
  mergeRows,
  optimizeTable,
  updateRows,
  writeTable,
  type OperationResult,
} from '../src/index.js';
import { writeCheckpoint } from '../src/log/checkpoint-write.js';
import { vacuum } from '../src/table/vacuum.js';
import { describeDiff } from './compare.js';
import { diffRows, ourRows, RefServer, removeTemp, tempTable, useRefServer } from './interop.js';

/**
 * Model-based test of the write operations: random sequences of append, overwrite, replaceWhere,
 * delete, update, CDC merge, optimize, checkpoint and vacuum on a table created with random
 * settings (partitioned or not, deletion vectors, change data feed, column mapping), run against
 * a model — a Map from key to row. After every step delta-ts' read must equal the model; delta-rs
 * reads the table at steps the generator marks and at the end of every sequence (its reads are
 * fast; Spark is left to the interop spec to keep this file under three minutes).
 */

interface Row {
  readonly id: number;
  readonly country: string;
  readonly qty: number;
}

interface Model {
  rows: Map<number, Row>;
}

interface Real {
  readonly root: string;
  readonly server: RefServer;
}

const COUNTRIES = ['DE', 'FR', 'a b', 'x=y/%'];
const rowArb = fc.record({
  id: fc.integer({ min: 0, max: 40 }),
  country: fc.constantFrom(...COUNTRIES),
  qty: fc.integer({ min: -5, max: 100 }),
});

function arrow(rows: readonly Row[]): Table {
  return tableFromArrays({
    id: BigInt64Array.from(rows.map((r) => BigInt(r.id))),
    country: rows.map((r) => r.country),
    qty: Int32Array.from(rows.map((r) => r.qty)),
  });
}

/** Rows with distinct ids (the first of each id wins). */
function distinct(rows: readonly Row[]): Row[] {
  const seen = new Map<number, Row>();
  for (const r of rows) if (!seen.has(r.id)) seen.set(r.id, r);
  return [...seen.values()];
}

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function committed(result: OperationResult): void {
  if (result.status !== 'committed') throw new Error(`expected a commit, got ${result.status}`);
}

async function expectModel(real: Real, model: Model, engine: 'delta-ts' | 'delta-rs'): Promise<void> {
  const expected = [...model.rows.values()].map((r) => ({ id: r.id, country: r.country, qty: r.qty }));
  const fields = [
    { name: 'id', type: 'long' },
    { name: 'country', type: 'string' },
    { name: 'qty', type: 'integer' },
  ];
  const actual =
    engine === 'delta-ts' ? await ourRows(real.root) : (await real.server.read('delta-rs', real.root)).rows;
  const d = diffRows({ engine: 'model', fields, rows: expected }, actual);
  expect(d.equal, describeDiff(d, `the model (as read by ${engine})`)).toBe(true);
}

/** A step: what it does to the model, and how delta-ts does it. */
abstract class Step implements fc.AsyncCommand<Model, Real> {
  constructor(readonly checkDeltaRs: boolean) {}
  check(): boolean {
    return true;
  }
  abstract apply(model: Model, real: Real): Promise<void>;
  abstract toString(): string;
  async run(model: Model, real: Real): Promise<void> {
    await this.apply(model, real);
    await expectModel(real, model, 'delta-ts');
    if (this.checkDeltaRs) await expectModel(real, model, 'delta-rs');
  }
}

class Append extends Step {
  constructor(
    readonly rows: Row[],
    check: boolean,
  ) {
    super(check);
  }
  async apply(model: Model, real: Real): Promise<void> {
    const fresh = distinct(this.rows).filter((r) => !model.rows.has(r.id));
    if (fresh.length === 0) return;
    committed(await writeTable(real.root, arrow(fresh)));
    for (const r of fresh) model.rows.set(r.id, r);
  }
  toString(): string {
    return `append(${JSON.stringify(this.rows)})`;
  }
}

class Overwrite extends Step {
  constructor(
    readonly rows: Row[],
    readonly country: string | undefined,
    check: boolean,
  ) {
    super(check);
  }
  async apply(model: Model, real: Real): Promise<void> {
    const { country } = this;
    let rows = distinct(this.rows);
    if (country !== undefined) {
      // Every written row must match the predicate, and a key kept outside it must stay unique.
      rows = rows
        .map((r) => ({ ...r, country }))
        .filter((r) => {
          const old = model.rows.get(r.id);
          return old === undefined || old.country === country;
        });
    }
    if (rows.length === 0) return;
    const where = country === undefined ? {} : { where: `country = ${sqlString(country)}` };
    committed(await writeTable(real.root, arrow(rows), { mode: 'overwrite', ...where }));
    if (country === undefined) model.rows.clear();
    else for (const [id, r] of model.rows) if (r.country === country) model.rows.delete(id);
    for (const r of rows) model.rows.set(r.id, r);
  }
  toString(): string {
    return `overwrite(${this.country ?? '*'}, ${JSON.stringify(this.rows)})`;
  }
}

class Delete extends Step {
  constructor(
    readonly low: number,
    readonly high: number,
    readonly country: string | undefined,
    check: boolean,
  ) {
    super(check);
  }
  async apply(model: Model, real: Real): Promise<void> {
    const byCountry = this.country === undefined ? '' : ` and country = ${sqlString(this.country)}`;
    committed(await deleteRows(real.root, { where: `id >= ${this.low} and id < ${this.high}${byCountry}` }));
    for (const [id, r] of model.rows) {
      if (id >= this.low && id < this.high && (this.country === undefined || r.country === this.country))
        model.rows.delete(id);
    }
  }
  toString(): string {
    return `delete(${this.low} <= id < ${this.high}, ${this.country ?? '*'})`;
  }
}

class Update extends Step {
  constructor(
    readonly country: string,
    readonly qty: number,
    check: boolean,
  ) {
    super(check);
  }
  async apply(model: Model, real: Real): Promise<void> {
    committed(
      await updateRows(real.root, { where: `country = ${sqlString(this.country)}`, set: { qty: this.qty } }),
    );
    for (const [id, r] of model.rows)
      if (r.country === this.country) model.rows.set(id, { ...r, qty: this.qty });
  }
  toString(): string {
    return `update(country = ${this.country} → qty ${this.qty})`;
  }
}

interface Event extends Row {
  readonly op: 'c' | 'u' | 'd';
  readonly lsn: number;
}

class Merge extends Step {
  constructor(
    readonly events: Event[],
    check: boolean,
  ) {
    super(check);
  }
  async apply(model: Model, real: Real): Promise<void> {
    // Distinct sequence numbers: with a tie the winner would be unspecified.
    const events = [...new Map(this.events.map((e) => [e.lsn, e])).values()];
    if (events.length === 0) return;
    const source = tableFromArrays({
      id: BigInt64Array.from(events.map((e) => BigInt(e.id))),
      country: events.map((e) => e.country),
      qty: Int32Array.from(events.map((e) => e.qty)),
      op: events.map((e) => e.op),
      lsn: BigInt64Array.from(events.map((e) => BigInt(e.lsn))),
    });
    committed(
      await mergeRows(real.root, source, {
        on: ['id'],
        sequenceBy: 'lsn',
        deleteWhen: "op = 'd'",
        sourceOnlyColumns: ['op', 'lsn'],
      }),
    );
    const last = new Map<number, Event>();
    for (const e of events) if ((last.get(e.id)?.lsn ?? -1) < e.lsn) last.set(e.id, e);
    for (const e of last.values()) {
      if (e.op === 'd') model.rows.delete(e.id);
      else model.rows.set(e.id, { id: e.id, country: e.country, qty: e.qty });
    }
  }
  toString(): string {
    return `merge(${JSON.stringify(this.events)})`;
  }
}

class Maintain extends Step {
  constructor(
    readonly what: 'optimize' | 'checkpoint' | 'vacuum',
    check: boolean,
  ) {
    super(check);
  }
  async apply(_model: Model, real: Real): Promise<void> {
    const storage = new LocalStorage(real.root);
    if (this.what === 'optimize') await optimizeTable(real.root);
    else if (this.what === 'checkpoint') await writeCheckpoint(storage);
    else await vacuum(storage, { retentionHours: 0, force: true, now: Date.now() + 60_000 });
  }
  toString(): string {
    return this.what;
  }
}

/** Whether delta-rs reads the table after the step too (about one step in four). */
const check = fc.integer({ min: 0, max: 3 }).map((n) => n === 0);
const steps = [
  fc.tuple(fc.array(rowArb, { minLength: 1, maxLength: 6 }), check).map(([r, c]) => new Append(r, c)),
  fc
    .tuple(
      fc.array(rowArb, { minLength: 1, maxLength: 6 }),
      fc.option(fc.constantFrom(...COUNTRIES), { nil: undefined }),
      check,
    )
    .map(([r, country, c]) => new Overwrite(r, country, c)),
  fc
    .tuple(
      fc.integer({ min: 0, max: 40 }),
      fc.integer({ min: 1, max: 15 }),
      fc.option(fc.constantFrom(...COUNTRIES), { nil: undefined }),
      check,
    )
    .map(([low, width, country, c]) => new Delete(low, low + width, country, c)),
  fc
    .tuple(fc.constantFrom(...COUNTRIES), fc.integer({ min: 0, max: 100 }), check)
    .map(([country, qty, c]) => new Update(country, qty, c)),
  fc
    .tuple(
      fc.array(
        fc.record({
          id: fc.integer({ min: 0, max: 40 }),
          country: fc.constantFrom(...COUNTRIES),
          qty: fc.integer({ min: 0, max: 100 }),
          op: fc.constantFrom<'c' | 'u' | 'd'>('c', 'u', 'd'),
          lsn: fc.integer({ min: 0, max: 1000 }),
        }),
        { minLength: 1, maxLength: 8 },
      ),
      check,
    )
    .map(([events, c]) => new Merge(events, c)),
  fc
    .tuple(fc.constantFrom<'optimize' | 'checkpoint' | 'vacuum'>('optimize', 'checkpoint', 'vacuum'), check)
    .map(([what, c]) => new Maintain(what, c)),
];

const settingsArb = fc.record({
  partitioned: fc.boolean(),
  deletionVectors: fc.boolean(),
  changeFeed: fc.boolean(),
  columnMapping: fc.constantFrom('none', 'name', 'id'),
  initial: fc.array(rowArb, { minLength: 1, maxLength: 8 }),
});

const requireServer = useRefServer();

describe('write operations against a model', () => {
  it('delta-ts and delta-rs read what the model says after every step', async () => {
    const ref = requireServer();
    await fc.assert(
      fc.asyncProperty(settingsArb, fc.commands(steps, { maxCommands: 12 }), async (settings, cmds) => {
        const root = tempTable('model');
        try {
          const properties: Record<string, string> = { 'delta.columnMapping.mode': settings.columnMapping };
          if (settings.deletionVectors) properties['delta.enableDeletionVectors'] = 'true';
          if (settings.changeFeed) properties['delta.enableChangeDataFeed'] = 'true';
          const initial = distinct(settings.initial);
          committed(
            await writeTable(root, arrow(initial), {
              properties,
              ...(settings.partitioned ? { partitionBy: ['country'] } : {}),
            }),
          );
          const model: Model = { rows: new Map(initial.map((r) => [r.id, r])) };
          const real: Real = { root, server: ref };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await expectModel(real, model, 'delta-rs');
        } finally {
          removeTemp(root);
        }
      }),
      {
        numRuns: 120,
        seed: Number(process.env.WRITE_MODEL_SEED ?? Date.now() % 1_000_000),
        endOnFailure: true,
      },
    );
  }, 240_000);
});
