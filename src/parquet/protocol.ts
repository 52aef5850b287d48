import type { DeltaErrorCode } from '../errors.js';
import type { DecodedRowGroup, RowGroupInfo, RowRange } from './decode.js';

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
  | { readonly id: number; readonly error: WorkerFailure };
