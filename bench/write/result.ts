/**
 * What one engine process reports for one measured write operation. The Python engines
 * (`bench/engines/delta_rs_write.py`, `bench/engines/spark_write.py`) print the same keys.
 */
import type { EngineResult } from '../result.js';

/** A write benchmark engine. */
export type WriteEngine = 'delta-ts' | 'delta-rs' | 'spark';

/** {@link EngineResult} plus what a write costs. `rows` is the number of rows written. */
export interface WriteResult extends EngineResult {
  /** CPU time (user + system, every thread) spent in the operation, in ms. */
  readonly cpuMs: number;
  /** For `commits`: the latency of each commit in ms, in order. */
  readonly latenciesMs?: readonly number[];
  /** Spark: the JVM start (session creation) that the timings exclude, in ms. */
  readonly startupMs?: number;
  /** Bytes of data files written by the operation (measured by the runner from the table directory). */
  outputBytes?: number;
}
