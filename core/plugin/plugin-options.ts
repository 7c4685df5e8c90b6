/**
 * A plugin's `pluginOptions.<name>` section, parsed by the plugin's own parser and checked
 * for keys that parser never read. The one place options are parsed: construction (through
 * the resolver) and `check` (every section the file names, selected or not) both come here.
 */
import { closestName } from '../config/closest-name.js';
import { isPlainObject } from '../config/field-reader.js';
import { FieldRecorder, recordReads } from '../config/field-recorder.js';
import { unreadKeyIssues } from '../config/unknown-keys.js';
import type { PilotSettings } from '../config/config-layers.js';
import { ConfigError, describeIssue, type ConfigIssue } from '../errors/config-error.js';
import type { PluginDescriptor } from './plugin-descriptor.js';
import type { PluginRegistry } from './plugin-registry.js';

/**
 * Parses `raw` (the plugin's section, or nothing) with the descriptor's parser. A parser
 * reading its section with FieldReader gets unknown keys refused with a did-you-mean; one
 * that reads a value with `raw()` or a map with `keys()` accepts whatever is in it.
 * @throws ConfigError listing every bad and every unknown key, each path from `config.pluginOptions.<name>`.
 */
export function parsePluginOptions(descriptor: PluginDescriptor, raw: unknown): unknown {
  if (!descriptor.options) return Object.freeze(raw ?? {});
  const reads = new FieldRecorder();
  // A shallow copy carries the recorder: sections are frozen, and sub-readers inherit it.
  const doc = isPlainObject(raw) ? recordReads({ ...raw }, reads) : raw ?? {};
  const issues: ConfigIssue[] = [];
  let value: unknown;
  try {
    value = descriptor.options(doc);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  issues.push(...unreadKeyIssues(doc, '', reads));
  if (issues.length) {
    const root = `config.pluginOptions.${descriptor.name}`;
    throw new ConfigError(issues.map((i) => ({ ...i, path: i.path ? `${root}.${i.path}` : root })));
  }
  return value;
}

export interface PluginOptionsProblem {
  readonly where: string;
  readonly message: string;
}

/**
 * Every section of `config.pluginOptions`, parsed whether or not its plugin is selected,
 * so a typo in a fallback mover's options shows before the day it is needed: one problem
 * per bad or unknown key, `where` its full path. A section naming no loaded plugin is a
 * problem of its own.
 */
export function validatePluginOptions(settings: PilotSettings, registry: PluginRegistry): PluginOptionsProblem[] {
  const problems: PluginOptionsProblem[] = [];
  const names = new Set(registry.entries.map((e) => e.descriptor.name));
  for (const [name, raw] of Object.entries(settings.pilot.pluginOptions)) {
    const where = `config.pluginOptions.${name}`;
    if (!names.has(name)) {
      const guess = closestName(name, names);
      problems.push({ where, message: `no loaded plugin is named "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}` });
      continue;
    }
    for (const entry of registry.entries.filter((e) => e.descriptor.name === name)) {
      try {
        parsePluginOptions(entry.descriptor, raw);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        for (const issue of err.issues) problems.push({ where: issue.path, message: describeIssue(issue) });
      }
    }
  }
  return problems;
}
