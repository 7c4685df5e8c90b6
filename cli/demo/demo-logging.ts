/**
 * The demo's logs: every line at `info` or more detail goes to `<workdir>/espilot.log`; the
 * lines at `--log-level` (default `warn`) also go to stderr, with the progress bar moved out
 * of their way. Lines arrive already formatted (`--log-format`) and with secrets masked.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { LogLevel, LogRecord } from '../../core/index.js';

const RANK: Record<LogLevel, number> = { silent: -1, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

export interface DemoLogs {
  /** The level the run's logger must produce: the more detailed of `info` and the stderr level. */
  readonly level: LogLevel;
  readonly sink: (record: LogRecord, line: string) => void;
  readonly path: string;
  close(): Promise<void>;
}

/** Opens the demo's log file; `around` moves the progress bar out of the way of stderr lines. */
export function demoLogs(path: string, stderrLevel: LogLevel, stderr: { write(text: string): unknown }, around: (write: () => void) => void = (w) => w()): DemoLogs {
  const file: WriteStream = createWriteStream(path, { flags: 'a', mode: 0o600 });
  // A log file that cannot be written must not stop the demo; stderr still shows problems.
  file.on('error', () => undefined);
  const level: LogLevel = RANK[stderrLevel] > RANK.info ? stderrLevel : 'info';
  return {
    level,
    path,
    sink: (record, line) => {
      file.write(`${line}\n`);
      if (RANK[record.level] <= RANK[stderrLevel]) around(() => stderr.write(`${line}\n`));
    },
    close: () => new Promise<void>((resolve) => file.end(() => resolve())),
  };
}
