import { describe, expect, it } from 'vitest';
import { ThriftError, ThriftReader, list, num, str, struct } from './thrift.js';

describe('ThriftReader (compact protocol)', () => {
  it('reads ints, strings, lists, nested structs and booleans', () => {
    const bytes = Uint8Array.of(
      0x15,
      0x07, // field 1 i32 = zigzag 7 → -4
      0x18,
      0x02,
      0x68,
      0x69, // field 2 binary "hi"
      0x19,
      0x25,
      0x02,
      0x04, // field 3 list<i32> of 2: 1, 2
      0x1c, // field 4 struct
      0x16,
      0x80,
      0x80,
      0x80,
      0x80,
      0x20, // field 1 i64 = zigzag 2^33 → 2^32
      0x00,
      0x11, // field 5 bool true
      0x00,
    );
    const s = new ThriftReader(bytes).readStruct();
    expect(num(s, 1)).toBe(-4);
    expect(str(s, 2)).toBe('hi');
    expect(list(s, 3)).toEqual([1, 2]);
    expect(num(struct(s, 4), 1)).toBe(2 ** 32);
    expect(s.get(5)).toBe(true);
  });

  it('reads long field-id jumps and reports truncation', () => {
    const s = new ThriftReader(Uint8Array.of(0x05, 0x28, 0x02, 0x00)).readStruct();
    expect(num(s, 20)).toBe(1);
    expect(() => new ThriftReader(Uint8Array.of(0x18, 0x05, 0x61)).readStruct()).toThrow(ThriftError);
  });
});
