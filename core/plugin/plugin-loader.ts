import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { injectable } from 'tsyringe';
import { PLUGIN_API_VERSION } from '../api-version.js';
import { PluginLoadError } from '../errors/plugin-errors.js';
import { contractName } from '../contracts/token.js';
import { readDescriptor, type PluginEntry } from './plugin-descriptor.js';
import { PluginRegistry } from './plugin-registry.js';

/** The package root (where package.json is), found from this module's location. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj) && JSON.parse(readFileSync(pj, 'utf8')).name === 'espilot') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('espilot package.json not found above the core');
    dir = up;
  }
}

/**
 * Built-in plugin modules, listed in package.json under `espilot.plugins` (a manifest, the
 * way Theia lists extensions), so the core never imports a plugin.
 */
export function builtinPluginModules(): string[] {
  const root = packageRoot();
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { espilot?: { plugins?: string[] } };
  return (manifest.espilot?.plugins ?? []).map((p) => resolve(root, p));
}

export interface LoadOptions {
  /** Load the built-ins first (default true). */
  readonly builtins?: boolean;
  /** Contract tokens this pilot knows; a plugin providing anything else is refused. */
  readonly contracts: readonly symbol[];
}

/**
 * Imports the built-ins and the given modules and builds the run's registry.
 * @throws PluginLoadError for a missing module, an import failure, a module without a
 *   plugin, a wrong apiVersion or an unknown contract; DuplicatePluginError for name clashes.
 */
export async function loadPlugins(specifiers: readonly string[], options: LoadOptions): Promise<PluginRegistry> {
  const entries: PluginEntry[] = [];
  const builtins = options.builtins === false ? [] : builtinPluginModules();
  for (const spec of builtins) entries.push(...(await loadModule(spec, `builtin:${relativeToRoot(spec)}`, options.contracts)));
  for (const spec of specifiers) entries.push(...(await loadModule(spec, spec, options.contracts)));
  return new PluginRegistry(entries);
}

/** Loads one module and returns its decorated exports. */
export async function loadModule(spec: string, label: string, contracts: readonly symbol[]): Promise<PluginEntry[]> {
  const isPath = isAbsolute(spec) || spec.startsWith('.');
  if (isPath && !existsSync(spec)) throw new PluginLoadError(label, `file not found: ${resolve(spec)}`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(isPath ? pathToFileURL(resolve(spec)).href : spec)) as Record<string, unknown>;
  } catch (err) {
    throw new PluginLoadError(label, `cannot be imported: ${(err as Error).message}`, err);
  }
  const found: PluginEntry[] = [];
  for (const value of Object.values(mod)) {
    const d = readDescriptor(value);
    if (!d || found.some((f) => f.target === value)) continue;
    if (d.apiVersion !== PLUGIN_API_VERSION) {
      throw new PluginLoadError(label, `plugin "${d.name}" is built for plugin API version ${d.apiVersion}; this pilot provides version ${PLUGIN_API_VERSION}`);
    }
    if (!contracts.includes(d.provides)) {
      throw new PluginLoadError(
        label,
        `plugin "${d.name}" provides unknown contract "${contractName(d.provides)}" (known: ${contracts.map(contractName).join(', ')}); is it built for another espilot version?`,
      );
    }
    // tsyringe keeps constructor parameter types in a map of its own copy; a plugin whose
    // @pilotPlugin came from another copy of espilot is known to that copy only. Registering
    // it with this copy reads the same Reflect metadata (design:paramtypes, @inject tokens).
    injectable()(value as new (...args: never[]) => unknown);
    found.push({ descriptor: d, target: value as PluginEntry['target'], module: label });
  }
  if (found.length === 0) throw new PluginLoadError(label, 'exports no class decorated with @pilotPlugin');
  return found;
}

function relativeToRoot(p: string): string {
  const root = packageRoot();
  return p.startsWith(root) ? p.slice(root.length + 1) : p;
}
