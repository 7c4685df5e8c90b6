/**
 * Where the queue's description comes from: `-q/--queue` (a PanDA queue name looked up in CRIC,
 * or a local queuedata file), `--queuedata-url` and `--storagedata-url` (pilot3's names).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import {
  SecretRegistry, createLogger, cricQueueLayers, isPlainObject, isQueueName, queuedataLayer, storageDataLayer,
  type ConfigLayer, type LogLevel, type LogRecord,
} from '../../core/index.js';

export interface QueueFlags {
  readonly queue?: string;
  readonly queuedataUrl?: string;
  readonly storagedataUrl?: string;
  readonly logLevel?: string;
}

export function withQueueOptions(cmd: Command): Command {
  return cmd
    .option('-q, --queue <name|file>', 'the PanDA queue: a name (looked up with --queuedata-url, CRIC) or a queuedata JSON file (a path that exists, contains "/" or ends in .json)')
    .option('--queuedata-url <url|file>', 'CRIC queue JSON ({"<QUEUE>": {...}}): URL template with {pandaqueue}, or a file (default QUEUEDATA_SERVER_URL, else CRIC)')
    .option('--storagedata-url <url|file>', 'CRIC ddmendpoints JSON for the endpoints astorages names: URL or file (default STORAGEDATA_SERVER_URL, else CRIC)');
}

/**
 * The queuedata layers of the flags (none without `--queue`). The last good CRIC copies
 * are kept in `cacheDir` (the work directory) for when CRIC is down.
 */
export async function queueLayersOf(flags: QueueFlags, cacheDir: string, sink?: (record: LogRecord, line: string) => void): Promise<ConfigLayer[]> {
  if (!flags.queue) return [];
  // The run's logger comes after its settings; this one goes where the run's lines will go (pilotlog.txt too).
  const logger = createLogger({ secrets: new SecretRegistry(), level: (flags.logLevel as LogLevel | undefined) ?? 'info', ...(sink ? { sink } : {}) });
  if (isQueueName(flags.queue, existsSync)) {
    return cricQueueLayers({
      queue: flags.queue, cacheDir, logger,
      ...(flags.queuedataUrl ? { queuedataUrl: flags.queuedataUrl } : {}),
      ...(flags.storagedataUrl ? { storagedataUrl: flags.storagedataUrl } : {}),
    });
  }
  const layer = queuedataLayer(flags.queue);
  if (!flags.storagedataUrl || !isPlainObject(layer.queuedata)) return [layer];
  const storage = await storageDataLayer(layer.queuedata, { storagedataUrl: flags.storagedataUrl, cacheDir, logger });
  return [layer, ...(storage ? [storage] : [])];
}
