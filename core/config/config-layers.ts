/**
 * Layered configuration: CLI > site file > environment overrides > queuedata > defaults.
 * Each layer contributes a `pilot` tree (our names) and a `queuedata` tree (schedconfig
 * names); leaves from higher layers win and remember where they came from.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError, describeValue, type ConfigIssue } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { isPlainObject } from './field-reader.js';
import { FieldRecorder, recordReads } from './field-recorder.js';
import { PILOT_DEFAULTS, pilotConfigFrom, type PilotConfig } from './pilot-config.js';
import { queueDataFrom, type QueueData } from './queuedata.js';
import { unreadKeyIssues } from './unknown-keys.js';

export interface ConfigLayer {
  /** `default`, `queuedata:<file>`, `site:<file>`, `env`, `cli`. */
  readonly source: string;
  readonly pilot?: Record<string, unknown>;
  readonly queuedata?: Record<string, unknown>;
}

export interface ExplainedValue {
  readonly path: string;
  readonly value: unknown;
  readonly source: string;
  /** A queuedata field the pilot does not read (CRIC sends many). */
  readonly ignored?: true;
}

export interface PilotSettings {
  readonly pilot: PilotConfig;
  readonly queue: QueueData;
  /** Every leaf of the merged configuration with the layer it came from. */
  explain(): readonly ExplainedValue[];
}

/** Reads a JSON file as a layer source, with errors that name the file. */
export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new ConfigError([{ path: what, expected: 'an existing JSON file', got: JSON.stringify(path) }]);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([{ path: what, expected: 'valid JSON', got: `${path}: ${(err as Error).message}` }]);
  }
}

/** A queuedata file: either the queue object itself or `{ "<queue name>": {...} }` as CRIC serves it. */
export function queuedataLayer(path: string): ConfigLayer {
  let doc = readJsonFile(path, '--queue');
  if (isPlainObject(doc) && Object.keys(doc).length === 1) {
    const only = Object.values(doc)[0];
    if (isPlainObject(only) && ['copytool', 'copytools', 'acopytools', 'astorages', 'nickname', 'objectstore'].some((k) => k in only)) doc = only;
  }
  if (!isPlainObject(doc)) throw new ConfigError([{ path: 'queuedata', expected: 'a JSON object', got: describeValue(doc) }]);
  return { source: `queuedata:${path}`, queuedata: doc };
}

/** A site file: pilot settings at the top level, queuedata overrides under `queuedata`. Relative plugin paths resolve against the file's folder. */
export function siteLayer(path: string): ConfigLayer {
  const doc = readJsonFile(path, '--config');
  if (!isPlainObject(doc)) throw new ConfigError([{ path: 'config', expected: 'a JSON object', got: describeValue(doc) }]);
  const { queuedata, ...pilot } = doc;
  if (queuedata !== undefined && !isPlainObject(queuedata)) {
    throw new ConfigError([{ path: 'config.queuedata', expected: 'an object of queuedata overrides', got: describeValue(queuedata) }]);
  }
  if (Array.isArray(pilot['plugins'])) {
    pilot['plugins'] = pilot['plugins'].map((p) => (typeof p === 'string' ? resolvePluginSpecifier(p, dirname(resolve(path))) : p));
  }
  return { source: `site:${path}`, pilot, ...(queuedata ? { queuedata } : {}) };
}

/** `./x.js` and `../x.js` resolve against `baseDir`; absolute paths and package names stay. */
export function resolvePluginSpecifier(spec: string, baseDir: string): string {
  return spec.startsWith('./') || spec.startsWith('../') ? resolve(baseDir, spec) : isAbsolute(spec) ? spec : spec;
}

/**
 * COPYTOOL / COPYTOOLIN replace the queue's values (pilot1 postProcessQueuedata);
 * PANDA_SERVER_URL gives the server URL (the site file and `--server` override it).
 */
export function envLayer(env: NodeJS.ProcessEnv = process.env): ConfigLayer {
  const queuedata: Record<string, unknown> = {};
  if (env['COPYTOOL']) queuedata['copytool'] = env['COPYTOOL'];
  if (env['COPYTOOLIN']) queuedata['copytoolin'] = env['COPYTOOLIN'];
  const url = env['PANDA_SERVER_URL'];
  return { source: 'env', queuedata, ...(url ? { pilot: { server: { url } } } : {}) };
}

export const defaultLayer: ConfigLayer = { source: 'default', pilot: structuredClone(PILOT_DEFAULTS) };

/**
 * Merges layers (lowest first) and parses the result.
 * @throws ConfigError listing every problem in both trees, unknown keys of our own settings included.
 */
export function mergeSettings(layers: readonly ConfigLayer[]): PilotSettings {
  const issues: ConfigIssue[] = [];
  const settings = settingsFrom(layers, issues);
  if (issues.length) throw new ConfigError(issues, ErrorCodes.BADQUEUECONFIGURATION);
  return settings;
}

/**
 * Like mergeSettings but appends every problem to `issues` and returns settings built from
 * what parsed (bad fields take their defaults), so `espilot check` can look further.
 * Unknown keys are problems in the pilot's own settings; queuedata is CRIC's format, with
 * many fields the pilot has no use for, so its unknown keys are accepted.
 */
export function settingsFrom(layers: readonly ConfigLayer[], issues: ConfigIssue[]): PilotSettings {
  const pilotTree = new SourcedTree();
  const queueTree = new SourcedTree();
  for (const layer of [defaultLayer, ...layers]) {
    if (layer.pilot) pilotTree.merge(layer.pilot, layer.source);
    if (layer.queuedata) queueTree.merge(layer.queuedata, layer.source);
  }
  const reads = new FieldRecorder();
  const pilot = pilotConfigFrom(recordReads(pilotTree.value, reads), 'config', issues);
  issues.push(...unreadKeyIssues(pilotTree.value, 'config', reads));
  const queueReads = new FieldRecorder();
  const queue = queueDataFrom(recordReads(queueTree.value, queueReads), 'queuedata', issues);
  const ignored = unreadKeyIssues(queueTree.value, 'queuedata', queueReads).map((i) => i.path);
  const isIgnored = (path: string) => ignored.some((p) => path === p || path.startsWith(`${p}.`));
  const queueLeaves = queueTree.leaves('queuedata').map((e) => (isIgnored(e.path) ? { ...e, ignored: true as const } : e));
  const explained = Object.freeze([...pilotTree.leaves('config'), ...queueLeaves]);
  return Object.freeze({ pilot, queue, explain: () => explained });
}

/** A JSON tree that remembers which layer set each leaf. Arrays are leaves. */
class SourcedTree {
  readonly value: Record<string, unknown> = {};
  private readonly sources = new Map<string, string>();

  merge(doc: Record<string, unknown>, source: string, into = this.value, prefix = ''): void {
    for (const [k, v] of Object.entries(doc)) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (isPlainObject(v)) {
        const target = isPlainObject(into[k]) ? (into[k] as Record<string, unknown>) : (into[k] = {});
        this.merge(v, source, target as Record<string, unknown>, path);
      } else {
        into[k] = v;
        for (const key of [...this.sources.keys()]) if (key.startsWith(`${path}.`)) this.sources.delete(key);
        this.sources.set(path, source);
      }
    }
  }

  leaves(root: string): ExplainedValue[] {
    return [...this.sources.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([path, source]) => ({ path: `${root}.${path}`, value: get(this.value, path), source }));
  }
}

function get(obj: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), obj);
}
