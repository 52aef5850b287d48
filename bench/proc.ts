/**
 * Process measurements shared by the Node engine processes of the benchmarks (read and write):
 * peak RSS and CPU time. CPU time is the whole process (every thread, worker threads included), as the Python
 * engines report it with `getrusage(RUSAGE_SELF)`, so CPU-seconds compare across engines.
 */
import { readFileSync } from 'node:fs';

/** Peak resident set size of this process in KiB: VmHWM, the kernel's high-water mark. */
export function peakRssKb(): number {
  try {
    const status = readFileSync('/proc/self/status', 'ascii');
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
    if (match?.[1] !== undefined) return Number(match[1]);
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return process.resourceUsage().maxRSS;
}

/** User + system CPU time of the whole process so far, in ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}
