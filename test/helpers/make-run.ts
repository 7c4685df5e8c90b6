import { createRun, type LogRecord, type PilotRun, type RunOptions } from '../../core/index.js';

export interface TestRun extends PilotRun {
  /** Every log line of the run, secrets already masked (as any sink would see them). */
  readonly lines: string[];
}

/** A run with its own container and a log collector; never tsyringe's global container. */
export async function makeRun(options: RunOptions = {}): Promise<TestRun> {
  const lines: string[] = [];
  const run = await createRun({ logLevel: 'debug', ...options, logSink: (_r: LogRecord, line: string) => lines.push(line) });
  return Object.assign(run, { lines });
}
