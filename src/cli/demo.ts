import { DeltaError } from '../errors.js';
import { LocalStorage } from '../storage/local.js';
import { MemoryStorage } from '../storage/memory.js';
import type { Storage } from '../storage/storage.js';
import { DeltaTable } from '../table/table.js';
import { DEMO_COMMIT_TIMES, writeDemoTable } from './demo-table.js';
import { writeRows } from './output.js';

/** Where the demo prints. */
export interface DemoIO {
  stdout(text: string): void;
}

/**
 * `delta-ts demo`: a tour of the reader on embedded defaults. It builds a small partitioned
 * `orders` table with a deletion vector and change data feed in memory (or in `dir`), then reads
 * it back through the public API the way a streaming job or a notebook would: describe, history,
 * a filtered scan, time travel by version and by time, and the change feed.
 */
export async function runDemo(io: DemoIO, options: { dir?: string } = {}): Promise<void> {
  const storage: Storage = options.dir ? new LocalStorage(options.dir) : new MemoryStorage('demo-orders');
  if (options.dir && (await storage.head('_delta_log/00000000000000000000.json'))) {
    throw new DeltaError('AlreadyExists', `${storage.url} already holds a Delta table`, {
      help: 'pass an empty or new directory to --dir',
    });
  }
  const say = (title: string): void => io.stdout(`\n== ${title}\n`);
  await writeDemoTable(storage);
  const table = await DeltaTable.open(storage);

  say(`table ${storage.url}`);
  const description = (await table.snapshot()).describe();
  io.stdout(
    `version ${description.version}, ${description.numFiles} files, ${description.numRecords ?? '?'} records before deletes, ` +
      `partitioned by ${description.partitionColumns.join(', ')}, features: ${description.features.join(', ')}\n`,
  );

  say('history (newest first)');
  for (const entry of await table.history()) {
    io.stdout(
      `v${entry.version}  ${new Date(entry.timestamp).toISOString()}  ${String(entry.commitInfo?.operation ?? '')}\n`,
    );
  }

  const show = async (title: string, scan: ReturnType<DeltaTable['scan']>): Promise<void> => {
    say(title);
    await writeRows(scan.rows(), await scan.schema(), 'table', io.stdout);
  };
  await show('latest version: order 2 is hidden by a deletion vector', table.scan());
  await show(
    'orders over 50 outside Germany (files pruned by partition and statistics): --where "amount > 50 AND country != \'DE\'"',
    table.scan({ where: "amount > 50 AND country != 'DE'", columns: ['order_id', 'customer', 'amount'] }),
  );
  await show('time travel to version 0', table.scan({ version: 0, columns: ['order_id', 'country'] }));
  const beforeDelete = new Date((DEMO_COMMIT_TIMES[2] ?? 0) - 1).toISOString();
  await show(
    `time travel by time: as of ${beforeDelete}`,
    table.scan({ timestamp: beforeDelete, columns: ['order_id', 'country'] }),
  );

  say('change data feed, versions 1 to 2');
  const changes = table.changes({ from: 1, to: 2 });
  await writeRows(changes.rows(), await changes.schema(), 'table', io.stdout);
  io.stdout(
    `\nThe same table from the command line${options.dir ? '' : ' (rerun with --dir DIR to keep it on disk)'}:\n` +
      `  delta-ts describe ${options.dir ?? 'DIR'}\n  delta-ts scan ${options.dir ?? 'DIR'} --where "amount > 50" --format ndjson\n`,
  );
}
