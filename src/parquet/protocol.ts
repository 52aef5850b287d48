import type { DeltaErrorCode } from '../errors.js';
import type { DecodedRowGroup, RowGroupInfo, RowRange } from './decode.js';
import type { ColumnBuffers } from './ffi.js';
import type { LeafSpec } from './flat-schema.js';

/**
 * Messages between the main thread (`pool.ts`) and decoder workers (`worker.ts`). A file is opened
 * on one worker and stays there (its decoder state lives in that worker's wasm memory); every
 * request but `close` gets exactly one reply with the same `id`.
 */

/** Main thread → worker. */
export type WorkerRequest =
  | {
      readonly op: 'open';
      readonly id: number;
      readonly file: number;
      readonly bytes: Uint8Array;
      readonly source: string;
    }
  | {
      readonly op: 'decode';
      readonly id: number;
      readonly file: number;
      readonly rowGroup: number;
      readonly range: RowRange | undefined;
      readonly columns: readonly string[] | undefined;
      readonly batchSize: number;
    }
  | {
      /** Column chunks for the JavaScript decoder (`flat-column.ts`); no reply. */
      readonly op: 'flat-open';
      readonly file: number;
      readonly source: string;
      readonly columns: ReadonlyArray<{
        readonly bytes: Uint8Array;
        readonly codec: number;
        readonly leaf: LeafSpec;
      }>;
    }
  | {
      /** The next `rows` rows of every column of a `flat-open`ed file. */
      readonly op: 'flat-take';
      readonly id: number;
      readonly file: number;
      readonly rows: number;
    }
  | { readonly op: 'close'; readonly file: number };

/** A failure, carried as the parts of a `DeltaError` (class instances do not survive the hop). */
export interface WorkerFailure {
  readonly code: DeltaErrorCode;
  readonly message: string;
  readonly context: Record<string, string | number | boolean | undefined>;
}

/** Worker → main thread. */
export type WorkerReply =
  | {
      readonly id: number;
      readonly opened: { readonly schemaIpc: Uint8Array; readonly rowGroups: readonly RowGroupInfo[] };
    }
  | { readonly id: number; readonly decoded: DecodedRowGroup }
  | {
      readonly id: number;
      readonly columns: readonly ColumnBuffers[];
      /** Milliseconds each column's decoding took so far on the worker. */
      readonly elapsed: readonly number[];
    }
  | { readonly id: number; readonly error: WorkerFailure };
