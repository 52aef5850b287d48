import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDeltaError } from '../errors.js';
import { collect, type Storage } from './storage.js';

/**
 * The {@link Storage} contract as an executable test suite.
 *
 * Every backend runs the same suite, so the log and scan code can rely on one behaviour whether a
 * table lives in memory, on disk or in S3. The suite is a function (not a test file) so backend
 * test files, unit or end-to-end, call it with their own factory. It is excluded from the build.
 */

/** A fresh, empty store for one run of the suite, and how to dispose of it. */
export interface StorageFixture {
  readonly storage: Storage;
  cleanup(): Promise<void>;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string): Uint8Array => enc.encode(s);

/** Expects `promise` to reject with a `DeltaError` of `code`, and returns that error. */
async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    expect(isDeltaError(err), `expected a DeltaError, got ${String(err)}`).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return err as Error;
  }
  return expect.fail(`expected a ${code} rejection, but the call succeeded`);
}

/**
 * Declares a vitest `describe` block named `storage contract: <name>` that checks the whole
 * {@link Storage} contract against the store `make` returns. `make` is called once; the suite
 * writes only under a few top-level prefixes (`list/`, `keys/`, `read/`, `put/`, `race/`, `del/`).
 */
export function describeStorageContract(name: string, make: () => Promise<StorageFixture>): void {
  describe(`storage contract: ${name}`, () => {
    let fixture: StorageFixture | undefined;
    const store = (): Storage => {
      if (!fixture) return expect.fail('the storage fixture was not created');
      return fixture.storage;
    };
    beforeAll(async () => {
      fixture = await make();
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    it('lists sorted by key across nested directories, only objects, from a partial-name prefix', async () => {
      const s = store();
      const keys = [
        'list/b/2.json',
        'list/a.json',
        'list/a/1.json',
        'list/a-b/x',
        'list/_delta_log/00000000000000000010.json',
        'list/_delta_log/00000000000000000009.json',
        'list/_delta_log/00000000000000000009.checkpoint.parquet',
        'list/_delta_log/_last_checkpoint',
        'list/c',
      ];
      for (const k of keys) await s.put(k, bytes(k));
      const sorted = [...keys].sort();
      expect((await collect(s.list('list/'))).map((m) => m.key)).toEqual(sorted);
      // A prefix may end inside a file name, as log listing does with "_delta_log/0000…".
      expect((await collect(s.list('list/_delta_log/0000'))).map((m) => m.key)).toEqual([
        'list/_delta_log/00000000000000000009.checkpoint.parquet',
        'list/_delta_log/00000000000000000009.json',
        'list/_delta_log/00000000000000000010.json',
      ]);
      expect((await collect(s.list('list/a'))).map((m) => m.key)).toEqual([
        'list/a-b/x',
        'list/a.json',
        'list/a/1.json',
      ]);
      expect(await collect(s.list('list/none/'))).toEqual([]);
      const meta = (await collect(s.list('list/c')))[0];
      expect(meta?.size).toBe(bytes('list/c').byteLength);
      expect(meta?.lastModified).toBeGreaterThan(Date.UTC(2000, 0, 1));
    });

    it('lists strictly after startAfter, including a startAfter inside a directory or between keys', async () => {
      const s = store();
      const keys = ['list/_delta_log/00000000000000000009.json', 'list/_delta_log/00000000000000000010.json'];
      const all = (await collect(s.list('list/'))).map((m) => m.key);
      expect(all).toEqual(expect.arrayContaining(keys));
      const after = async (start: string): Promise<string[]> =>
        (await collect(s.list('list/', start))).map((m) => m.key);
      for (let i = 0; i < all.length; i++) {
        expect(await after(all[i] ?? '')).toEqual(all.slice(i + 1));
      }
      // Between two keys and before the prefix: everything greater.
      expect(await after('list/_delta_log/00000000000000000009.k')).toEqual(
        all.filter((k) => k > 'list/_delta_log/00000000000000000009.k'),
      );
      expect(await after('list/a')).toEqual(all.filter((k) => k > 'list/a'));
      expect(await after('a')).toEqual(all);
      expect(await after('zzz')).toEqual([]);
    });

    it('stores keys with spaces, percent signs, equals signs and non-ASCII characters verbatim', async () => {
      const s = store();
      const keys = [
        'keys/date=2024-01-01/part 0.parquet',
        'keys/city=S%C3%A3o Paulo/x',
        'keys/p=100%/a+b&c.json',
        'keys/név=Ünïcødé/日本語 ファイル',
        'keys/emoji=🦀/y',
      ];
      for (const k of keys) await s.put(k, bytes(`body of ${k}`));
      expect((await collect(s.list('keys/'))).map((m) => m.key)).toEqual([...keys].sort());
      for (const k of keys) {
        expect(dec.decode(await s.get(k))).toBe(`body of ${k}`);
        expect((await s.head(k))?.key).toBe(k);
      }
      // "%C3%A3" is a literal key, not an escape of "ã".
      expect(await s.head('keys/city=São Paulo/x')).toBeUndefined();
    });

    it('reads whole objects and byte ranges, shorter when the object ends first', async () => {
      const s = store();
      const data = new Uint8Array(1000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) % 256;
      await s.put('read/blob.bin', data);
      await s.put('read/empty', new Uint8Array(0));
      expect(await s.get('read/blob.bin')).toEqual(data);
      expect(await s.get('read/empty')).toEqual(new Uint8Array(0));
      expect(await s.getRange('read/blob.bin', { offset: 0, length: 10 })).toEqual(data.slice(0, 10));
      expect(await s.getRange('read/blob.bin', { offset: 500, length: 123 })).toEqual(data.slice(500, 623));
      expect(await s.getRange('read/blob.bin', { offset: 990, length: 50 })).toEqual(data.slice(990));
      expect(await s.getRange('read/blob.bin', { offset: 999, length: 1 })).toEqual(data.slice(999));
      expect(await s.getRange('read/blob.bin', { offset: 1000, length: 8 })).toEqual(new Uint8Array(0));
      expect(await s.getRange('read/blob.bin', { offset: 5000, length: 8 })).toEqual(new Uint8Array(0));
      expect(await s.getRange('read/blob.bin', { offset: 10, length: 0 })).toEqual(new Uint8Array(0));
      expect(await s.getRange('read/empty', { offset: 0, length: 4 })).toEqual(new Uint8Array(0));
      // A caller's buffer may be filled instead of a fresh one: same bytes either way, and a buffer
      // too small is never written past.
      const into = new Uint8Array(200).fill(0xee);
      expect(await s.getRange('read/blob.bin', { offset: 500, length: 123, into })).toEqual(
        data.slice(500, 623),
      );
      expect(await s.getRange('read/blob.bin', { offset: 990, length: 50, into })).toEqual(data.slice(990));
      const small = new Uint8Array(4).fill(0xee);
      expect(await s.getRange('read/blob.bin', { offset: 0, length: 10, into: small })).toEqual(
        data.slice(0, 10),
      );
      expect(small).toEqual(new Uint8Array(4).fill(0xee));
      expect(await s.head('read/blob.bin')).toMatchObject({ key: 'read/blob.bin', size: 1000 });
      expect(await s.head('read/empty')).toMatchObject({ key: 'read/empty', size: 0 });
    });

    it('fails a read of a missing key with FileNotFound naming the key, and heads it as undefined', async () => {
      const s = store();
      expect(await s.head('read/missing.json')).toBeUndefined();
      expect(await s.head('read')).toBeUndefined(); // a "directory" is not an object
      const err = await rejectsWith(s.get('read/missing.json'), 'FileNotFound');
      expect(err.message).toContain('read/missing.json');
      await rejectsWith(s.getRange('read/missing.json', { offset: 0, length: 4 }), 'FileNotFound');
      await rejectsWith(s.getRange('read/missing.json', { offset: 0, length: 0 }), 'FileNotFound');
    });

    it('overwrites on a plain put and refuses an ifAbsent put over an existing key, leaving it intact', async () => {
      const s = store();
      await s.put('put/a.json', bytes('one'));
      await s.put('put/a.json', bytes('two'));
      expect(dec.decode(await s.get('put/a.json'))).toBe('two');
      await s.put('put/b.json', bytes('first'), { ifAbsent: true });
      const err = await rejectsWith(
        s.put('put/b.json', bytes('second'), { ifAbsent: true }),
        'AlreadyExists',
      );
      expect(err.message).toContain('put/b.json');
      expect(dec.decode(await s.get('put/b.json'))).toBe('first');
      expect((await collect(s.list('put/'))).map((m) => m.key)).toEqual(['put/a.json', 'put/b.json']);
    });

    it('lets exactly one of many concurrent ifAbsent puts of one key win', async () => {
      const s = store();
      for (let round = 0; round < 3; round++) {
        const key = `race/${round}.json`;
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => s.put(key, bytes(`writer ${i}`), { ifAbsent: true })),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(isDeltaError(r.reason, 'AlreadyExists')).toBe(true);
        }
        expect(dec.decode(await s.get(key))).toBe(`writer ${winners[0] ?? -1}`);
      }
    });

    it('deletes objects, and deleting a missing key is not an error', async () => {
      const s = store();
      await s.put('del/x', bytes('x'));
      await s.put('del/y', bytes('y'));
      await s.delete('del/x');
      await s.delete('del/x');
      await s.delete('del/never/existed');
      expect(await s.head('del/x')).toBeUndefined();
      await rejectsWith(s.get('del/x'), 'FileNotFound');
      expect((await collect(s.list('del/'))).map((m) => m.key)).toEqual(['del/y']);
      // The key is free again for an ifAbsent put.
      await s.put('del/x', bytes('again'), { ifAbsent: true });
      expect(dec.decode(await s.get('del/x'))).toBe('again');
    });
  });
}
