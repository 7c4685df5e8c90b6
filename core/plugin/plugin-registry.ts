import { DuplicatePluginError, PluginNotFoundError } from '../errors/plugin-errors.js';
import { contractName } from '../contracts/token.js';
import type { PluginEntry } from './plugin-descriptor.js';

/**
 * The plugins of one run, by contract and name. Immutable once built; never a singleton.
 */
export class PluginRegistry {
  private readonly byContract = new Map<symbol, Map<string, PluginEntry>>();
  private readonly shared = new Map<symbol, Map<string, PluginEntry[]>>();
  readonly entries: readonly PluginEntry[];

  /** @throws DuplicatePluginError when two plugins of one contract claim a name or alias. */
  constructor(entries: readonly PluginEntry[]) {
    this.entries = Object.freeze([...entries]);
    for (const entry of entries) {
      const d = entry.descriptor;
      const names = this.byContract.get(d.provides) ?? new Map<string, PluginEntry>();
      this.byContract.set(d.provides, names);
      for (const n of [d.name, ...(d.aliases ?? [])]) {
        const prior = names.get(n);
        if (prior) throw new DuplicatePluginError(contractName(d.provides), n, prior.module, entry.module);
        names.set(n, entry);
      }
      const shared = this.shared.get(d.provides) ?? new Map<string, PluginEntry[]>();
      this.shared.set(d.provides, shared);
      for (const n of d.schemeAliases ?? []) shared.set(n, [...(shared.get(n) ?? []), entry]);
    }
    for (const [contract, shared] of this.shared) {
      for (const n of shared.keys()) {
        const clash = this.byContract.get(contract)?.get(n);
        if (clash) throw new DuplicatePluginError(contractName(contract), n, clash.module, shared.get(n)![0]!.module);
      }
    }
  }

  /** Plugins of a contract, in load order. */
  list(contract: symbol): PluginEntry[] {
    const seen = new Set<PluginEntry>();
    for (const e of this.byContract.get(contract)?.values() ?? []) seen.add(e);
    return [...seen];
  }

  /** True when `name` is a scheme alias (resolved per URL) for this contract. */
  isSchemeAlias(contract: symbol, name: string): boolean {
    return this.shared.get(contract)?.has(name) ?? false;
  }

  /**
   * Resolves a name or alias. A scheme alias needs `scheme` to pick its plugin.
   * @throws PluginNotFoundError naming the known plugins.
   */
  find(contract: symbol, name: string, scheme?: string, where?: string): PluginEntry {
    const direct = this.byContract.get(contract)?.get(name);
    if (direct) return direct;
    const candidates = this.shared.get(contract)?.get(name);
    if (candidates) {
      if (scheme === undefined) return candidates[0]!;
      const hit = candidates.find((e) => e.descriptor.schemes?.includes(scheme));
      if (hit) return hit;
      const offered = candidates.map((e) => `${e.descriptor.name} (${(e.descriptor.schemes ?? []).join(', ')})`);
      throw new PluginNotFoundError(contractName(contract), `${name}" for scheme "${scheme}`, offered, where);
    }
    throw new PluginNotFoundError(contractName(contract), name, this.knownNames(contract), where);
  }

  /** `gfal2 (gfal-copy, gfalcopy)` per plugin, for error messages. */
  knownNames(contract: symbol): string[] {
    const out = this.list(contract).map((e) => {
      const a = [...(e.descriptor.aliases ?? []), ...(e.descriptor.schemeAliases ?? [])];
      return a.length ? `${e.descriptor.name} (${a.join(', ')})` : e.descriptor.name;
    });
    return out.sort();
  }
}
