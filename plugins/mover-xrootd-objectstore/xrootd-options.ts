/**
 * `pluginOptions["xrootd-objectstore"]`: the client binaries plus the shared tool-mover
 * settings (connection window, request timeout, transfer time budget).
 */
import { ConfigError, FieldReader, readToolMoverOptions, type ConfigIssue, type ToolMoverOptions } from '../../core/index.js';

export interface XrootdOptions extends ToolMoverOptions {
  readonly xrdcp: string;
  readonly xrdfs: string;
}

/** @throws ConfigError naming every bad field. */
export function parseXrootdOptions(raw: unknown): XrootdOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const options: XrootdOptions = { xrdcp: r.string('xrdcp', 'xrdcp'), xrdfs: r.string('xrdfs', 'xrdfs'), ...readToolMoverOptions(r) };
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(options);
}
