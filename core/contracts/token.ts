/**
 * Tokens are registered symbols (`Symbol.for`), so they are the same value in every copy of
 * espilot loaded into one process: a site's plugin folder that brings its own espilot (for
 * its types) and the pilot's install agree on `SiteMover`, `LoggerToken`, ... A plain
 * `Symbol()` would be a different token in each copy.
 */
const CONTRACT_PREFIX = 'espilot:contract:';
const SERVICE_PREFIX = 'espilot:service:';

/** The token of a contract (`SiteMover`, `Experiment`, ...). */
export function contractToken(name: string): symbol {
  return Symbol.for(`${CONTRACT_PREFIX}${name}`);
}

/** The token of an infrastructure service a plugin may inject (`Logger`, `PluginOptions`, ...). */
export function serviceToken(name: string): symbol {
  return Symbol.for(`${SERVICE_PREFIX}${name}`);
}

/** The human name of a token: `SiteMover` for the SiteMover contract; any other symbol by its description. */
export function contractName(token: symbol): string {
  const key = Symbol.keyFor(token);
  if (key?.startsWith(CONTRACT_PREFIX)) return key.slice(CONTRACT_PREFIX.length);
  if (key?.startsWith(SERVICE_PREFIX)) return key.slice(SERVICE_PREFIX.length);
  return token.description ?? String(token);
}
