import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { DeltaError } from '../errors.js';
import type { DecodedRowGroup, RowGroupInfo, RowGroupSlice } from './decode.js';
import type { ColumnBuffers } from './ffi.js';
import type { LeafSpec } from './flat-schema.js';
import type { WorkerFailure, WorkerReply, WorkerRequest } from './protocol.js';

/**
 * A small pool of decoder worker threads, so that Parquet decoding (CPU-bound wasm) runs beside
 * the main thread, which converts and yields batches meanwhile. Workers start on first use, hold no
 * reference on the event loop while idle (a finished scan never keeps the process alive), and are
 * terminated after a short idle spell so their wasm memory is returned.
 */

/** Terminate a worker after this long with no open file and no request in flight. */
const IDLE_MS = 2_000;

interface Pending {
  readonly resolve: (reply: WorkerReply) => void;
  readonly reject: (err: DeltaError) => void;
  readonly source: string;
}

class PoolWorker {
  readonly worker: Worker;
  readonly pending = new Map<number, Pending>();
  openFiles = 0;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    script: URL,
    private readonly onExit: (w: PoolWorker) => void,
  ) {
    this.worker = new Worker(script);
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => this.settle(reply));
    this.worker.on('error', (err) => this.failAll(`decoder worker failed: ${err.message}`));
    this.worker.on('exit', (code) => {
      this.failAll(`decoder worker exited with code ${code}`);
      this.onExit(this);
    });
  }

  get load(): number {
    return this.openFiles * 4 + this.pending.size;
  }

  request(
    message: WorkerRequest & { id: number },
    source: string,
    transfer: ArrayBuffer[],
  ): Promise<WorkerReply> {
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject, source });
      this.busy();
      this.worker.postMessage(message, transfer);
    });
  }

  send(message: WorkerRequest): void {
    this.worker.postMessage(message);
    this.maybeIdle();
  }

  maybeIdle(): void {
    if (this.pending.size > 0) return;
    // Nothing awaits this worker: let the process exit without it.
    this.worker.unref();
    if (this.openFiles > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => void this.worker.terminate(), IDLE_MS);
    this.idleTimer.unref();
  }

  /** Marks the worker as needed: referenced, and no idle termination pending. */
  busy(): void {
    // A pending reply must keep the process alive, or an awaiting scan would be cut short.
    this.worker.ref();
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private settle(reply: WorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    this.maybeIdle();
    pending.resolve(reply);
  }

  private failAll(why: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(
        new DeltaError('CorruptData', `cannot decode ${p.source}: ${why}`, { context: { file: p.source } }),
      );
    }
    this.maybeIdle();
  }
}

/** A file opened on a pool worker. */
export interface PooledFile {
  readonly schemaIpc: Uint8Array;
  /** Sizes of the row groups, in file order. */
  readonly rowGroups: readonly RowGroupInfo[];
  /** Decodes one row group, or a slice of it, on the file's worker. */
  decode(
    slice: RowGroupSlice,
    columns: readonly string[] | undefined,
    batchSize: number,
  ): Promise<DecodedRowGroup>;
  /** Releases the worker's copy of the file; idempotent. */
  close(): void;
}

/** Flat column chunks being decoded on a pool worker (see `flat.ts`). */
export interface RemoteColumns {
  /**
   * The next `rows` rows of every column, in the order they were opened, and the milliseconds each
   * column's decoding has taken so far.
   */
  take(
    rows: number,
  ): Promise<{ readonly columns: readonly ColumnBuffers[]; readonly elapsed: readonly number[] }>;
  /** Releases the worker's state for them; idempotent. */
  close(): void;
}

/** Decoder worker threads shared by every scan of the process. */
export class DecoderPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 1;

  constructor(
    private readonly script: URL,
    /** Most workers to run at once. */
    readonly size: number,
  ) {}

  /**
   * Opens `bytes` on the least busy worker. With `transfer`, the bytes' buffer moves to the worker
   * (the caller must not use it again) instead of being copied.
   */
  async open(bytes: Uint8Array, source: string, transfer: boolean): Promise<PooledFile> {
    const w = this.pick();
    const file = this.nextId++;
    w.openFiles++;
    const movable =
      transfer &&
      bytes.byteOffset === 0 &&
      bytes.byteLength === bytes.buffer.byteLength &&
      bytes.buffer instanceof ArrayBuffer;
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      w.openFiles--;
      w.send({ op: 'close', file });
    };
    let reply: WorkerReply;
    try {
      reply = await w.request(
        { op: 'open', id: this.nextId++, file, bytes, source },
        source,
        movable ? [bytes.buffer] : [],
      );
    } catch (err) {
      close();
      throw err;
    }
    if (!('opened' in reply)) {
      close();
      throw failure(reply);
    }
    const { schemaIpc, rowGroups } = reply.opened;
    return {
      schemaIpc,
      rowGroups,
      decode: async ({ rowGroup, range }, columns, batchSize) => {
        if (closed)
          throw new DeltaError('CorruptData', `${source} was closed while reading`, {
            context: { file: source },
          });
        const r = await w.request(
          { op: 'decode', id: this.nextId++, file, rowGroup, range, columns, batchSize },
          source,
          [],
        );
        if (!('decoded' in r)) throw failure(r);
        return r.decoded;
      },
      close,
    };
  }

  /**
   * Hands column chunks to the least busy worker for the JavaScript decoder; their buffers move to
   * the worker (each `bytes` must own its whole buffer).
   */
  openFlat(
    columns: ReadonlyArray<{ readonly bytes: Uint8Array; readonly codec: number; readonly leaf: LeafSpec }>,
    source: string,
  ): RemoteColumns {
    const w = this.pick();
    const file = this.nextId++;
    w.openFiles++;
    let closed = false;
    const transfer = columns.flatMap((c) => (c.bytes.buffer instanceof ArrayBuffer ? [c.bytes.buffer] : []));
    w.busy();
    w.worker.postMessage({ op: 'flat-open', file, source, columns } satisfies WorkerRequest, transfer);
    w.maybeIdle();
    return {
      take: async (rows) => {
        if (closed)
          throw new DeltaError('CorruptData', `${source} was closed while reading`, {
            context: { file: source },
          });
        const r = await w.request({ op: 'flat-take', id: this.nextId++, file, rows }, source, []);
        if (!('columns' in r)) throw failure(r);
        return r;
      },
      close: () => {
        if (closed) return;
        closed = true;
        w.openFiles--;
        w.send({ op: 'close', file });
      },
    };
  }

  /** Whether a worker could take a file now without queueing behind another (or can be started). */
  hasCapacity(): boolean {
    return this.workers.length < this.size || this.workers.some((w) => w.load === 0);
  }

  private pick(): PoolWorker {
    const idle = this.workers.find((w) => w.load === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) {
      const w = new PoolWorker(this.script, (gone) => {
        const at = this.workers.indexOf(gone);
        if (at >= 0) this.workers.splice(at, 1);
      });
      this.workers.push(w);
      return w;
    }
    return this.workers.reduce((a, b) => (b.load < a.load ? b : a));
  }
}

function failure(reply: WorkerReply): DeltaError {
  const f: WorkerFailure =
    'error' in reply
      ? reply.error
      : { code: 'CorruptData', message: 'unexpected reply from a decoder worker', context: {} };
  return new DeltaError(f.code, f.message, { context: f.context });
}

let shared: DecoderPool | null | undefined;

/**
 * The process-wide pool, or `null` when workers cannot run here: the compiled `worker.js` is absent
 * (running from TypeScript sources, as the unit tests do). One worker per core besides the main
 * thread's (at least one, at most four): the main thread decodes too, whenever every worker is busy,
 * and each worker holds its own wasm memory.
 */
export function sharedDecoderPool(): DecoderPool | null {
  if (shared !== undefined) return shared;
  const script = new URL('./worker.js', import.meta.url);
  const env = process.env['DELTA_TS_DECODE_WORKERS'];
  const size = env !== undefined && env !== '' ? Number(env) : Math.min(availableParallelism(), 4);
  shared =
    Number.isFinite(size) && size > 0 && existsSync(fileURLToPath(script))
      ? new DecoderPool(script, size)
      : null;
  return shared;
}
