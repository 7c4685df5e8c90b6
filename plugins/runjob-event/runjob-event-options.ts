/** `pluginOptions.event`: the RunJobEvent settings that are not in `eventService`. */
import { ConfigError, FieldReader, type ConfigIssue } from '../../core/index.js';

export interface RunJobEventOptions {
  /** Rounds of getEventRanges (each with the client's own retries) before `No more events`. */
  readonly getEventRangesAttempts: number;
  /** After the payload exited: how long uploads and reports may still take. */
  readonly finalFlushS: number;
  /** After the payload exited: quiet time that proves its last messages were read. */
  readonly settleMs: number;
  /** Accept output paths outside the job's work directory (containers mounting it elsewhere). */
  readonly allowOutputsOutsideWorkdir: boolean;
  readonly stdoutName: string;
  readonly stderrName: string;
}

export function parseRunJobEventOptions(raw: unknown): RunJobEventOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const opts: RunJobEventOptions = {
    getEventRangesAttempts: r.int('getEventRangesAttempts', { min: 1, max: 100 }, 5),
    finalFlushS: r.number('finalFlushS', { min: 0.1 }, 600),
    settleMs: r.int('settleMs', { min: 0, max: 60_000 }, 300),
    allowOutputsOutsideWorkdir: r.bool('allowOutputsOutsideWorkdir', false),
    stdoutName: fileName(r, 'stdoutName', 'ES_payload_output.txt'),
    stderrName: fileName(r, 'stderrName', 'ES_payload_error.txt'),
  };
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(opts);
}

function fileName(r: FieldReader, key: string, fallback: string): string {
  const v = r.string(key, fallback);
  if (!/^[A-Za-z0-9_.-]+$/.test(v)) r.fail(key, 'a plain file name (letters, digits, _ . -)');
  return v;
}
