import { parentPort } from 'node:worker_threads';
import { DeltaError, type DeltaErrorCode, describeError } from '../errors.js';
import { type DecodedRowGroup, DecodingFile } from './decode.js';
import { transferables } from './ffi.js';
import { ColumnCursor } from './flat-column.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

/**
 * Entry point of a decoder worker thread (see `pool.ts`): it keeps the files the main thread opened
 * on it and decodes their row groups on request. Results go back with their buffers transferred,
 * not cloned, so a decoded row group crosses threads without a copy.
 */

const port = parentPort;
if (port === null) throw new DeltaError('InvalidArgument', 'parquet/worker.js must run as a worker thread');

const files = new Map<number, DecodingFile>();
const flatFiles = new Map<
  number,
  { readonly source: string; readonly cursors: ReadonlyArray<readonly [string, ColumnCursor]> }
>();

function reply(message: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(message, transfer);
}

function fail(id: number, err: unknown, source: string): void {
  const code: DeltaErrorCode = err instanceof DeltaError ? err.code : 'CorruptData';
  const message = err instanceof DeltaError ? err.message : `cannot decode ${source}: ${describeError(err)}`;
  const context = err instanceof DeltaError ? (err.context ?? {}) : { file: source };
  reply({ id, error: { code, message, context } });
}

function notOpen(id: number, file: number): void {
  fail(id, new DeltaError('CorruptData', `decoder file ${file} is not open`), '<parquet>');
}

function decodedTransfers(decoded: DecodedRowGroup): ArrayBuffer[] {
  if (decoded.kind === 'ipc')
    return decoded.bytes.buffer instanceof ArrayBuffer ? [decoded.bytes.buffer] : [];
  return decoded.batches.flatMap(transferables);
}

async function handle(request: WorkerRequest): Promise<void> {
  switch (request.op) {
    case 'open': {
      try {
        const file = await DecodingFile.open(request.bytes, request.source);
        files.set(request.file, file);
        reply({ id: request.id, opened: { schemaIpc: file.schemaIpc, rowGroups: file.rowGroups } });
      } catch (err) {
        fail(request.id, err, request.source);
      }
      return;
    }
    case 'decode': {
      const file = files.get(request.file);
      if (file === undefined) {
        notOpen(request.id, request.file);
        return;
      }
      try {
        const decoded = await file.decode(request.rowGroup, {
          columns: request.columns,
          batchSize: request.batchSize,
          range: request.range,
        });
        reply({ id: request.id, decoded }, decodedTransfers(decoded));
      } catch (err) {
        fail(request.id, err, file.source);
      }
      return;
    }
    case 'flat-open':
      flatFiles.set(request.file, {
        source: request.source,
        cursors: request.columns.map(
          (c) => [c.leaf.name, new ColumnCursor(c.bytes, c.codec, c.leaf)] as const,
        ),
      });
      return;
    case 'flat-take': {
      const file = flatFiles.get(request.file);
      if (file === undefined) {
        notOpen(request.id, request.file);
        return;
      }
      let column = '';
      try {
        const columns = file.cursors.map(([name, cursor]) => {
          column = name;
          return cursor.take(request.rows);
        });
        const elapsed = file.cursors.map(([, cursor]) => cursor.elapsed);
        reply({ id: request.id, columns, elapsed }, transferables({ numRows: request.rows, columns }));
      } catch (err) {
        fail(
          request.id,
          new DeltaError(
            'CorruptData',
            `cannot decode column ${column} of ${file.source}: ${describeError(err)}`,
            {
              cause: err,
              context: { file: file.source, field: column },
            },
          ),
          file.source,
        );
      }
      return;
    }
    case 'close':
      files.get(request.file)?.close();
      files.delete(request.file);
      flatFiles.delete(request.file);
      return;
  }
}

// Requests are handled one at a time: a decode holds the (single-threaded) wasm instance anyway,
// and ordering keeps `close` after the decodes sent before it.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: WorkerRequest) => {
  queue = queue.then(() => handle(request));
});
