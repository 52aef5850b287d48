import { createRequire } from 'node:module';

/**
 * The parquet-wasm module, loaded on first use. Importing it compiles a 5 MB WebAssembly module
 * and instantiates its heap (~40 ms and ~20 MiB), which a snapshot load, a checkpoint read by the
 * JavaScript reader, or a command that never decodes a data file should not pay. Its Node build is
 * CommonJS, so a `require` loads it synchronously and every caller keeps its synchronous shape.
 */
export type ParquetWasm = typeof import('parquet-wasm');

let loaded: ParquetWasm | undefined;

/** The parquet-wasm module (compiled and instantiated on the first call). */
export function parquetWasm(): ParquetWasm {
  loaded ??= createRequire(import.meta.url)('parquet-wasm') as ParquetWasm;
  return loaded;
}
