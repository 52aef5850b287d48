import { tableFromArrays, type Table } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { MemoryStorage } from '../storage/memory.js';
import { carelessStorage } from '../storage/test-careless.js';
import { DeltaTable } from '../table/table.js';
import { deleteRows, updateRows } from './dml.js';
import { optimizeTable, restoreTable } from './maintain.js';
import { mergeRows } from './merge.js';
import { writeTable } from './write.js';

function orders(ids: number[], country: string, qty = 1): Table {
  return tableFromArrays({
    id: BigInt64Array.from(ids.map(BigInt)),
    country: ids.map(() => country),
    qty: Int32Array.from(ids.map(() => qty)),
  });
}

async function rows(storage: MemoryStorage, version?: number): Promise<Record<string, unknown>[]> {
  const table = await DeltaTable.open(storage);
  const out: Record<string, unknown>[] = [];
  for await (const row of table.scan(version === undefined ? {} : { version }).rows()) out.push(row);
  return out.sort((a, b) => Number(a.id) - Number(b.id));
}

async function changes(storage: MemoryStorage, from: number): Promise<string[]> {
  const table = await DeltaTable.open(storage);
  const out: string[] = [];
  for await (const row of table.changes({ from }).rows()) {
    out.push(
      `${String(row._commit_version)}:${String(row._change_type)}:${String(row.id)}:${String(row.qty)}`,
    );
  }
  return out.sort();
}

async function error(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => undefined,
    (e: unknown) => e,
  );
}

describe('write operations', () => {
  it('creates a partitioned table, appends, and reads back every row', async () => {
    const s = new MemoryStorage('w1');
    const created = await writeTable(s, orders([1, 2], 'DE'), { partitionBy: ['country'] });
    expect(created).toMatchObject({ status: 'committed', version: 0 });
    await writeTable(s, orders([3], 'FR'));
    expect((await rows(s)).map((r) => [r.id, r.country])).toEqual([
      [1, 'DE'],
      [2, 'DE'],
      [3, 'FR'],
    ]);
    const snap = await (await DeltaTable.open(s)).snapshot();
    expect(snap.partitionColumns).toEqual(['country']);
    expect(snap.protocol).toMatchObject({ minReaderVersion: 1, minWriterVersion: 2 });
    expect(snap.files.every((f) => JSON.parse(f.stats ?? '{}').numRecords >= 1)).toBe(true);
  });

  it('lets concurrent first writes all succeed: the losers of the create race append', async () => {
    const s = new MemoryStorage('w0');
    const results = await Promise.all(
      [1, 2, 3].map((id) => writeTable(s, orders([id], 'DE'), { partitionBy: ['country'] })),
    );
    expect(results.map((r) => (r.status === 'committed' ? r.version : -1)).sort()).toEqual([0, 1, 2]);
    expect((await rows(s)).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('enforces the schema and adds columns with mergeSchema', async () => {
    const s = new MemoryStorage('w2');
    await writeTable(s, orders([1], 'DE'));
    const extra = tableFromArrays({
      id: BigInt64Array.from([2n]),
      country: ['DE'],
      qty: Int32Array.from([1]),
      note: ['x'],
    });
    const err = await error(writeTable(s, extra));
    expect(isDeltaError(err, 'SchemaMismatch')).toBe(true);
    expect(String(err)).toMatch(/note/);
    await writeTable(s, extra, { mergeSchema: true });
    const all = await rows(s);
    expect(all.map((r) => r.note)).toEqual([null, 'x']);
  });

  it('overwrites everything, a partition, or rows by a data predicate', async () => {
    const s = new MemoryStorage('w3');
    await writeTable(s, orders([1, 2], 'DE'), { partitionBy: ['country'] });
    await writeTable(s, orders([3], 'FR'));
    await writeTable(s, orders([10], 'DE'), { mode: 'overwrite', where: "country = 'DE'" });
    expect((await rows(s)).map((r) => r.id)).toEqual([3, 10]);
    const outside = await error(
      writeTable(s, orders([11], 'FR'), { mode: 'overwrite', where: "country = 'DE'" }),
    );
    expect(isDeltaError(outside, 'ConstraintViolation')).toBe(true);
    await writeTable(s, orders([20, 21], 'US'));
    await writeTable(s, orders([25], 'US'), { mode: 'overwrite', where: 'id >= 20' });
    expect((await rows(s)).map((r) => r.id)).toEqual([3, 10, 25]);
    await writeTable(s, orders([7], 'IT'), { mode: 'overwrite' });
    expect((await rows(s)).map((r) => r.id)).toEqual([7]);
  });

  for (const dv of [false, true]) {
    it(`deletes and updates by predicate ${dv ? 'with deletion vectors' : 'copy-on-write'}, with change data`, async () => {
      const s = new MemoryStorage(`w4-${dv}`);
      const properties: Record<string, string> = { 'delta.enableChangeDataFeed': 'true' };
      if (dv) properties['delta.enableDeletionVectors'] = 'true';
      await writeTable(s, orders([1, 2, 3, 4], 'DE'), { properties });
      const del = await deleteRows(s, { where: 'id = 2' });
      expect(del).toMatchObject({ status: 'committed', version: 1, metrics: { numDeletedRows: 1 } });
      expect(del.metrics.numDeletionVectorsAdded).toBe(dv ? 1 : 0);
      const upd = await updateRows(s, { where: 'id >= 3', set: { qty: 9 } });
      expect(upd.metrics.numUpdatedRows).toBe(2);
      expect((await rows(s)).map((r) => [r.id, r.qty])).toEqual([
        [1, 1],
        [3, 9],
        [4, 9],
      ]);
      const none = await deleteRows(s, { where: 'id = 99' });
      expect(none).toMatchObject({ status: 'committed', version: 2, attempts: 0 });
      expect(await changes(s, 1)).toEqual([
        '1:delete:2:1',
        '2:update_postimage:3:9',
        '2:update_postimage:4:9',
        '2:update_preimage:3:1',
        '2:update_preimage:4:1',
      ]);
      const snap = await (await DeltaTable.open(s)).snapshot();
      expect(snap.files.some((f) => f.deletionVector)).toBe(dv);
    });
  }

  it('merges a CDC batch: dedupe by sequence, delete, update, insert', async () => {
    const s = new MemoryStorage('w5');
    await writeTable(s, orders([1, 2, 3], 'DE'), { properties: { 'delta.enableChangeDataFeed': 'true' } });
    const source = tableFromArrays({
      id: BigInt64Array.from([2n, 2n, 3n, 4n, 5n, 5n]),
      country: ['DE', 'DE', 'DE', 'FR', 'FR', 'FR'],
      qty: Int32Array.from([20, 21, 0, 40, 50, 0]),
      op: ['u', 'u', 'd', 'c', 'c', 'd'],
      lsn: BigInt64Array.from([10n, 11n, 12n, 13n, 15n, 14n]),
    });
    const result = await mergeRows(s, source, {
      on: ['id'],
      sequenceBy: 'lsn',
      deleteWhen: "op = 'd'",
      sourceOnlyColumns: ['op', 'lsn'],
    });
    expect(result.metrics).toMatchObject({
      numTargetRowsUpdated: 1,
      numTargetRowsDeleted: 1,
      numTargetRowsInserted: 2,
    });
    expect((await rows(s)).map((r) => [r.id, r.qty])).toEqual([
      [1, 1],
      [2, 21],
      [4, 40],
      [5, 50],
    ]);
    expect(await changes(s, 1)).toEqual([
      '1:delete:3:1',
      '1:insert:4:40',
      '1:insert:5:50',
      '1:update_postimage:2:21',
      '1:update_preimage:2:1',
    ]);
  });

  it('rewrites a file copy-on-write into one new file holding the copied and the replaced rows', async () => {
    const s = new MemoryStorage('w5b');
    await writeTable(s, orders([1, 2, 3, 4], 'DE'));
    const upd = await updateRows(s, { where: 'id = 2', set: { qty: 9 } });
    expect(upd.metrics).toMatchObject({ numUpdatedRows: 1 });
    expect((await (await DeltaTable.open(s)).snapshot()).files).toHaveLength(1);
    const merged = await mergeRows(s, orders([3, 5], 'DE', 7), { on: ['id'] });
    expect(merged.metrics).toMatchObject({ numTargetRowsUpdated: 1, numTargetRowsInserted: 1 });
    // One rewrite of the touched file, one file of inserts.
    expect((await (await DeltaTable.open(s)).snapshot()).files).toHaveLength(2);
    expect((await rows(s)).map((r) => [r.id, r.qty])).toEqual([
      [1, 1],
      [2, 9],
      [3, 7],
      [4, 1],
      [5, 7],
    ]);
  });

  it('restores an earlier version and compacts small files', async () => {
    const s = new MemoryStorage('w6');
    await writeTable(s, orders([1], 'DE'), { properties: { 'delta.enableChangeDataFeed': 'true' } });
    for (const id of [2, 3, 4]) await writeTable(s, orders([id], 'DE'));
    await deleteRows(s, { where: 'id <= 2' });
    const restored = await restoreTable(s, { version: 2 });
    expect(restored).toMatchObject({ status: 'committed', version: 5 });
    expect((await rows(s)).map((r) => r.id)).toEqual([1, 2, 3]);
    const before = (await (await DeltaTable.open(s)).snapshot()).files.length;
    const optimized = await optimizeTable(s);
    expect(optimized.metrics).toMatchObject({ numFilesRemoved: before, numFilesAdded: 1 });
    expect((await rows(s)).map((r) => r.id)).toEqual([1, 2, 3]);
    const table = await DeltaTable.open(s);
    const cdf = [];
    for await (const r of table.changes({ from: 6 }).rows()) cdf.push(r);
    expect(cdf).toEqual([]);
  });

  it('refuses rewrites of an append-only table and rows breaking a CHECK constraint', async () => {
    const s = new MemoryStorage('w7');
    await writeTable(s, orders([1], 'DE'), {
      properties: { 'delta.appendOnly': 'true', 'delta.constraints.positive': 'qty > 0' },
    });
    expect(isDeltaError(await error(deleteRows(s, { where: 'id = 1' })), 'ConstraintViolation')).toBe(true);
    const bad = await error(writeTable(s, orders([2], 'DE', -1)));
    expect(isDeltaError(bad, 'ConstraintViolation')).toBe(true);
    expect(String(bad)).toMatch(/positive/);
    expect((await rows(s)).map((r) => r.id)).toEqual([1]);
  });

  it('writes a checkpoint every delta.checkpointInterval commits, which replays like the JSON log', async () => {
    const s = new MemoryStorage('w9');
    await writeTable(s, orders([0], 'DE'), { properties: { 'delta.checkpointInterval': '5' } });
    const results = [];
    for (let id = 1; id <= 6; id++) results.push(await writeTable(s, orders([id], 'DE')));
    expect(results.map((r) => r.postCommit?.checkpointVersion)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      5,
      undefined,
    ]);
    expect(await s.head('_delta_log/00000000000000000005.checkpoint.parquet')).toBeDefined();
    const hint = JSON.parse(new TextDecoder().decode(await s.get('_delta_log/_last_checkpoint'))) as {
      version: number;
    };
    expect(hint.version).toBe(5);
    expect((await rows(s)).map((r) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('opens a table with in-commit timestamps whose latest version is a checkpoint', async () => {
    const s = new MemoryStorage('w10');
    await writeTable(s, orders([0], 'DE'), {
      properties: { 'delta.enableInCommitTimestamps': 'true', 'delta.checkpointInterval': '2' },
    });
    await writeTable(s, orders([1], 'DE'));
    const last = await writeTable(s, orders([2], 'DE'));
    expect(last.postCommit?.checkpointVersion).toBe(2);
    const ict = last.status === 'committed' ? last.actions[0]?.commitInfo?.inCommitTimestamp : undefined;
    const snap = await (await DeltaTable.open(s)).snapshot();
    expect(snap.version).toBe(2);
    expect(snap.timestamp).toBe(ict);
  });

  it('refuses a store that ignores put-if-absent before writing any data file', async () => {
    const inner = new MemoryStorage('w11');
    const careless = carelessStorage(inner, 's3://careless/w11');
    expect(isDeltaError(await error(writeTable(careless, orders([1], 'DE'))), 'UnsafeStorage')).toBe(true);
    const left = [];
    for await (const m of inner.list('')) left.push(m.key);
    expect(left).toEqual([]);
  });

  it('is exactly-once per (appId, version)', async () => {
    const s = new MemoryStorage('w8');
    await writeTable(s, orders([1], 'DE'));
    const first = await writeTable(s, orders([2], 'DE'), { appTransaction: { appId: 'bronze', version: 7 } });
    expect(first.status).toBe('committed');
    const again = await writeTable(s, orders([2], 'DE'), { appTransaction: { appId: 'bronze', version: 7 } });
    expect(again.status).toBe('duplicate');
    expect((await rows(s)).map((r) => r.id)).toEqual([1, 2]);
  });
});
