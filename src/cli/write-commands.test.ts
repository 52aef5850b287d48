import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

async function ids(table: string): Promise<number[]> {
  const { out } = await run('scan', table, '--format', 'ndjson', '--columns', 'id');
  return out
    .trim()
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => Number((JSON.parse(l) as { id: unknown }).id))
    .sort((a, b) => a - b);
}

describe('delta-ts write commands', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'delta-ts-write-cli-'));
    writeFileSync(join(dir, 'a.ndjson'), '{"id": 1, "country": "DE"}\n{"id": 2, "country": "FR"}\n');
    writeFileSync(join(dir, 'b.csv'), 'id,country\n3,DE\n4,US\n');
    writeFileSync(join(dir, 'c.ndjson'), '{"id": 5, "country": "DE", "note": "new"}\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a table from NDJSON, appends CSV, deletes, optimizes and restores', async () => {
    const table = join(dir, 'orders');
    const created = await run('write', table, join(dir, 'a.ndjson'), '--partition-by', 'country', '--json');
    expect(created.err).toBe('');
    expect(JSON.parse(created.out)).toMatchObject({
      status: 'committed',
      version: 0,
      metrics: { numOutputRows: 2 },
    });
    expect((await run('write', table, join(dir, 'b.csv'))).out).toMatch(/^write: committed version 1/);
    expect(await ids(table)).toEqual([1, 2, 3, 4]);

    const refused = await run('write', table, join(dir, 'c.ndjson'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/note/);
    expect((await run('write', table, join(dir, 'c.ndjson'), '--merge-schema')).code).toBe(0);

    expect((await run('delete', table, '--where', 'id >= 4')).out).toMatch(
      /committed version 3 .*numDeletedRows=2/,
    );
    expect(await ids(table)).toEqual([1, 2, 3]);
    expect((await run('delete', table, '--where', 'id = 99')).out).toMatch(/nothing to change/);
    expect((await run('optimize', table)).code).toBe(0);
    expect((await run('restore', table, '--version', '1')).out).toMatch(/committed version 5/);
    expect(await ids(table)).toEqual([1, 2, 3, 4]);

    expect((await run('checkpoint', table)).out).toMatch(/^checkpoint: version 5 written/);
    const dry = await run('vacuum', table, '--dry-run', '--retain-hours', '0', '--force');
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/would delete [1-9]\d* files/);
    const short = await run('vacuum', table, '--retain-hours', '0');
    expect(short.code).toBe(1);
    expect(short.err).toMatch(/help:/);
    expect((await run('vacuum', table, '--retain-hours', '0', '--force')).out).toMatch(/^vacuum: deleted/);
    expect(await ids(table)).toEqual([1, 2, 3, 4]);
  });

  it('reports a missing input file and a bad option as errors', async () => {
    const missing = await run('write', join(dir, 't2'), join(dir, 'nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.csv/);
    const usage = await run('restore', join(dir, 't2'), '--version', 'x');
    expect(usage.code).toBe(2);
  });
});
