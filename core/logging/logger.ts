import { createConsola, type ConsolaInstance, type LogObject } from 'consola';
import { formatWithOptions } from 'node:util';
import type { SecretRegistry } from './secret-registry.js';

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
export type LogFormat = 'text' | 'json';

/** The logging surface every component gets: tagged, and masking secrets whatever is logged. */
export interface Logger {
  error(message: unknown, ...args: unknown[]): void;
  warn(message: unknown, ...args: unknown[]): void;
  info(message: unknown, ...args: unknown[]): void;
  debug(message: unknown, ...args: unknown[]): void;
  /** A logger whose lines carry `tag` (nested as `parent:tag`). */
  child(tag: string): Logger;
}

export interface LogRecord {
  readonly time: string;
  readonly level: Exclude<LogLevel, 'silent' | 'trace'>;
  readonly tag: string;
  readonly message: string;
}

export interface LoggerOptions {
  readonly secrets: SecretRegistry;
  readonly level?: LogLevel;
  readonly format?: LogFormat;
  /** Where finished lines go; default: stderr. Tests pass a collector. */
  readonly sink?: (record: LogRecord, line: string) => void;
  readonly tag?: string;
}

const LEVELS: Record<LogLevel, number> = { silent: -999, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };

/**
 * Builds the run's logger. Text goes through consola's formatting (fancy on a terminal,
 * plain otherwise); `json` writes one object per line for machines. Secrets are masked
 * after the message is fully formatted, so no argument can smuggle one through.
 */
export function createLogger(options: LoggerOptions): Logger {
  const { secrets } = options;
  const format = options.format ?? 'text';
  const sink = options.sink;
  const consola: ConsolaInstance = createConsola({
    level: LEVELS[options.level ?? 'info'],
    fancy: !sink && format === 'text' && Boolean(process.stderr.isTTY),
    reporters: [
      {
        log(obj: LogObject) {
          const message = secrets.mask(formatWithOptions({ colors: false, depth: 4 }, ...(obj.args as unknown[])));
          const level = (obj.type === 'fatal' ? 'error' : obj.type === 'success' || obj.type === 'log' ? 'info' : obj.type) as LogRecord['level'];
          const record: LogRecord = { time: new Date(obj.date).toISOString(), level, tag: obj.tag, message };
          const line =
            format === 'json'
              ? JSON.stringify(record)
              : `${record.time.slice(11, 23)} ${level.padEnd(5)} ${record.tag ? `[${record.tag}] ` : ''}${message}`;
          if (sink) sink(record, line);
          else writeStderr(`${line}\n`);
        },
      },
    ],
  });
  return wrap(options.tag ? consola.withTag(options.tag) : consola);
}

/**
 * A log line to stderr. When stderr is a file on a full disk the write fails later, as an
 * 'error' event that would crash the pilot: lines that cannot be written are lost, the job
 * goes on (and fails with NOLOCALSPACE through its own checks).
 */
function writeStderr(text: string): void {
  if (process.stderr.listenerCount('error') === 0) process.stderr.on('error', () => undefined);
  process.stderr.write(text);
}

function wrap(c: ConsolaInstance): Logger {
  return {
    error: (m, ...a) => c.error(m, ...a),
    warn: (m, ...a) => c.warn(m, ...a),
    info: (m, ...a) => c.info(m, ...a),
    debug: (m, ...a) => c.debug(m, ...a),
    child: (tag) => wrap(c.withTag(tag)),
  };
}

/** A logger that drops everything (for library use without a run). */
export const silentLogger: Logger = {
  error() {}, warn() {}, info() {}, debug() {}, child() { return silentLogger; },
};
