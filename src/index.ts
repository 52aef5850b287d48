/**
 * delta-ts: the Delta Lake transaction protocol for TypeScript.
 *
 * This module is the public API; the CLI and the services are built on nothing else.
 */
export * from './errors.js';
export * from './storage/storage.js';
export { LocalStorage } from './storage/local.js';
export { MemoryStorage } from './storage/memory.js';
export * from './protocol/actions.js';
export * from './protocol/schema.js';
export { readParquetBatches, readParquetSchema } from './parquet/read.js';
