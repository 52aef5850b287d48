/**
 * What one engine process reports for one measured operation. The Python side
 * (`bench/engines/delta_rs.py`) prints the same keys, so the runner treats both alike.
 */
export interface EngineResult {
  /** `delta-ts` or `delta-rs`. */
  readonly engine: string;
  /** The benchmark operation (`snapshot`, `scan`, `scan-query`, …). */
  readonly op: string;
  /** The API call measured, recorded so the report says what was compared. */
  readonly method: string;
  /** Wall time of the operation in ms, runtime start-up and imports excluded. */
  readonly ms: number;
  /** Peak RSS of the whole process in KiB, read right after the operation. */
  readonly peakRssKb: number;
  /** Rows returned by a scan; null for snapshot loads. */
  readonly rows: number | null;
  /** Table version the operation saw (a sanity check that both engines read the same thing). */
  readonly version: number;
  /** Live files in that version. */
  readonly files: number;
  /** Runtime and library versions of the engine process. */
  readonly runtime: string;
}
