/**
 * Turning the paths in the Delta log into Storage keys, safely.
 *
 * PROTOCOL.md makes `add.path`, `remove.path`, `cdc.path` and the `p` deletion-vector path URIs
 * (RFC 2396): percent-encoded, either relative to the table root or absolute (`file:///…`,
 * `s3://bucket/…`). A {@link Storage} is rooted at the table, so readers need the key relative to
 * that root, decoded byte-exactly (partition directories hold spaces, `%`, `=` and non-ASCII).
 *
 * The log is untrusted input: a path like `../../etc/passwd`, `%2e%2e/x` or `file:///elsewhere`
 * would let a crafted table read files outside its root. Every path is therefore resolved to an
 * absolute location, dot segments are removed *after* percent-decoding (so encoded dots and
 * encoded slashes cannot smuggle a `..` past the check), and the result must lie under the root.
 */
import { DeltaError } from '../errors.js';

/** Options of {@link resolveDataPath} and {@link resolveDataLocation}. */
export interface ResolvePathOptions {
  /** The table root as a URL: `Storage.url` (`file:///abs/dir`, `s3://bucket/prefix`, `memory://name`). */
  readonly tableUrl: string;
  /**
   * Accept paths outside the table root (shallow clones, tables whose files live elsewhere). Such a
   * path resolves to an absolute URL; the caller must open a Storage for it (see
   * {@link resolveDataLocation}). Off by default because a hostile log could otherwise read any file.
   */
  readonly allowOutsideRoot?: boolean;
}

/** Where a log path points: a key under the table root, or an absolute URL outside it. */
export type DataLocation =
  { readonly kind: 'key'; readonly key: string } | { readonly kind: 'external'; readonly url: string };

/** A URL split into the parts that decide containment, with the path as decoded segments. */
interface ParsedLocation {
  readonly scheme: string;
  readonly authority: string;
  readonly segments: readonly string[];
}

const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/;

/** Schemes that name the same store; Hadoop's S3 connectors share the plain `s3` namespace. */
function schemeFamily(scheme: string): string {
  const s = scheme.toLowerCase();
  return s === 's3a' || s === 's3n' ? 's3' : s;
}

function normaliseAuthority(scheme: string, authority: string): string {
  const a = authority.toLowerCase();
  return scheme === 'file' && a === 'localhost' ? '' : a;
}

/**
 * Decodes `%XX` escapes as UTF-8 bytes. A `%` not followed by two hex digits is kept literally,
 * because some writers leave `%` unescaped and the protocol gives no other meaning to it.
 */
function percentDecode(text: string, path: string): string {
  if (!text.includes('%')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      const bytes: number[] = [];
      while (text.charAt(i) === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
        bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 3;
      }
      try {
        out += new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
      } catch (cause) {
        throw new DeltaError(
          'CorruptLog',
          `path ${JSON.stringify(path)} percent-encodes bytes that are not UTF-8`,
          {
            cause,
            context: { path },
          },
        );
      }
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Decodes, splits on `/` and drops empty and `.` segments; `..` stays for the caller to resolve. */
function decodeSegments(rawPath: string, path: string): string[] {
  const decoded = percentDecode(rawPath, path);
  if (decoded.includes('\0')) {
    throw new DeltaError('CorruptLog', `path ${JSON.stringify(path)} contains a NUL character`, {
      context: { path },
    });
  }
  return decoded.split('/').filter((s) => s.length > 0 && s !== '.');
}

/** Splits `scheme:[//authority]path` (the scheme already matched). */
function splitUrl(url: string, scheme: string): { authority: string; rawPath: string } {
  const rest = url.slice(scheme.length + 1);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    return slash < 0
      ? { authority: rest.slice(2), rawPath: '' }
      : { authority: rest.slice(2, slash), rawPath: rest.slice(slash) };
  }
  return { authority: '', rawPath: rest };
}

function parseTableUrl(tableUrl: string): ParsedLocation {
  const m = SCHEME.exec(tableUrl);
  if (!m || m[1] === undefined) {
    throw new DeltaError('InvalidArgument', `table URL ${JSON.stringify(tableUrl)} has no scheme`, {
      context: { tableUrl },
    });
  }
  const scheme = schemeFamily(m[1]);
  const { authority, rawPath } = splitUrl(tableUrl, m[1]);
  const segments = decodeSegments(rawPath, tableUrl);
  if (segments.includes('..')) {
    throw new DeltaError('InvalidArgument', `table URL ${JSON.stringify(tableUrl)} contains '..'`, {
      context: { tableUrl },
    });
  }
  return { scheme, authority: normaliseAuthority(scheme, authority), segments };
}

/**
 * Resolves `..` against the absolute segments; `undefined` when it climbs above the store's root.
 * A segment such as `..\x` is refused too, because a Windows filesystem would treat `\` as a
 * separator and the key would escape there.
 */
function removeDotSegments(segments: readonly string[]): string[] | undefined {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else if (s.split('\\').includes('..')) {
      return undefined;
    } else out.push(s);
  }
  return out;
}

function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function toUrl(loc: ParsedLocation): string {
  return `${loc.scheme}://${loc.authority}/${loc.segments.map(encodeSegment).join('/')}`;
}

function outside(path: string, tableUrl: string, why: string): DeltaError<'PathOutsideTable'> {
  return new DeltaError(
    'PathOutsideTable',
    `path ${JSON.stringify(path)} ${why}, outside the table root ${tableUrl}`,
    {
      context: { path, tableUrl },
      help: 'The log references a file outside the table. If the table is a shallow clone or its files legitimately live elsewhere, enable reading outside the table root explicitly.',
    },
  );
}

/**
 * Resolves a log path to where it points: `{ kind: 'key' }` with the percent-decoded Storage key
 * relative to the table root, or, only when `allowOutsideRoot` is set, `{ kind: 'external' }` with
 * a normalised absolute URL (`scheme://authority/encoded/path`) that the caller opens with a Storage
 * of its own (for example `openStorage` on the URL's directory, then the file name as key).
 *
 * Rules: a path with a scheme is absolute; `//host/p` and `/p` take the table's scheme (and
 * authority); anything else is relative to the root. `s3`, `s3a` and `s3n` are one store, and
 * `file:/p`, `file:///p` and `file://localhost/p` one location. Empty and `.` segments are dropped.
 * `?` and `#` are taken as part of the file name, since Delta paths never carry a query.
 *
 * @throws DeltaError `PathOutsideTable` naming the path when it escapes the root (and
 *   `allowOutsideRoot` is not set), or when it names the root itself; `CorruptLog` for a path that
 *   decodes to a NUL or to bytes that are not UTF-8.
 */
export function resolveDataLocation(path: string, options: ResolvePathOptions): DataLocation {
  const { tableUrl } = options;
  const table = parseTableUrl(tableUrl);
  let target: ParsedLocation;
  const m = SCHEME.exec(path);
  if (m && m[1] !== undefined) {
    const scheme = schemeFamily(m[1]);
    const { authority, rawPath } = splitUrl(path, m[1]);
    target = {
      scheme,
      authority: normaliseAuthority(scheme, authority),
      segments: decodeSegments(rawPath, path),
    };
  } else if (path.startsWith('//')) {
    const { authority, rawPath } = splitUrl(`${table.scheme}:${path}`, table.scheme);
    target = {
      ...table,
      authority: normaliseAuthority(table.scheme, authority),
      segments: decodeSegments(rawPath, path),
    };
  } else if (path.startsWith('/')) {
    target = { ...table, segments: decodeSegments(path, path) };
  } else {
    target = { ...table, segments: [...table.segments, ...decodeSegments(path, path)] };
  }
  const resolved = removeDotSegments(target.segments);
  // Climbing above the store's own root has no meaning even for an external path.
  if (resolved === undefined) throw outside(path, tableUrl, 'climbs above the root of its store');
  const sameStore = target.scheme === table.scheme && target.authority === table.authority;
  const under =
    sameStore && resolved.length > table.segments.length && table.segments.every((s, i) => resolved[i] === s);
  if (under) return { kind: 'key', key: resolved.slice(table.segments.length).join('/') };
  if (
    sameStore &&
    resolved.length === table.segments.length &&
    table.segments.every((s, i) => resolved[i] === s)
  ) {
    throw new DeltaError(
      'PathOutsideTable',
      `path ${JSON.stringify(path)} names the table root ${tableUrl} itself, not a file`,
      {
        context: { path, tableUrl },
      },
    );
  }
  if (options.allowOutsideRoot === true)
    return { kind: 'external', url: toUrl({ ...target, segments: resolved }) };
  throw outside(
    path,
    tableUrl,
    sameStore
      ? 'resolves to another directory'
      : `is in another store (${target.scheme}://${target.authority})`,
  );
}

/**
 * Resolves an `add.path`, `remove.path`, `cdc.path` or `p` deletion-vector path to a Storage key
 * relative to the table root (percent-decoded, byte-exact).
 *
 * With `allowOutsideRoot`, a path outside the root returns its absolute URL instead of a key; since
 * a string alone cannot tell the two apart reliably, callers that enable it should call
 * {@link resolveDataLocation}, which says which one it is.
 *
 * @throws DeltaError `PathOutsideTable` naming the path when it escapes the table root.
 */
export function resolveDataPath(path: string, options: ResolvePathOptions): string {
  const loc = resolveDataLocation(path, options);
  return loc.kind === 'key' ? loc.key : loc.url;
}

/**
 * A normalised key under which log replay can match different spellings of one file: relative or
 * absolute, encoded or not, `s3a://` or `s3://`. A path inside the root gives its Storage key; one
 * outside gives its normalised absolute URL, and one that cannot be resolved at all (it climbs
 * above its store's root) gives `!//` and the raw path. Both contain `//`, so neither ever equals a
 * key, whose empty segments are dropped. Never throws `PathOutsideTable`: replay must reconcile such
 * entries and leave refusing them to the reader.
 *
 * @throws DeltaError `CorruptLog` for a path that decodes to a NUL or to bytes that are not UTF-8.
 */
export function canonicalPathKey(path: string, tableUrl: string): string {
  try {
    return resolveDataPath(path, { tableUrl, allowOutsideRoot: true });
  } catch (err) {
    if (err instanceof DeltaError && err.code === 'PathOutsideTable') return `!//${path}`;
    throw err;
  }
}
