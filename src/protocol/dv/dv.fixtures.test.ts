/**
 * Decodes every deletion vector referenced by the JSON commits of the shared fixture tables (written
 * by Spark, Delta Kernel and delta-rs): inline and file-based, first and later entries of a file.
 * The loader checks the checksum and the descriptor's cardinality; this test also checks that every
 * deleted row index lies inside the data file (`numRecords` from the add's stats).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../../storage/local.js';
import type { DeletionVectorDescriptor } from '../actions.js';
import { deletionVectorUniqueId, loadDeletionVector } from './dv.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/delta-fixtures');

interface Found {
  readonly table: string;
  readonly commit: string;
  readonly descriptor: DeletionVectorDescriptor;
  readonly numRecords: number | undefined;
  readonly fromRemove: boolean;
}

function tableRoots(): string[] {
  if (!existsSync(FIXTURES)) return [];
  const roots: string[] = [];
  for (const group of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const table of readdirSync(path.join(FIXTURES, group.name), { withFileTypes: true })) {
      if (!table.isDirectory()) continue;
      for (const root of [
        path.join(FIXTURES, group.name, table.name),
        path.join(FIXTURES, group.name, table.name, 'delta'),
      ]) {
        if (existsSync(path.join(root, '_delta_log'))) roots.push(root);
      }
    }
  }
  return roots;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

function findDeletionVectors(): Found[] {
  const found: Found[] = [];
  for (const table of tableRoots()) {
    const log = path.join(table, '_delta_log');
    for (const name of readdirSync(log).filter((n) => /^\d{20}\.json$/.test(n))) {
      const text = readFileSync(path.join(log, name), 'utf8');
      if (!text.includes('deletionVector')) continue;
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const action: unknown = JSON.parse(line);
        if (!isRecord(action)) continue;
        for (const kind of ['add', 'remove'] as const) {
          const file = action[kind];
          if (!isRecord(file) || !isRecord(file.deletionVector)) continue;
          let numRecords: number | undefined;
          if (typeof file.stats === 'string') {
            const stats: unknown = JSON.parse(file.stats);
            if (isRecord(stats) && typeof stats.numRecords === 'number') numRecords = stats.numRecords;
          }
          found.push({
            table,
            commit: name,
            descriptor: file.deletionVector as unknown as DeletionVectorDescriptor,
            numRecords,
            fromRemove: kind === 'remove',
          });
        }
      }
    }
  }
  return found;
}

const all = findDeletionVectors();

describe.skipIf(all.length === 0)('deletion vectors of the fixture tables', () => {
  it('covers inline DVs, file DVs and DVs after the first entry of a file', () => {
    const types = new Set(all.map((f) => f.descriptor.storageType));
    expect(types).toEqual(new Set(['u', 'i']));
    expect(all.some((f) => (f.descriptor.offset ?? 1) > 1)).toBe(true);
    expect(new Set(all.map((f) => f.table)).size).toBeGreaterThanOrEqual(12);
  });

  it('decodes every one, with the descriptor cardinality and row indexes inside the file', async () => {
    const seen = new Set<string>();
    let loaded = 0;
    for (const f of all) {
      const id = `${f.table}|${deletionVectorUniqueId(f.descriptor)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const where = `${path.relative(FIXTURES, f.table)} ${f.commit} ${deletionVectorUniqueId(f.descriptor)}`;
      const dv = await loadDeletionVector(new LocalStorage(f.table), f.descriptor).catch((err: unknown) => {
        throw new Error(`${where}: ${String(err)}`);
      });
      expect(dv.cardinality, where).toBe(f.descriptor.cardinality);
      const values = [...dv.values()];
      expect(values.length, where).toBe(f.descriptor.cardinality);
      if (f.numRecords !== undefined)
        expect(
          values.filter((v) => v >= (f.numRecords ?? 0)),
          where,
        ).toEqual([]);
      expect(
        values.every((v) => dv.has(v)),
        where,
      ).toBe(true);
      loaded++;
    }
    expect(loaded).toBeGreaterThan(50);
  });
});
