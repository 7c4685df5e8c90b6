/**
 * pilot3's log file, `pilotlog.txt` in the pilot's work directory: every log line (already
 * masked by the logger) goes to stderr and to the file. Lines logged before the work
 * directory is known are kept and written when it is.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { LogRecord } from '../../core/index.js';

export const PILOT_LOG_FILE = 'pilotlog.txt';

export class PilotLogFile {
  private stream?: WriteStream;
  private pending: string[] = [];

  readonly sink = (_record: LogRecord, line: string): void => {
    process.stderr.write(`${line}\n`);
    if (this.stream) this.stream.write(`${line}\n`);
    else this.pending.push(line);
  };

  /** Starts writing `<workdir>/pilotlog.txt` (appended: a restarted pilot keeps the earlier lines). */
  open(workdir: string): string {
    mkdirSync(workdir, { recursive: true, mode: 0o700 });
    const path = join(workdir, PILOT_LOG_FILE);
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    // A full disk must not crash the pilot: its own checks fail the job with NOLOCALSPACE.
    this.stream.on('error', () => undefined);
    for (const line of this.pending) this.stream.write(`${line}\n`);
    this.pending = [];
    return path;
  }

  close(): Promise<void> {
    const s = this.stream;
    this.stream = undefined;
    return s ? new Promise((resolve) => s.end(resolve)) : Promise.resolve();
  }
}
