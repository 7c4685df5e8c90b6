import { injectable } from 'tsyringe';
import { PLUGIN_METADATA_KEY, PLUGIN_NAME_PATTERN, type PluginDescriptor } from './plugin-descriptor.js';

/**
 * Marks a class as a pilot plugin: records its descriptor and makes it constructible by
 * tsyringe. Registers nothing anywhere; the loader builds a registry per run.
 * @throws Error at class definition when the name is not kebab-case or the descriptor is incomplete.
 */
export function pilotPlugin<O>(descriptor: PluginDescriptor<O>) {
  return function <T extends new (...args: any[]) => unknown>(target: T): T {
    const where = `@pilotPlugin on class ${target.name}`;
    if (typeof descriptor.provides !== 'symbol') throw new Error(`${where}: "provides" must be a contract token such as SiteMover`);
    for (const n of [descriptor.name, ...(descriptor.aliases ?? []), ...(descriptor.schemeAliases ?? [])]) {
      if (typeof n !== 'string' || !PLUGIN_NAME_PATTERN.test(n)) {
        throw new Error(`${where}: name ${JSON.stringify(n)} is not kebab-case (expected ${PLUGIN_NAME_PATTERN})`);
      }
    }
    if (!Number.isInteger(descriptor.apiVersion)) throw new Error(`${where}: "apiVersion" must be an integer`);
    Reflect.defineMetadata(PLUGIN_METADATA_KEY, Object.freeze({ ...descriptor }), target);
    injectable()(target);
    return target;
  };
}
