import { describe, expect, it } from 'vitest';
import { DeltaError, isDeltaError } from '../errors.js';
import { parsePredicate } from '../expr/parse.js';
import type { Action, Add } from '../protocol/actions.js';
import { MemoryStorage } from '../storage/memory.js';
import { carelessStorage } from '../storage/test-careless.js';
import type { PutOptions, Storage } from '../storage/storage.js';
import { DeltaTable } from '../table/table.js';
import { commitOwner } from './commit-file.js';
import { Transaction, type CommitOutcome } from './transaction.js';

const SCHEMA = {
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'p', type: 'string', nullable: true, metadata: {} },
  ],
};

function add(path: string, p: string, minId = 0, maxId = 9): Add {
  return {
    path,
    partitionValues: { p },
    size: 100,
    modificationTime: 1,
    dataChange: true,
    stats: JSON.stringify({
      numRecords: maxId - minId + 1,
      minValues: { id: minId },
      maxValues: { id: maxId },
      nullCount: { id: 0 },
    }),
  };
}

async function createTable(
  storage: Storage,
  configuration: Record<string, string> = {},
  writerFeatures?: string[],
): Promise<void> {
  const txn = new Transaction(storage, undefined, { operation: 'CREATE TABLE' });
  txn.stage(
    {
      protocol: writerFeatures
        ? { minReaderVersion: 1, minWriterVersion: 7, writerFeatures }
        : { minReaderVersion: 1, minWriterVersion: 2 },
    },
    {
      metaData: {
        id: 'tbl',
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify(SCHEMA),
        partitionColumns: ['p'],
        configuration,
        createdTime: 0,
      },
    },
    { add: add('p=a/f0.parquet', 'a') },
  );
  expect((await txn.commit()).status).toBe('committed');
}

async function begin(storage: Storage, operation = 'WRITE'): Promise<Transaction> {
  const snap = await (await DeltaTable.open(storage)).snapshot();
  return new Transaction(storage, snap, { operation, sleep: async () => {} });
}

function committed(outcome: CommitOutcome): number {
  if (outcome.status !== 'committed') throw new Error(`expected committed, got ${JSON.stringify(outcome)}`);
  return outcome.version;
}

describe('Transaction', () => {
  it('commits versions in order with commitInfo first', async () => {
    const storage = new MemoryStorage('t1');
    await createTable(storage);
    const txn = await begin(storage);
    txn.stage({ add: add('p=b/f1.parquet', 'b') });
    const outcome = await txn.commit();
    expect(committed(outcome)).toBe(1);
    if (outcome.status !== 'committed') return;
    expect(outcome.actions[0]?.commitInfo?.isBlindAppend).toBe(true);
    expect(outcome.actions[0]?.commitInfo?.readVersion).toBe(0);
    const snap = await (await DeltaTable.open(storage)).snapshot();
    expect(snap.files.map((f) => f.path).sort()).toEqual(['p=a/f0.parquet', 'p=b/f1.parquet']);
  });

  it('rebases two blind appends from the same snapshot', async () => {
    const storage = new MemoryStorage('t2');
    await createTable(storage);
    const a = await begin(storage);
    const b = await begin(storage);
    a.stage({ add: add('p=a/a.parquet', 'a') });
    b.stage({ add: add('p=a/b.parquet', 'a') });
    expect(committed(await a.commit())).toBe(1);
    const outcome = await b.commit();
    expect(committed(outcome)).toBe(2);
    expect(outcome.status === 'committed' && outcome.attempts).toBe(2);
  });

  it('reports a concurrent append into the part of the table a delete read', async () => {
    const storage = new MemoryStorage('t3');
    await createTable(storage);
    const snap = await (await DeltaTable.open(storage)).snapshot();
    const del = new Transaction(storage, snap, { operation: 'DELETE', sleep: async () => {} });
    del.recordRead(parsePredicate("p = 'a'", snap.schema), snap.files);
    del.stage({ remove: { path: 'p=a/f0.parquet', dataChange: true, deletionTimestamp: 2 } });
    // A non-blind writer adds into partition a: the delete would miss its rows.
    const other = await begin(storage, 'MERGE');
    other.recordRead(parsePredicate("p = 'z'", snap.schema), []);
    other.stage({ add: add('p=a/new.parquet', 'a') });
    committed(await other.commit());
    const outcome = await del.commit();
    expect(outcome.status).toBe('conflict');
    if (outcome.status !== 'conflict') return;
    expect(outcome.error.context.conflict).toBe('ConcurrentAppend');
    expect(outcome.error.help).toMatch(/retry/);
  });

  it('lets a blind append into the read partition pass under WriteSerializable, not under Serializable', async () => {
    for (const isolationLevel of ['WriteSerializable', 'Serializable'] as const) {
      const storage = new MemoryStorage(`t4-${isolationLevel}`);
      await createTable(storage);
      const snap = await (await DeltaTable.open(storage)).snapshot();
      const del = new Transaction(storage, snap, {
        operation: 'DELETE',
        isolationLevel,
        sleep: async () => {},
      });
      del.recordRead(parsePredicate("p = 'a'", snap.schema), snap.files);
      del.stage({ remove: { path: 'p=a/f0.parquet', dataChange: true, deletionTimestamp: 2 } });
      const append = await begin(storage);
      append.stage({ add: add('p=a/new.parquet', 'a') });
      committed(await append.commit());
      const outcome = await del.commit();
      expect(outcome.status).toBe(isolationLevel === 'Serializable' ? 'conflict' : 'committed');
    }
  });

  it('ignores concurrent appends that data skipping proves outside the read predicate', async () => {
    const storage = new MemoryStorage('t5');
    await createTable(storage);
    const snap = await (await DeltaTable.open(storage)).snapshot();
    const upd = new Transaction(storage, snap, {
      operation: 'UPDATE',
      isolationLevel: 'Serializable',
      sleep: async () => {},
    });
    upd.recordRead(parsePredicate('id < 5', snap.schema), snap.files);
    upd.stage({ remove: { path: 'p=a/f0.parquet', dataChange: true, deletionTimestamp: 2 } });
    const append = await begin(storage);
    append.stage({ add: add('p=a/high.parquet', 'a', 100, 200) });
    committed(await append.commit());
    expect(committed(await upd.commit())).toBe(2);
  });

  it('reports delete-read and delete-delete conflicts on the same file', async () => {
    const storage = new MemoryStorage('t6');
    await createTable(storage);
    const first = await begin(storage, 'DELETE');
    const second = await begin(storage, 'DELETE');
    const third = await begin(storage, 'OPTIMIZE');
    for (const t of [first, second]) {
      const snap = t.snapshot;
      if (!snap) throw new Error('no snapshot');
      t.recordRead(parsePredicate('id = 3', snap.schema), snap.files);
      t.stage({ remove: { path: 'p=a/f0.parquet', dataChange: true, deletionTimestamp: 2 } });
    }
    // The third removes the file without having declared a read of it.
    third.stage({ remove: { path: 'p=a/f0.parquet', dataChange: false, deletionTimestamp: 2 } });
    committed(await first.commit());
    const outcome = await second.commit();
    expect(outcome.status === 'conflict' && outcome.error.context.conflict).toBe('ConcurrentDeleteRead');
    const outcome3 = await third.commit();
    expect(outcome3.status === 'conflict' && outcome3.error.context.conflict).toBe('ConcurrentDeleteDelete');
  });

  it('reports a metadata change and a concurrent table creation', async () => {
    const storage = new MemoryStorage('t7');
    const create2 = new Transaction(storage, undefined, { operation: 'CREATE TABLE', sleep: async () => {} });
    create2.stage({ protocol: { minReaderVersion: 1, minWriterVersion: 2 } });
    await createTable(storage);
    const lost = await create2.commit();
    expect(lost.status === 'conflict' && lost.error.context.conflict).toBe('TableCreatedConcurrently');

    const writer = await begin(storage);
    writer.stage({ add: add('p=a/x.parquet', 'a') });
    const alter = await begin(storage, 'SET TBLPROPERTIES');
    const meta = alter.snapshot?.metadata;
    if (!meta) throw new Error('no metadata');
    alter.stage({ metaData: { ...meta, configuration: { 'delta.appendOnly': 'true' } } });
    committed(await alter.commit());
    const outcome = await writer.commit();
    expect(outcome.status === 'conflict' && outcome.error.context.conflict).toBe('MetadataChanged');
  });

  it('skips a txn(appId, version) already in the table, before writing and when a winner holds it', async () => {
    const storage = new MemoryStorage('t8');
    await createTable(storage);
    const t1 = await begin(storage);
    t1.setAppTransaction('job', 5);
    t1.stage({ add: add('p=a/1.parquet', 'a') });
    committed(await t1.commit());
    const again = await begin(storage);
    expect(again.appVersion('job')).toBe(5);
    again.setAppTransaction('job', 5);
    again.stage({ add: add('p=a/2.parquet', 'a') });
    expect(await again.commit()).toMatchObject({ status: 'duplicate', appId: 'job', txnVersion: 5 });

    const racerA = await begin(storage);
    const racerB = await begin(storage);
    for (const [t, file] of [
      [racerA, 'p=a/3.parquet'],
      [racerB, 'p=a/4.parquet'],
    ] as const) {
      t.setAppTransaction('job', 6);
      t.stage({ add: add(file, 'a') });
    }
    committed(await racerA.commit());
    expect(await racerB.commit()).toMatchObject({ status: 'duplicate', version: 2 });
    const snap = await (await DeltaTable.open(storage)).snapshot();
    expect(snap.files).toHaveLength(3);
  });

  it('resolves an ambiguous put by reading the commit back: never commits twice', async () => {
    const inner = new MemoryStorage('t9');
    await createTable(inner);
    let failNext: 'after-write' | 'before-write' | undefined = 'after-write';
    const flaky: Storage = {
      url: inner.url,
      ifAbsentGuaranteed: true,
      list: (p, s) => inner.list(p, s),
      get: (k) => inner.get(k),
      getRange: (k, r) => inner.getRange(k, r),
      head: (k) => inner.head(k),
      delete: (k) => inner.delete(k),
      async put(key: string, data: Uint8Array, options?: PutOptions) {
        const mode = key.endsWith('.json') ? failNext : undefined;
        failNext = mode === 'after-write' ? 'before-write' : undefined;
        if (mode === 'after-write') await inner.put(key, data, options);
        if (mode) throw new DeltaError('StorageError', 'socket hang up', { retriable: true });
        return inner.put(key, data, options);
      },
    };
    const snap = await (await DeltaTable.open(inner)).snapshot();
    const txn = new Transaction(flaky, snap, { operation: 'WRITE', sleep: async () => {} });
    txn.stage({ add: add('p=a/once.parquet', 'a') });
    expect(committed(await txn.commit())).toBe(1);
    expect(await inner.head('_delta_log/00000000000000000002.json')).toBeUndefined();

    const txn2 = new Transaction(flaky, await (await DeltaTable.open(inner)).snapshot(), {
      operation: 'WRITE',
      sleep: async () => {},
    });
    failNext = 'before-write';
    txn2.stage({ add: add('p=a/twice.parquet', 'a') });
    const outcome = await txn2.commit();
    expect(committed(outcome)).toBe(2);
    expect(outcome.status === 'committed' && outcome.attempts).toBe(2);
    expect(typeof (await commitOwner(inner, 2))).toBe('string');
  });

  it('refuses a store that ignores put-if-absent unless a single writer is declared', async () => {
    const inner = new MemoryStorage('t10');
    await createTable(inner);
    const careless = carelessStorage(inner, 's3://careless/t');
    const snap = await (await DeltaTable.open(inner)).snapshot();
    const txn = new Transaction(careless, snap, { operation: 'WRITE' });
    txn.stage({ add: add('p=a/x.parquet', 'a') });
    const err: unknown = await txn.commit().catch((e: unknown) => e);
    expect(isDeltaError(err, 'UnsafeStorage')).toBe(true);
    expect((err as DeltaError).help).toMatch(/single writer/);
    const probes = [];
    for await (const m of inner.list('_delta_log/.')) probes.push(m.key);
    expect(probes).toEqual([]);
    const single = new Transaction(careless, snap, { operation: 'WRITE', singleWriter: true });
    single.stage({ add: add('p=a/x.parquet', 'a') });
    expect(committed(await single.commit())).toBe(1);
  });

  it('keeps in-commit timestamps strictly increasing across rebases', async () => {
    const storage = new MemoryStorage('t11');
    await createTable(storage, { 'delta.enableInCommitTimestamps': 'true' }, ['inCommitTimestamp']);
    const snap = await (await DeltaTable.open(storage)).snapshot();
    const frozen = () => snap.timestamp - 1000; // a clock running behind the table's last commit
    const txn = new Transaction(storage, snap, { operation: 'WRITE', clock: frozen });
    txn.stage({ add: add('p=a/x.parquet', 'a') });
    const outcome = await txn.commit();
    expect(outcome.status).toBe('committed');
    if (outcome.status !== 'committed') return;
    expect(outcome.actions[0]?.commitInfo?.inCommitTimestamp).toBe(snap.timestamp + 1);
  });

  it('assigns row ids and the high-water mark when row tracking is on, continuing after a winner', async () => {
    const storage = new MemoryStorage('t12');
    const create = new Transaction(storage, undefined, { operation: 'CREATE TABLE' });
    create.stage(
      {
        protocol: {
          minReaderVersion: 1,
          minWriterVersion: 7,
          writerFeatures: ['domainMetadata', 'rowTracking'],
        },
      },
      {
        metaData: {
          id: 'rt',
          format: { provider: 'parquet', options: {} },
          schemaString: JSON.stringify(SCHEMA),
          partitionColumns: ['p'],
          configuration: { 'delta.enableRowTracking': 'true' },
        },
      },
      { add: add('p=a/0.parquet', 'a', 0, 9) },
    );
    const v0 = await create.commit();
    expect(v0.status === 'committed' && v0.actions.find((a) => a.add)?.add?.baseRowId).toBe(0);
    const a = await begin(storage);
    const b = await begin(storage);
    a.stage({ add: add('p=a/1.parquet', 'a', 0, 4) });
    b.stage({ add: add('p=a/2.parquet', 'a', 0, 2) });
    committed(await a.commit());
    const outcome = await b.commit();
    const actions: readonly Action[] = outcome.status === 'committed' ? outcome.actions : [];
    expect(actions.find((x) => x.add)?.add).toMatchObject({ baseRowId: 15, defaultRowCommitVersion: 2 });
    expect(actions.find((x) => x.domainMetadata)?.domainMetadata?.configuration).toBe(
      '{"rowIdHighWaterMark":17}',
    );
  });
});
