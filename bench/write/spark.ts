/**
 * The Spark engine of the write benchmarks as a long-lived child process
 * (`bench/engines/spark_write.py`): one JVM start for the whole benchmark run instead of one per
 * measured operation, since a start costs more than most operations. Jobs go in as JSON lines on
 * stdin, results come back as JSON lines on stdout; Spark's chatter on stderr goes to a log file.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import type { BenchPaths } from '../cases.js';
import type { WriteResult } from './result.js';

/** A job for the Spark process, as `spark_write.py` reads it. */
export interface SparkJob {
  readonly op: string;
  readonly path: string;
  readonly input?: string;
  readonly count?: number;
}

/** One Spark session serving jobs one at a time. */
export class SparkServer {
  private readonly lines: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly reader: Interface,
    /** Session start (JVM, jars, Delta extension) in ms: excluded from every job's timing. */
    readonly startupMs: number,
  ) {
    this.lines = reader[Symbol.asyncIterator]();
  }

  /** Starts Spark; resolves when the session is up, or with the reason it could not start. */
  static async start(paths: BenchPaths, timeoutMs: number): Promise<SparkServer | string> {
    const child = spawn(paths.python, [join(paths.repo, 'bench/engines/spark_write.py'), paths.repo], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr.pipe(createWriteStream(join(paths.cache, 'spark-write.log')));
    const reader = createInterface({ input: child.stdout });
    const first = await nextLine(reader[Symbol.asyncIterator](), timeoutMs);
    if (first === undefined) {
      child.kill('SIGKILL');
      return `Spark did not start within ${timeoutMs / 1000} s (see .cache/bench/spark-write.log)`;
    }
    const hello = JSON.parse(first) as { ready?: boolean; startupMs?: number; error?: string };
    if (!hello.ready) {
      child.kill('SIGKILL');
      return hello.error ?? 'Spark did not start';
    }
    return new SparkServer(child, reader, hello.startupMs ?? Number.NaN);
  }

  /** Runs one job; a string is the error (or timeout) that stopped it. */
  async run(job: SparkJob, timeoutMs: number): Promise<WriteResult | string> {
    this.child.stdin.write(`${JSON.stringify(job)}\n`);
    const line = await nextLine(this.lines, timeoutMs);
    if (line === undefined) {
      // A job that hangs (or a JVM that died) ends this Spark session; later jobs report it.
      this.child.kill('SIGKILL');
      return `no answer within ${timeoutMs / 1000} s, or Spark exited (see .cache/bench/spark-write.log)`;
    }
    const parsed = JSON.parse(line) as WriteResult | { error: string };
    return 'error' in parsed ? parsed.error : parsed;
  }

  /** Whether the process is still there to take jobs. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Ends the session: closing stdin lets the Python side stop Spark and clean its scratch dir. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
    this.reader.close();
  }
}

/** The next line, or undefined on end of stream or timeout. */
async function nextLine(lines: AsyncIterator<string>, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs);
  });
  try {
    for (;;) {
      const next = await Promise.race([lines.next(), timeout]);
      if (next === undefined || next.done === true) return undefined;
      if (next.value.startsWith('{')) return next.value;
    }
  } finally {
    clearTimeout(timer);
  }
}
