import { describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { toCanonicalRows } from '../format/canonical.js';
import { readParquetSchema } from '../parquet/read.js';
import type { Action, Add } from '../protocol/actions.js';
import type { ColumnMappingMode } from '../protocol/features.js';
import { resolveDataPath } from '../protocol/paths.js';
import { type StructType, typeToJson } from '../protocol/schema.js';
import { MemoryStorage } from '../storage/memory.js';
import { DeltaTable } from '../table/table.js';
import { assignColumnMapping } from './column-mapping.js';
import { type WriteContext, writeCdcFiles, writeDataFiles } from './data-files.js';
import { minimalProtocol } from './protocol.js';
import { ALL_TYPES, allTypesRows, batchOf, SPECIAL_PARTITIONS, testField as f } from './test-data.js';

/** The write context of an unpartitioned table without column mapping. */
function unpartitioned(schema: StructType): WriteContext {
  return { schema, partitionColumns: [], columnMappingMode: 'none', configuration: {}, dataChange: true };
}

async function commit(
  storage: MemoryStorage,
  schema: StructType,
  configuration: Record<string, string>,
  adds: Add[],
) {
  const actions: Action[] = [
    { commitInfo: { timestamp: 1, operation: 'WRITE' } },
    { protocol: minimalProtocol(configuration, schema) },
    {
      metaData: {
        id: 'test',
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify(typeToJson(schema)),
        partitionColumns: ['p', 'q'],
        configuration,
        createdTime: 1,
      },
    },
    ...adds.map((add) => ({ add })),
  ];
  await storage.put(
    '_delta_log/00000000000000000000.json',
    new TextEncoder().encode(actions.map((a) => JSON.stringify(a)).join('\n') + '\n'),
  );
}

async function collectRows(iter: AsyncIterable<Record<string, unknown>>): Promise<string[]> {
  const out: string[] = [];
  for await (const row of iter) out.push(JSON.stringify(row));
  return out.sort();
}

describe('writeDataFiles', () => {
  for (const mode of ['none', 'name', 'id'] as ColumnMappingMode[]) {
    it(`round-trips every type and special partition values through our reader (column mapping ${mode})`, async () => {
      const { schema } = assignColumnMapping(ALL_TYPES, { mode, maxColumnId: 0 });
      const configuration: Record<string, string> =
        mode === 'none' ? {} : { 'delta.columnMapping.mode': mode };
      const storage = new MemoryStorage(`rt-${mode}`);
      const batch = batchOf(schema, allTypesRows());
      const adds = await writeDataFiles(storage, [batch], {
        schema,
        partitionColumns: ['p', 'q'],
        columnMappingMode: mode,
        configuration,
        dataChange: true,
        now: 1234,
      });
      expect(adds).toHaveLength(SPECIAL_PARTITIONS.length);
      for (const add of adds) {
        // The path decodes to a key that exists; partition values are keyed by physical names.
        const key = resolveDataPath(add.path, { tableUrl: storage.url });
        expect(await storage.head(key)).toBeDefined();
        expect(add.modificationTime).toBe(1234);
        const physicalP =
          mode === 'none' ? 'p' : String(schema.fields[17]?.metadata['delta.columnMapping.physicalName']);
        expect(Object.keys(add.partitionValues)).toContain(physicalP);
        expect(key).toMatch(/part-\d{5}-[0-9a-f-]{36}-c000\.snappy\.parquet$/);
        const fileSchema = readParquetSchema(await storage.get(key));
        expect(fileSchema.fields.map((x) => x.name)).not.toContain(physicalP);
        if (mode === 'id')
          expect(fileSchema.fields[0]?.metadata.get('PARQUET:field_id')).toBe(
            String(schema.fields[0]?.metadata['delta.columnMapping.id']),
          );
      }
      await commit(storage, schema, configuration, adds);
      const table = await DeltaTable.open(storage);
      const expected = toCanonicalRows(batch, schema)
        .map((r) => JSON.stringify(r))
        .sort();
      expect(await collectRows(table.scan().rows())).toEqual(expected);
    });
  }

  it('writes directories as Spark escapes them and add paths that decode to them', async () => {
    const storage = new MemoryStorage('paths');
    const schema = ALL_TYPES;
    const adds = await writeDataFiles(storage, [batchOf(schema, allTypesRows())], {
      schema,
      partitionColumns: ['p', 'q'],
      columnMappingMode: 'none',
      configuration: {},
      dataChange: true,
    });
    const byValue = new Map(adds.map((a) => [a.partitionValues.p ?? null, a]));
    expect(byValue.get('x=y')?.path).toMatch(/^p=x%253Dy\/q=0\/part-/);
    expect(byValue.get('a/b')?.path).toMatch(/^p=a%252Fb\/q=1\//);
    expect(byValue.get('a b')?.path).toMatch(/^p=a%20b\/q=0\//);
    expect(byValue.get('100%')?.path).toMatch(/^p=100%2525\/q=1\//);
    expect(byValue.get('%2F')?.path).toMatch(/^p=%25252F\/q=1\//);
    expect(byValue.get(null)?.path).toMatch(/^p=__HIVE_DEFAULT_PARTITION__\/q=0\//);
    const keys: string[] = [];
    for await (const o of storage.list('p=')) keys.push(o.key);
    expect(keys.some((k) => k.startsWith('p=x%3Dy/q=0/'))).toBe(true);
    expect(keys.some((k) => k.startsWith('p=ünï€/q=0/'))).toBe(true);
  });

  it('rolls over to a new file at the target size and the row limit', async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [f('n', { type: 'long' }), f('s', { type: 'string' })],
    };
    const rows = Array.from({ length: 5000 }, (_, k) => ({
      n: BigInt(k),
      s: `row ${k} ${'x'.repeat(k % 50)}`,
    }));
    const storage = new MemoryStorage('roll');
    const ctx = unpartitioned(schema);
    const batches = [0, 1, 2, 3, 4].map((k) => batchOf(schema, rows.slice(k * 1000, (k + 1) * 1000)));
    const bySize = await writeDataFiles(storage, batches, { ...ctx, targetFileSize: 20_000 });
    expect(bySize.length).toBeGreaterThan(3);
    const counts = bySize.map((a) => JSON.parse(a.stats ?? '{}').numRecords as number);
    expect(counts.reduce((x, y) => x + y, 0)).toBe(5000);
    const byRows = await writeDataFiles(storage, batches, { ...ctx, maxRowsPerFile: 1500 });
    expect(byRows.map((a) => JSON.parse(a.stats ?? '{}').numRecords)).toEqual([1500, 1500, 1500, 500]);
  });

  it('stores files while encoding the next, returns them in order once all are stored, and reports a failed write after the others settle', async () => {
    const schema: StructType = { type: 'struct', fields: [f('n', { type: 'long' })] };
    const batch = batchOf(
      schema,
      Array.from({ length: 600 }, (_, k) => ({ n: BigInt(k) })),
    );
    const ctx = { ...unpartitioned(schema), maxRowsPerFile: 100 };
    // Each put resolves only when released, so writes pile up while later files are encoded.
    const slow = new MemoryStorage('slow');
    const release: Array<() => void> = [];
    let maxPending = 0;
    const put = slow.put.bind(slow);
    slow.put = async (key, data, options) => {
      await new Promise<void>((resolve) => {
        release.push(resolve);
        maxPending = Math.max(maxPending, release.length);
      });
      return put(key, data, options);
    };
    const releaser = setInterval(() => release.shift()?.(), 1);
    try {
      const adds = await writeDataFiles(slow, [batch], ctx);
      expect(adds.map((a) => JSON.parse(a.stats ?? '{}').minValues.n)).toEqual([0, 100, 200, 300, 400, 500]);
      for (const a of adds) expect(await slow.head(a.path)).toBeDefined();
      expect(maxPending).toBeGreaterThan(1);
      expect(maxPending).toBeLessThanOrEqual(4);
      // The first write fails: the call rejects with that error, starts no write after it has
      // seen the failure, and returns only after every write it started has finished.
      const failing = new MemoryStorage('failing');
      let puts = 0;
      let settled = 0;
      const inner = failing.put.bind(failing);
      failing.put = async (key, data, options) => {
        const n = ++puts;
        if (n === 1) {
          settled++;
          throw new Error('disk full');
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
        settled++;
        return inner(key, data, options);
      };
      await expect(writeDataFiles(failing, [batch], ctx)).rejects.toThrow('disk full');
      expect(settled).toBe(puts);
      expect(puts).toBeLessThan(6);
    } finally {
      clearInterval(releaser);
    }
  });

  it('writes zstd files when asked and names them so', async () => {
    const schema: StructType = { type: 'struct', fields: [f('n', { type: 'long' })] };
    const storage = new MemoryStorage('zstd');
    const [add] = await writeDataFiles(storage, [batchOf(schema, [{ n: 1n }])], {
      schema,
      partitionColumns: [],
      columnMappingMode: 'none',
      configuration: {},
      dataChange: false,
      compression: 'zstd',
    });
    expect(add?.path).toMatch(/\.zstd\.parquet$/);
    expect(add?.dataChange).toBe(false);
  });

  it('writes change-data files under _change_data keeping partition directories', async () => {
    const schema: StructType = {
      type: 'struct',
      fields: [f('n', { type: 'long' }), f('p', { type: 'string' })],
    };
    const cdcSchema: StructType = {
      type: 'struct',
      fields: [...schema.fields, f('_change_type', { type: 'string' }, false)],
    };
    const storage = new MemoryStorage('cdc');
    const files = await writeCdcFiles(
      storage,
      [
        batchOf(cdcSchema, [
          { n: 1n, p: 'a', _change_type: 'delete' },
          { n: 2n, p: 'b', _change_type: 'delete' },
        ]),
      ],
      { schema, partitionColumns: ['p'], columnMappingMode: 'none', configuration: {}, dataChange: false },
    );
    expect(files.map((c) => c.path).sort()).toEqual([
      expect.stringMatching(/^_change_data\/p=a\/cdc-00000-.*\.c000\.snappy\.parquet$/),
      expect.stringMatching(/^_change_data\/p=b\/cdc-00001-/),
    ]);
    expect(files[0]).not.toHaveProperty('stats');
    const key = resolveDataPath(files[0]?.path ?? '', { tableUrl: storage.url });
    expect(readParquetSchema(await storage.get(key)).fields.map((x) => x.name)).toEqual([
      'n',
      '_change_type',
    ]);
  });

  it('refuses nulls in a non-nullable column and an unknown codec', async () => {
    const schema: StructType = { type: 'struct', fields: [f('n', { type: 'long' }, false)] };
    const nullable: StructType = { type: 'struct', fields: [f('n', { type: 'long' })] };
    const ctx = unpartitioned(schema);
    await expect(
      writeDataFiles(new MemoryStorage(), [batchOf(nullable, [{ n: null }])], ctx),
    ).rejects.toSatisfy((e: unknown) => isDeltaError(e, 'ConstraintViolation') && /column n/.test(e.message));
    await expect(
      writeDataFiles(new MemoryStorage(), [batchOf(schema, [{ n: 1n }])], {
        ...ctx,
        configuration: { 'delta.parquet.compression.codec': 'brotli-9000' },
      }),
    ).rejects.toSatisfy((e: unknown) => isDeltaError(e, 'UnsupportedFeature'));
  });
});
