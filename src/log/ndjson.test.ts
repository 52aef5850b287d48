import { describe, expect, it } from 'vitest';
import { DeltaError } from '../errors.js';
import { parseActionList } from './ndjson.js';

const enc = (s: string) => new TextEncoder().encode(s);

function corruptError(text: string): DeltaError {
  try {
    parseActionList(enc(text), { file: '_delta_log/00000000000000000007.json', version: 7 });
  } catch (err) {
    if (err instanceof DeltaError) return err;
    throw err;
  }
  throw new Error('expected a DeltaError');
}

describe('parseActionList', () => {
  it('parses one action per line, skipping blank lines and CRLF endings', () => {
    const actions = parseActionList(
      enc(
        '{"txn":{"appId":"a","version":1}}\r\n\n{"add":{"path":"x","partitionValues":{},"size":1,"modificationTime":0,"dataChange":true}}\n',
      ),
      { file: 'f' },
    );
    expect(actions).toHaveLength(2);
    expect(actions[0]?.txn?.appId).toBe('a');
    expect(actions[1]?.add?.path).toBe('x');
  });

  it('keeps unknown actions and fields (the protocol says to ignore them, not fail)', () => {
    const actions = parseActionList(
      enc('{"futureAction":{"x":1}}\n{"txn":{"appId":"a","version":1,"extra":true}}'),
      {
        file: 'f',
      },
    );
    expect(actions).toHaveLength(2);
  });

  it('reports invalid JSON as CorruptLog with version and 1-based line', () => {
    const err = corruptError('{"txn":{"appId":"a","version":1}}\n{"add": oops}\n');
    expect(err.code).toBe('CorruptLog');
    expect(err.message).toContain('version 7');
    expect(err.message).toContain('line 2');
    expect(err.context['line']).toBe(2);
  });

  it('rejects lines that are not objects and actions missing required fields', () => {
    expect(corruptError('[1,2]').message).toContain('line 1');
    expect(corruptError('{"add":{"partitionValues":{}}}').message).toContain('add.path');
    expect(corruptError('{"remove":{"path":""}}').message).toContain('remove.path');
    expect(
      corruptError('{"add":{"path":"p","partitionValues":{},"deletionVector":{"storageType":"u"}}}').message,
    ).toContain('pathOrInlineDv');
    expect(corruptError('{"txn":{"appId":"a"}}').message).toContain('txn.version');
    expect(corruptError('{"domainMetadata":{"domain":"d","removed":"yes"}}').message).toContain('removed');
  });

  it('rejects bytes that are not UTF-8', () => {
    const err = (() => {
      try {
        parseActionList(new Uint8Array([0x7b, 0xff, 0x7d]), { file: 'f', version: 1 });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(DeltaError);
    expect((err as DeltaError).code).toBe('CorruptLog');
  });
});
