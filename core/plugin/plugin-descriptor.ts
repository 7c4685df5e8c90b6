/** What a plugin says about itself through `@pilotPlugin`. */
export interface PluginDescriptor<Options = unknown> {
  /** The contract token it implements (`SiteMover`, `Experiment`, ...). */
  readonly provides: symbol;
  /** Kebab-case id, unique per contract. */
  readonly name: string;
  /** Other unique names (legacy schedconfig spellings: `gfal-copy`, `gfalcopy`). */
  readonly aliases?: readonly string[];
  /**
   * Names shared by several plugins and resolved by URL scheme: the legacy `objectstore`
   * copytool means "the object-store mover for this URL's scheme".
   */
  readonly schemeAliases?: readonly string[];
  /** URL schemes handled (movers, checksum stores): `s3`, `root`, `file`, ... */
  readonly schemes?: readonly string[];
  /**
   * Parses this plugin's `pluginOptions.<name>` section; throws ConfigError for bad input.
   * Read it with FieldReader and the keys it never reads are refused with a did-you-mean
   * (parsePluginOptions); take a free-form value with `raw()`, a map of names with `keys()`.
   */
  readonly options?: (raw: unknown) => Options;
  readonly apiVersion: number;
  readonly description?: string;
}

/** A descriptor bound to its class and the module that exported it. */
export interface PluginEntry {
  readonly descriptor: PluginDescriptor;
  readonly target: new (...args: never[]) => unknown;
  /** Where it came from: `builtin:<path>` or the site module's path. */
  readonly module: string;
}

export const PLUGIN_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const PLUGIN_METADATA_KEY = Symbol.for('espilot:plugin-descriptor');


/** The descriptor recorded on a class, if it was decorated. */
export function readDescriptor(target: unknown): PluginDescriptor | undefined {
  if (typeof target !== 'function') return undefined;
  return Reflect.getOwnMetadata(PLUGIN_METADATA_KEY, target) as PluginDescriptor | undefined;
}
