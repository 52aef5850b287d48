import fc from 'fast-check';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeStorageContract } from './contract.js';
import { LocalStorage } from './local.js';
import { MemoryStorage } from './memory.js';

describeStorageContract('MemoryStorage', async () => ({
  storage: new MemoryStorage('contract'),
  cleanup: async () => {},
}));

describeStorageContract('LocalStorage', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts-contract-'));
  return { storage: new LocalStorage(dir), cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
});

describeStorageContract('LocalStorage under a root with spaces and %', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts contract %20 '));
  return {
    storage: new LocalStorage(path.join(dir, 'tbl')),
    cleanup: () => fs.rm(dir, { recursive: true, force: true }),
  };
});

describe('LocalStorage.abs', () => {
  it('maps every key path.join maps, to the same path, and refuses `..`', () => {
    const segment = fc.oneof(
      fc.constantFrom('', '.', '_delta_log', 'a b', 'x=%2F', 'ü'),
      fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !s.includes('/') && s !== '..'),
    );
    for (const root of ['/tmp/t', '/tmp/t/', '/']) {
      const storage = new LocalStorage(root);
      fc.assert(
        fc.property(fc.array(segment, { maxLength: 5 }), (segments) => {
          const key = segments.join('/');
          expect(storage.abs(key)).toBe(path.join(path.resolve(root), ...key.split('/')));
        }),
      );
      expect(() => storage.abs('a/../../etc')).toThrow(/escapes/);
    }
  });
});

describe('LocalStorage.list', () => {
  it('lists what MemoryStorage lists, for any keys, prefix and startAfter', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts-list-'));
    // Short names over characters that sort around '/' ('-' and '.' below it, 'b' above).
    const name = fc.stringMatching(/^[ab.-]{1,3}$/).filter((n) => n !== '.' && n !== '..');
    const key = fc.array(name, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'));
    // A name cannot be a file and a directory at once on a file system.
    const keySet = fc
      .uniqueArray(key, { minLength: 1, maxLength: 12 })
      .filter((keys) => !keys.some((k) => keys.some((other) => other.startsWith(`${k}/`))));
    const probe = fc.oneof(
      fc.constant(''),
      key,
      key.map((k) => k.slice(0, -1)),
    );
    try {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(keySet, probe, fc.option(probe, { nil: undefined }), async (keys, prefix, after) => {
          const root = path.join(dir, String(run++));
          const local = new LocalStorage(root);
          const memory = new MemoryStorage('m');
          for (const k of keys) {
            await local.put(k, new Uint8Array(1));
            await memory.put(k, new Uint8Array(1));
          }
          const keysOf = async (s: LocalStorage | MemoryStorage): Promise<string[]> => {
            const out: string[] = [];
            for await (const m of s.list(prefix, after)) out.push(m.key);
            return out;
          };
          expect(await keysOf(local)).toEqual(await keysOf(memory));
        }),
        { numRuns: 60 },
      );
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('getRange into a caller buffer', () => {
  it('reads into the buffer (the result is a view of its start) on local disk and in memory', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts-into-'));
    try {
      const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) % 251);
      for (const storage of [new LocalStorage(dir), new MemoryStorage('into')]) {
        await storage.put('blob.bin', data);
        const into = new Uint8Array(256);
        const got = await storage.getRange('blob.bin', { offset: 100, length: 150, into });
        expect(got.buffer).toBe(into.buffer);
        expect(got.byteOffset).toBe(0);
        expect(got).toEqual(data.slice(100, 250));
        expect(into.subarray(0, 150)).toEqual(data.slice(100, 250));
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('LocalStorage large ranged reads', () => {
  it('reads a range split into parallel pieces byte for byte, also when the file ends inside a piece', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'delta-ts-pieces-'));
    try {
      const size = 13 * 1024 * 1024 + 5;
      const data = new Uint8Array(size);
      for (let i = 0; i < size; i++) data[i] = (i * 31 + (i >> 12)) & 0xff;
      const storage = new LocalStorage(dir);
      await storage.put('big.bin', data);
      const cases: Array<[number, number]> = [
        [0, size],
        [7, size - 7],
        [1, 12 * 1024 * 1024],
        // The file ends inside the second piece: the third and fourth read nothing.
        [size - 5 * 1024 * 1024, 16 * 1024 * 1024],
        [size - 3, 9 * 1024 * 1024],
      ];
      for (const [offset, length] of cases) {
        const got = await storage.getRange('big.bin', { offset, length });
        expect(got.length).toBe(Math.min(length, size - offset));
        expect(Buffer.from(got).equals(Buffer.from(data.subarray(offset, offset + length)))).toBe(true);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
