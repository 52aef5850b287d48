/**
 * Resolves the percent-encoded `add`/`cdc` paths of the shared fixture tables (partition values with
 * spaces, `%`, `=`, colons and non-ASCII, written by Spark, Delta Kernel and delta-rs) and checks
 * that the decoded key names a file that is really there.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalStorage } from '../storage/local.js';
import { resolveDataLocation } from './paths.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/delta-fixtures');

interface EncodedPath {
  readonly root: string;
  readonly path: string;
}

function encodedPaths(): EncodedPath[] {
  if (!existsSync(FIXTURES)) return [];
  const found: EncodedPath[] = [];
  for (const group of readdirSync(FIXTURES, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const table of readdirSync(path.join(FIXTURES, group.name))) {
      for (const root of [
        path.join(FIXTURES, group.name, table),
        path.join(FIXTURES, group.name, table, 'delta'),
      ]) {
        const log = path.join(root, '_delta_log');
        if (!existsSync(log)) continue;
        for (const name of readdirSync(log).filter((n) => /^\d{20}\.json$/.test(n))) {
          for (const match of readFileSync(path.join(log, name), 'utf8').matchAll(
            /"(?:add|cdc)":\{"path":"([^"]*%[^"]*)"/g,
          )) {
            if (match[1] !== undefined) found.push({ root, path: match[1] });
          }
        }
      }
    }
  }
  return found;
}

const all = encodedPaths();

describe.skipIf(all.length === 0)('percent-encoded paths of the fixture tables', () => {
  it('decode to keys of files that exist, or are refused as outside the table', () => {
    let existing = 0;
    const missing: string[] = [];
    const external: string[] = [];
    for (const { root, path: p } of all) {
      const loc = resolveDataLocation(p, { tableUrl: new LocalStorage(root).url, allowOutsideRoot: true });
      if (loc.kind === 'external') {
        external.push(p);
        continue;
      }
      if (existsSync(path.join(root, loc.key))) existing++;
      else missing.push(`${path.relative(FIXTURES, root)}: ${p} -> ${loc.key}`);
    }
    // The only outside paths are the golden tables that test absolute paths on purpose.
    expect(
      external.every((p) => p.startsWith('/some/unqualified/') || p.startsWith('..//Users/')),
      external.join('\n'),
    ).toBe(true);
    expect(existing).toBeGreaterThan(200);
    // Tables that ship without the data files their log names (checked by hand: the decoded names
    // are right, the files are absent or stored without the log's `test%file%prefix-` prefix).
    const shippedWithoutFiles = [
      'data-reader-absolute-paths-escaped-chars',
      'log-replay-special-characters',
      'log-replay-special-characters-a',
      'log-replay-special-characters-b',
      'spark-variant-stable-feature-checkpoint',
    ];
    const unexpected = missing.filter(
      (m) => !shippedWithoutFiles.includes(m.split(':')[0]?.split('/')[1] ?? ''),
    );
    expect(unexpected).toEqual([]);
  });
});
