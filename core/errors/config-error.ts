import { ErrorCodes } from './error-codes.js';
import { PilotError } from './pilot-error.js';
import { recogniseAcrossCopies } from './recognised-across-copies.js';

/** One problem in an input document: where it is, what was expected, what was found. */
export interface ConfigIssue {
  /** Dotted path from the document root, e.g. `queuedata.acopytools.pw[1]`. */
  readonly path: string;
  readonly expected: string;
  readonly got: string;
  /** Replaces `expected …, got …` in messages when the problem is not a bad value (an unknown key). */
  readonly message?: string;
}

/** Renders a found value for an error message: short, typed, never the whole document. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  return 'an object';
}

/** What is wrong, without the path: `expected an integer, got "x"` or the issue's own message. */
export function describeIssue(issue: ConfigIssue): string {
  return issue.message ?? `expected ${issue.expected}, got ${issue.got}`;
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.path}: ${describeIssue(issue)}`;
}

/**
 * Bad configuration, queuedata or job definition. Carries every problem found, so a site
 * admin fixes them all in one pass.
 */
export class ConfigError extends PilotError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[], code: number = ErrorCodes.BADQUEUECONFIGURATION, readonly title = 'invalid configuration') {
    super(code, `${title}: ${issues.map(formatIssue).join('; ')}`, { recoverable: false });
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]);
  }
}
recogniseAcrossCopies(ConfigError, 'ConfigError');
