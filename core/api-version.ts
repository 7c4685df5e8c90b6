/** The plugin API version. Bumped on breaking contract changes; a plugin built for another version is refused. */
export const PLUGIN_API_VERSION = 1;
