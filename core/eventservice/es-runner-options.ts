/**
 * The options every ES RunJob built on the core's runner shares (`pluginOptions.event`, and
 * the same keys in `pluginOptions.hpc-event`), parsed once into a frozen object.
 */
import { FieldReader } from '../config/field-reader.js';
import { ConfigError, type ConfigIssue } from '../errors/config-error.js';

export interface EsRunnerOptions {
  /** Rounds of getEventRanges (each with the client's own retries) before `No more events`. */
  readonly getEventRangesAttempts: number;
  /** After the payload exited: how long uploads and reports may still take. */
  readonly finalFlushS: number;
  /** After the payload exited: quiet time that proves its last messages were read. */
  readonly settleMs: number;
  /** Accept output paths outside the job's work directory (containers mounting it elsewhere). */
  readonly allowOutputsOutsideWorkdir: boolean;
  /** The payload's stdout / stderr file names in its directory. */
  readonly stdoutName: string;
  readonly stderrName: string;
}

/**
 * Reads the ES runner's keys from `r`, pushing every problem to the reader's issue list
 * (callers that add keys of their own report them all at once).
 */
export function readEsRunnerOptions(r: FieldReader): EsRunnerOptions {
  return {
    getEventRangesAttempts: r.int('getEventRangesAttempts', { min: 1, max: 100 }, 5),
    finalFlushS: r.number('finalFlushS', { min: 0.1 }, 600),
    settleMs: r.int('settleMs', { min: 0, max: 60_000 }, 300),
    allowOutputsOutsideWorkdir: r.bool('allowOutputsOutsideWorkdir', false),
    stdoutName: fileName(r, 'stdoutName', 'ES_payload_output.txt'),
    stderrName: fileName(r, 'stderrName', 'ES_payload_error.txt'),
  };
}

/** @throws ConfigError naming each bad field. */
export function parseEsRunnerOptions(raw: unknown): EsRunnerOptions {
  const issues: ConfigIssue[] = [];
  const opts = readEsRunnerOptions(FieldReader.of('', raw, issues));
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(opts);
}

function fileName(r: FieldReader, key: string, fallback: string): string {
  const v = r.string(key, fallback);
  if (!/^[A-Za-z0-9_.-]+$/.test(v)) r.fail(key, 'a plain file name (letters, digits, _ . -)');
  return v;
}
