import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../storage/local.js';
import { writeDemoTable } from './demo-table.js';
import { main } from './main.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { code, out, err };
}

describe('delta-ts CLI', () => {
  let dir = '';
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'delta-ts-cli-'));
    await writeDemoTable(new LocalStorage(dir));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('scan --format ndjson prints canonical rows with logical names', async () => {
    const { code, out, err } = await run('scan', dir, '--format', 'ndjson', '--where', 'order_id <= 3');
    expect(err).toBe('');
    expect(code).toBe(0);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toEqual([
      {
        order_id: 1,
        customer: 'anna',
        amount: 42.5,
        ordered_at: '2026-11-20T09:15:00.000000Z',
        country: 'DE',
      },
      {
        order_id: 3,
        customer: 'carla',
        amount: 18.99,
        ordered_at: '2026-11-20T10:02:00.000000Z',
        country: 'DE',
      },
    ]);
  });

  it('time travels by version and projects columns', async () => {
    const { code, out } = await run(
      'scan',
      dir,
      '--version',
      '0',
      '--columns',
      'order_id',
      '--format',
      'csv',
    );
    expect(code).toBe(0);
    expect(out.split('\r\n').filter(Boolean).sort()).toEqual(['1', '2', '3', '4', '5', 'order_id']);
  });

  it('describe --json reports protocol, partitioning and counts', async () => {
    const { code, out } = await run('describe', dir, '--json');
    expect(code).toBe(0);
    const d = JSON.parse(out) as Record<string, unknown>;
    expect(d).toMatchObject({ version: 2, numFiles: 3, partitionColumns: ['country'], minReaderVersion: 3 });
  });

  it('changes lists the insert of v1 and the deletion-vector delete of v2', async () => {
    const { code, out } = await run('changes', dir, '--from', '1', '--format', 'ndjson');
    expect(code).toBe(0);
    const rows = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => [r.order_id, r._change_type, r._commit_version])).toEqual([
      [6, 'insert', 1],
      [2, 'delete', 2],
    ]);
  });

  it('reports a missing table on stderr with its code and a non-zero exit', async () => {
    const { code, out, err } = await run('scan', join(dir, 'nope'));
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^error\[TableNotFound\]: .*nope/);
  });

  it('reports a bad predicate with the offending column', async () => {
    const { code, err } = await run('scan', dir, '--where', 'no_such_column = 1');
    expect(code).toBe(1);
    expect(err).toMatch(/InvalidPredicate.*no_such_column/);
  });

  it('rejects usage errors with exit code 2 and prints help on --help', async () => {
    expect((await run('scan', dir, '--limit', 'many')).code).toBe(2);
    const help = await run('scan', '--help');
    expect(help.code).toBe(0);
    expect(help.out).toContain('--where <predicate>');
  });
});
