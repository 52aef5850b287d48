import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteStringTable } from './byte-strings.js';

describe('ByteStringTable', () => {
  it('numbers distinct byte strings in order of first appearance and keeps their bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 6 }), { maxLength: 400 }),
        fc.nat({ max: 3 }),
        (values, pad) => {
          const table = new ByteStringTable();
          const seen = new Map<string, number>();
          for (const v of values) {
            // Each value at an offset inside a larger buffer, as Arrow's values buffer holds it.
            const source = new Uint8Array(pad + v.length + 2).fill(0xee);
            source.set(v, pad);
            const key = v.join(',');
            const expected = seen.get(key) ?? seen.size;
            seen.set(key, expected);
            expect(table.intern(source, pad, pad + v.length)).toBe(expected);
          }
          expect(table.size).toBe(seen.size);
          const keys = [...seen.keys()];
          keys.forEach((key, k) => {
            const entry = table.bytes.subarray(table.starts[k] ?? 0, table.starts[k + 1] ?? 0);
            expect([...entry].join(',')).toBe(key);
          });
          expect(table.byteLength).toBe(
            keys.reduce((n, key) => n + (key === '' ? 0 : key.split(',').length), 0),
          );
        },
      ),
    );
  });

  it('keeps finding entries after growing well past its first table', () => {
    const table = new ByteStringTable();
    const text = new TextEncoder();
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 5000; i++) {
        const bytes = text.encode(`value-${i}`);
        expect(table.intern(bytes, 0, bytes.length)).toBe(i);
      }
    expect(table.size).toBe(5000);
  });
});
