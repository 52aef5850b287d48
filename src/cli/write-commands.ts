/**
 * The writing commands of the CLI: write, delete, optimize, restore (and, registered by their own
 * modules' wrappers, checkpoint and vacuum). Each parses its options, calls one library function,
 * and prints what was committed.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { parseList, parseNonNegativeInt } from './args.js';
import { DeltaError } from '../errors.js';
import { deleteRows } from '../ops/dml.js';
import { optimizeTable, restoreTable } from '../ops/maintain.js';
import type { CommonWriteOptions, OperationResult } from '../ops/run.js';
import { latestSnapshot, resolveStorage } from '../ops/run.js';
import { writeTable } from '../ops/write.js';
import { readInputFile } from '../write/input.js';
import { writeCheckpoint } from '../log/checkpoint-write.js';
import { vacuum } from '../table/vacuum.js';

/** Output sink of the commands. */
export interface WriteCommandIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal: progress bars are drawn only then. */
  readonly interactive: boolean;
}

/** Registers the writing commands on `program`. */
export function registerWriteCommands(program: Command, io: WriteCommandIO): void {
  const common = (cmd: Command): Command =>
    cmd
      .option('--single-writer', 'no other process writes this table: skip the put-if-absent probe')
      .option('--json', 'print the commit outcome as JSON')
      .option(
        '--retries <n>',
        'rerun the operation this many times after a conflict',
        parseNonNegativeInt,
        3,
      );

  common(
    program
      .command('write')
      .description('write a Parquet, NDJSON or CSV file to a table (created when missing)')
      .argument('<table>', 'table location (path, file:// or s3:// URL)')
      .argument('<input>', 'input file: .parquet, .ndjson/.jsonl or .csv')
      .addOption(
        new Option('--mode <mode>', 'append or overwrite').choices(['append', 'overwrite']).default('append'),
      )
      .option('--partition-by <columns>', 'partition columns of a new table (comma-separated)', parseList)
      .option('--merge-schema', 'add columns of the input that the table lacks')
      .option('--overwrite-schema', 'with --mode overwrite: replace the schema by the input’s')
      .option('--where <predicate>', 'with --mode overwrite: replace only rows matching this predicate')
      .option('--property <key=value...>', 'table property of a new table (repeatable)', collectProperty, {})
      .addOption(new Option('--compression <codec>', 'Parquet compression').choices(['snappy', 'zstd'])),
  ).action(async (location: string, input: string, opts: WriteFlags) => {
    const storage = resolveStorage(location);
    const snap = await latestSnapshot(storage);
    const bytes = await readFile(input).catch((err: unknown) => {
      throw new DeltaError('FileNotFound', `cannot read input file ${input}`, {
        cause: err,
        context: { file: input },
      });
    });
    const data = await readInputFile(
      bytes,
      path.basename(input),
      snap && opts.mergeSchema !== true ? { schema: snap.schema } : {},
    );
    const result = await withProgress(io, 'writing', (onProgress) =>
      writeTable(storage, data, {
        ...commonOptions(opts, onProgress),
        mode: opts.mode,
        ...(opts.partitionBy ? { partitionBy: opts.partitionBy } : {}),
        ...(opts.mergeSchema ? { mergeSchema: true } : {}),
        ...(opts.overwriteSchema ? { overwriteSchema: true } : {}),
        ...(opts.where !== undefined ? { where: opts.where } : {}),
        ...(opts.compression ? { compression: opts.compression } : {}),
        properties: opts.property,
      }),
    );
    report(io, 'write', result, opts.json === true);
  });

  common(
    program
      .command('delete')
      .description('delete the rows matching a predicate (every row without --where)')
      .argument('<table>', 'table location')
      .option('--where <predicate>', 'rows to delete, e.g. "status = \'cancelled\' AND id < 100"'),
  ).action(async (location: string, opts: CommonFlags & { where?: string }) => {
    const result = await withProgress(io, 'files', (onProgress) =>
      deleteRows(location, {
        ...commonOptions(opts, onProgress),
        ...(opts.where !== undefined ? { where: opts.where } : {}),
      }),
    );
    report(io, 'delete', result, opts.json === true);
  });

  common(
    program
      .command('optimize')
      .description('compact small files into files of the target size')
      .argument('<table>', 'table location')
      .option('--where <predicate>', 'only partitions matching this predicate (partition columns only)')
      .option('--target-size <bytes>', 'target file size in bytes', parseNonNegativeInt),
  ).action(async (location: string, opts: CommonFlags & { where?: string; targetSize?: number }) => {
    const result = await withProgress(io, 'files', (onProgress) =>
      optimizeTable(location, {
        ...commonOptions(opts, onProgress),
        ...(opts.where !== undefined ? { where: opts.where } : {}),
        ...(opts.targetSize !== undefined ? { targetFileSize: opts.targetSize } : {}),
      }),
    );
    report(io, 'optimize', result, opts.json === true);
  });

  registerMaintenance(program, io);

  common(
    program
      .command('restore')
      .description('make the latest version equal to an earlier one (a new commit)')
      .argument('<table>', 'table location')
      .requiredOption('--version <n>', 'version to restore', parseNonNegativeInt),
  ).action(async (location: string, opts: CommonFlags & { version: number }) => {
    const result = await restoreTable(location, { ...commonOptions(opts, undefined), version: opts.version });
    report(io, 'restore', result, opts.json === true);
  });
}

/** Registers `checkpoint` and `vacuum`. */
function registerMaintenance(program: Command, io: WriteCommandIO): void {
  program
    .command('checkpoint')
    .description('write a checkpoint of the latest version (or --version) and update _last_checkpoint')
    .argument('<table>', 'table location')
    .option('--version <n>', 'version to checkpoint (default latest)', parseNonNegativeInt)
    .option('--json', 'print the result as JSON')
    .action(async (location: string, opts: { version?: number; json?: boolean }) => {
      const result = await writeCheckpoint(resolveStorage(location), opts.version);
      io.stdout(
        opts.json === true
          ? `${JSON.stringify(result)}\n`
          : `checkpoint: version ${result.version} ${result.written ? 'written' : 'already present'} (${result.key}, ${result.size} actions, ${result.numOfAddFiles} files)\n`,
      );
    });

  program
    .command('vacuum')
    .description('delete data files no version within the retention references')
    .argument('<table>', 'table location')
    .option('--dry-run', 'list the files that would be deleted, delete nothing')
    .option('--retain-hours <h>', 'retention in hours (default: the table’s, 168)', parseNonNegativeInt)
    .option(
      '--force',
      'allow a retention shorter than the table’s (breaks time travel and concurrent readers)',
    )
    .option('--json', 'print the result as JSON')
    .action(
      async (
        location: string,
        opts: { dryRun?: boolean; retainHours?: number; force?: boolean; json?: boolean },
      ) => {
        const result = await withProgress(io, 'deleting', (onProgress) =>
          vacuum(resolveStorage(location), {
            ...(opts.dryRun === true ? { dryRun: true } : {}),
            ...(opts.retainHours !== undefined ? { retentionHours: opts.retainHours } : {}),
            ...(opts.force === true ? { force: true } : {}),
            ...(onProgress
              ? { onProgress: (done: number, total: number) => onProgress('files', done, total) }
              : {}),
          }),
        );
        if (opts.json === true) {
          io.stdout(`${JSON.stringify(result)}\n`);
          return;
        }
        if (result.dryRun) for (const file of result.files) io.stdout(`${file}\n`);
        io.stdout(
          `vacuum: ${result.dryRun ? 'would delete' : 'deleted'} ${result.files.length} files (${result.bytes} bytes) of ${result.scanned} scanned, version ${result.version}\n`,
        );
      },
    );
}

interface CommonFlags {
  singleWriter?: boolean;
  json?: boolean;
  retries: number;
}

interface WriteFlags extends CommonFlags {
  mode: 'append' | 'overwrite';
  partitionBy?: string[];
  mergeSchema?: boolean;
  overwriteSchema?: boolean;
  where?: string;
  property: Record<string, string>;
  compression?: 'snappy' | 'zstd';
}

function commonOptions(opts: CommonFlags, onProgress: CommonWriteOptions['onProgress']): CommonWriteOptions {
  return {
    retryOnConflict: opts.retries,
    ...(opts.singleWriter ? { singleWriter: true } : {}),
    ...(onProgress ? { onProgress } : {}),
  };
}

/** Runs `work` with a progress bar on an interactive stderr. */
export async function withProgress<T>(
  io: WriteCommandIO,
  label: string,
  work: (onProgress: CommonWriteOptions['onProgress']) => Promise<T>,
): Promise<T> {
  if (!io.interactive) return work(undefined);
  const bar = new SingleBar({
    format: `${label} [{bar}] {value}/{total} {unit}`,
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  try {
    return await work((unit, done, total) => {
      if (!started) {
        bar.start(total, 0, { unit });
        started = true;
      }
      bar.setTotal(total);
      bar.update(done, { unit });
    });
  } finally {
    if (started) bar.stop();
  }
}

/** Prints the outcome; a conflict or retryable outcome becomes an error (non-zero exit). */
export function report(io: WriteCommandIO, what: string, result: OperationResult, json: boolean): void {
  if (result.status === 'conflict' || result.status === 'retryable') throw result.error;
  if (json) {
    const { status, metrics } = result;
    const version = 'version' in result ? result.version : undefined;
    io.stdout(`${JSON.stringify({ status, version, metrics })}\n`);
    return;
  }
  if (result.status === 'duplicate') {
    io.stdout(`${what}: already applied (txn ${result.appId} ${result.txnVersion}); nothing written\n`);
    return;
  }
  const metrics = Object.entries(result.metrics)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  io.stdout(
    result.attempts === 0
      ? `${what}: nothing to change (table stays at version ${result.version})\n`
      : `${what}: committed version ${result.version}${metrics ? ` (${metrics})` : ''}\n`,
  );
}

function collectProperty(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
