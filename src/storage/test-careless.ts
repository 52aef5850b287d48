import type { MemoryStorage } from './memory.js';
import type { Storage } from './storage.js';

/**
 * Test helper: a store in front of `inner` that silently ignores `ifAbsent`, as S3-compatible
 * servers without conditional writes do. Writers must detect it and refuse to commit.
 */
export function carelessStorage(inner: MemoryStorage, url: string): Storage {
  return {
    url,
    list: (p, s) => inner.list(p, s),
    get: (k) => inner.get(k),
    getRange: (k, r) => inner.getRange(k, r),
    head: (k) => inner.head(k),
    delete: (k) => inner.delete(k),
    put: (k, d) => inner.put(k, d),
  };
}
