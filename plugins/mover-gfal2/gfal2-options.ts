/**
 * `pluginOptions.gfal2`: where the gfal-* scripts find their python, plus the shared
 * tool-mover settings (XRD_* fast-fail, time budget).
 */
import { ConfigError, FieldReader, readToolMoverOptions, type ConfigIssue, type ToolMoverOptions } from '../../core/index.js';

export interface Gfal2Options extends ToolMoverOptions {
  /**
   * GFAL_PYTHONBIN: the python that has the gfal2 bindings. The gfal-* scripts otherwise take
   * the first python on PATH, which on many nodes is not the system one.
   */
  readonly pythonBin: string;
  /** Folder of the gfal-* commands; empty: PATH. */
  readonly binDir: string;
}

/** @throws ConfigError naming every bad field. */
export function parseGfal2Options(raw: unknown): Gfal2Options {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const options: Gfal2Options = {
    pythonBin: r.string('pythonBin', '/usr/bin/python3'),
    binDir: r.string('binDir', ''),
    ...readToolMoverOptions(r),
  };
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze(options);
}
