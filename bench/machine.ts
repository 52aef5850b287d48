/**
 * Describes the machine and software a benchmark ran on, so numbers in `RESULTS.md` can be
 * compared across runs only when they are comparable.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import type { CaseResult } from './report.js';

/** Facts about the benchmark host, as printed in the report header. */
export interface MachineInfo {
  readonly date: string;
  readonly cpuModel: string;
  readonly cores: number;
  readonly ramGiB: number;
  readonly kernel: string;
  readonly runtimes: readonly string[];
  readonly commit: string;
  /** `/proc/loadavg` (1, 5, 15 min) before and after measuring: other work on the host skews times. */
  readonly loadBefore: string;
  readonly loadAfter: string;
}

/** The 1, 5 and 15 minute load averages, or `unknown` off Linux. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'ascii').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match?.[1]) return match[1].trim();
  } catch {
    // Not Linux: fall through to what Node reports.
  }
  return cpus()[0]?.model ?? 'unknown';
}

function git(repo: string, args: string[]): string {
  try {
    return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * Gathers the machine facts; engine runtime versions come from what the engine processes reported
 * (`extraRuntimes`: those of engines outside `results`, as `engine: runtime`).
 */
export function machineInfo(
  repo: string,
  results: readonly CaseResult[],
  loadBefore: string,
  extraRuntimes: readonly string[] = [],
): MachineInfo {
  const runtimes = new Set<string>(extraRuntimes);
  for (const c of results)
    for (const r of c.results) for (const run of r.runs) runtimes.add(`${run.engine}: ${run.runtime}`);
  if (![...runtimes].some((r) => r.startsWith('delta-ts'))) runtimes.add(`delta-ts: Node ${process.version}`);
  const dirty =
    git(repo, ['status', '--porcelain', '--untracked-files=no', '--', 'src']) === ''
      ? ''
      : ' (src/ modified)';
  let kernel = 'unknown';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    // Not Linux.
  }
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpuModel: cpuModel(),
    cores: cpus().length,
    ramGiB: totalmem() / 2 ** 30,
    kernel,
    runtimes: [...runtimes].sort(),
    commit: `${git(repo, ['rev-parse', '--short', 'HEAD'])}${dirty}`,
    loadBefore,
    loadAfter: loadAverage(),
  };
}
