import { DeltaError } from './errors.js';

/**
 * Test support (excluded from the build): awaits `p`, which must reject with a `DeltaError`, and
 * returns that error so a test can assert its code, message and context.
 */
export async function rejection(p: Promise<unknown>): Promise<DeltaError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DeltaError) return err;
    throw err;
  }
  throw new Error('expected a DeltaError');
}
