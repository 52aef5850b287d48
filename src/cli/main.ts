import { Command, CommanderError, Option } from 'commander';
import { describeError, isDeltaError } from '../errors.js';
import { DeltaTable, type OpenOptions } from '../table/table.js';
import { runDemo } from './demo.js';
import { parseList, parseNonNegativeInt } from './args.js';
import { writeRows, type OutputFormat } from './output.js';
import { registerWriteCommands } from './write-commands.js';

/** Where the CLI writes; injectable so tests capture output without spawning processes. */
export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress bars are drawn only then). */
  readonly interactive?: boolean;
}

const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/**
 * Runs the `delta-ts` command line with `argv` (without `node` and the script) and returns the
 * exit code: 0 on success, 1 on a Delta error (printed to stderr with its code and help), 2 on a
 * usage error.
 */
export async function main(argv: readonly string[], io: CliIO = processIO): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the usage message; --help and --version exit with code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    io.stderr(renderError(err));
    return 1;
  }
}

/** Formats an error for the terminal: code, message, and what to do about it. */
export function renderError(err: unknown): string {
  if (isDeltaError(err)) {
    const help = err.help ? `\n  help: ${err.help}` : '';
    return `error[${err.code}]: ${err.message}${help}\n`;
  }
  return `error: ${describeError(err)}\n`;
}

function buildProgram(io: CliIO): Command {
  const program = new Command('delta-ts')
    .description('Read and write Delta Lake tables on local disk or S3.')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError()
    .option('--allow-outside-root', 'read data files referenced outside the table root (off: refuse them)')
    .option(
      '--partition-time-zone <zone>',
      "IANA zone of timestamp partition values written without a zone (the writer's; default UTC)",
    );

  const openTable = (location: string): Promise<DeltaTable> => {
    const global = program.opts<{ allowOutsideRoot?: boolean; partitionTimeZone?: string }>();
    const options: OpenOptions = {
      allowOutsideRoot: global.allowOutsideRoot === true,
      ...(global.partitionTimeZone !== undefined ? { partitionTimeZone: global.partitionTimeZone } : {}),
    };
    return DeltaTable.open(location, options);
  };

  const versionOptions = (cmd: Command): Command =>
    cmd
      .addOption(
        new Option('--version <n>', 'read this table version')
          .argParser(parseNonNegativeInt)
          .conflicts('timestamp'),
      )
      .option(
        '--timestamp <t>',
        'read the version current at this time (ISO-8601, "YYYY-MM-DD HH:MM:SS" UTC, or epoch ms)',
      );

  versionOptions(
    program
      .command('describe')
      .description('protocol, features, schema, partition columns, properties, file count and size')
      .argument('<table>', 'table location: path, file:// URL or s3://bucket/prefix'),
  )
    .option('--json', 'print JSON')
    .action(async (location: string, opts: { version?: number; timestamp?: string; json?: boolean }) => {
      const table = await openTable(location);
      const snap = await table.snapshot(pickVersion(opts));
      const description = snap.describe();
      if (opts.json === true) {
        io.stdout(`${JSON.stringify(description, null, 2)}\n`);
        return;
      }
      const lines = [
        `version:            ${description.version} (${description.timestamp})`,
        `id:                 ${description.id}`,
        ...(description.name ? [`name:               ${description.name}`] : []),
        `protocol:           reader ${description.minReaderVersion}, writer ${description.minWriterVersion}`,
        `features:           ${description.features.join(', ') || '(none)'}`,
        `column mapping:     ${description.columnMappingMode}`,
        `partition columns:  ${description.partitionColumns.join(', ') || '(none)'}`,
        `files:              ${description.numFiles}`,
        `size:               ${description.sizeBytes} bytes`,
        `records:            ${description.numRecords ?? 'unknown (files without statistics)'}`,
        'properties:',
        ...Object.entries(description.properties).map(([k, v]) => `  ${k} = ${v}`),
        'schema:',
        ...description.schema.fields.map(
          (f) => `  ${f.name}: ${renderType(f.type)}${f.nullable ? '' : ' not null'}`,
        ),
      ];
      io.stdout(`${lines.join('\n')}\n`);
    });

  program
    .command('history')
    .description('commit history, newest first')
    .argument('<table>', 'table location')
    .option('--limit <n>', 'at most this many versions', parseNonNegativeInt)
    .option('--json', 'print JSON lines')
    .action(async (location: string, opts: { limit?: number; json?: boolean }) => {
      const table = await openTable(location);
      const history = await table.history(opts.limit !== undefined ? { limit: opts.limit } : {});
      for (const entry of history) {
        if (opts.json === true) {
          io.stdout(
            `${JSON.stringify({ version: entry.version, timestamp: new Date(entry.timestamp).toISOString(), commitInfo: entry.commitInfo ?? null })}\n`,
          );
        } else {
          const op = typeof entry.commitInfo?.operation === 'string' ? entry.commitInfo.operation : '';
          io.stdout(
            `${String(entry.version).padStart(6)}  ${new Date(entry.timestamp).toISOString()}  ${op}\n`,
          );
        }
      }
    });

  versionOptions(
    program
      .command('scan')
      .description('print the rows of a table version')
      .argument('<table>', 'table location'),
  )
    .option('--columns <list>', 'comma-separated columns to return', parseList)
    .option('--where <predicate>', 'row filter, e.g. "country = \'DE\' AND qty >= 10"')
    .option('--limit <n>', 'at most this many rows', parseNonNegativeInt)
    .addOption(
      new Option('--format <format>', 'output format').choices(['ndjson', 'csv', 'table']).default('table'),
    )
    .action(
      async (
        location: string,
        opts: {
          version?: number;
          timestamp?: string;
          columns?: string[];
          where?: string;
          limit?: number;
          format: OutputFormat;
        },
      ) => {
        const table = await openTable(location);
        const scan = table.scan({
          ...pickVersion(opts),
          ...(opts.columns ? { columns: opts.columns } : {}),
          ...(opts.where !== undefined ? { where: opts.where } : {}),
          ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        });
        const schema = await scan.schema();
        await writeRows(scan.rows(), schema, opts.format, io.stdout);
      },
    );

  program
    .command('changes')
    .description('the change data feed between two versions')
    .argument('<table>', 'table location')
    .requiredOption('--from <v>', 'first version (inclusive)', parseNonNegativeInt)
    .option('--to <v>', 'last version (inclusive; default latest)', parseNonNegativeInt)
    .addOption(
      new Option('--format <format>', 'output format').choices(['ndjson', 'csv', 'table']).default('table'),
    )
    .action(async (location: string, opts: { from: number; to?: number; format: OutputFormat }) => {
      const table = await openTable(location);
      const changes = table.changes({ from: opts.from, ...(opts.to !== undefined ? { to: opts.to } : {}) });
      await writeRows(changes.rows(), await changes.schema(), opts.format, io.stdout);
    });

  program
    .command('demo')
    .description('a tour of the reader on a small embedded table (no services needed)')
    .option('--dir <path>', 'write the demo table to this directory instead of memory')
    .action(async (opts: { dir?: string }) => {
      await runDemo({ stdout: io.stdout }, opts.dir !== undefined ? { dir: opts.dir } : {});
    });

  registerWriteCommands(program, {
    stdout: io.stdout,
    stderr: io.stderr,
    interactive: io.interactive === true,
  });
  return program;
}

function pickVersion(opts: { version?: number; timestamp?: string }): {
  version?: number;
  timestamp?: string;
} {
  if (opts.version !== undefined) return { version: opts.version };
  if (opts.timestamp !== undefined) return { timestamp: opts.timestamp };
  return {};
}

function renderType(type: import('../protocol/schema.js').DataType): string {
  switch (type.type) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}: ${renderType(f.type)}`).join(', ')}>`;
    case 'array':
      return `array<${renderType(type.elementType)}>`;
    case 'map':
      return `map<${renderType(type.keyType)}, ${renderType(type.valueType)}>`;
    default:
      return type.type;
  }
}
