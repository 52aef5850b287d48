import { describe, expect, it } from 'vitest';
import { encodeBase64 } from './base64.js';
import { csvField, formatCsv, formatNdjson, formatRows, formatTable } from './output.js';

const rows = [
  { id: 1, name: 'plain', tags: ['a', 'b'], m: null },
  { id: 22, name: 'has, comma', tags: [], m: { k: 'v' } },
  { id: -3, name: 'say "hi"\nbye', tags: null, m: null },
];

describe('formatNdjson', () => {
  it('writes one JSON object per line that parses back to the row', () => {
    const text = formatNdjson(rows);
    const lines = text.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l) as unknown)).toEqual(rows);
  });
});

describe('formatCsv', () => {
  it('quotes per RFC 4180 and writes nested values as JSON', () => {
    expect(formatCsv(rows, ['id', 'name', 'tags', 'm'])).toBe(
      'id,name,tags,m\r\n' +
        '1,plain,"[""a"",""b""]",\r\n' +
        '22,"has, comma",[],"{""k"":""v""}"\r\n' +
        '-3,"say ""hi""\nbye",,\r\n',
    );
  });

  it('keeps empty strings distinguishable from null and protects edge spaces', () => {
    expect(csvField(null)).toBe('');
    expect(csvField('')).toBe('');
    expect(csvField(' x')).toBe('" x"');
    expect(csvField(false)).toBe('false');
    expect(formatCsv([{ a: 'x' }], ['a'], { header: false, lineEnding: '\n' })).toBe('x\n');
  });
});

describe('formatTable', () => {
  it('aligns columns, right-aligns numbers and escapes newlines', () => {
    const text = formatTable(rows, ['id', 'name']);
    expect(text.split('\n')).toEqual([
      'id | name',
      '---+--------------',
      ' 1 | plain',
      '22 | has, comma',
      '-3 | say "hi"\\nbye',
      '',
    ]);
  });

  it('truncates wide cells with an ellipsis and shows null', () => {
    const text = formatTable([{ s: 'abcdefghij', n: null }], ['s', 'n'], { maxCellWidth: 5 });
    expect(text).toBe('s     | n\n------+-----\nabcd… | null\n');
  });
});

describe('formatRows', () => {
  it('dispatches on the format name and rejects unknown ones', () => {
    expect(formatRows([{ a: 1 }], 'ndjson', ['a'])).toBe('{"a":1}\n');
    expect(formatRows([{ a: 1 }], 'csv', ['a'])).toBe('a\r\n1\r\n');
    expect(() => formatRows([], 'xml' as 'csv', [])).toThrow(/unknown output format/);
  });
});

describe('encodeBase64', () => {
  it('matches the standard encoding for every padding case', () => {
    for (const text of ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar']) {
      expect(encodeBase64(new TextEncoder().encode(text))).toBe(Buffer.from(text).toString('base64'));
    }
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(encodeBase64(all)).toBe(Buffer.from(all).toString('base64'));
  });
});
