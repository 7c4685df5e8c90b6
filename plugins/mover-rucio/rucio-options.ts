/**
 * `pluginOptions.rucio`: which movers carry the transfers, tried by URL scheme in this order.
 */
import { ConfigError, FieldReader, type ConfigIssue } from '../../core/index.js';

export interface RucioOptions {
  /** Mover names (or aliases); the first loaded one that handles the URL's scheme does the copy. */
  readonly movers: readonly string[];
}

/** gfal2 first, as Rucio's own upload and download clients use gfal2 for every protocol but S3. */
export const DEFAULT_RUCIO_MOVERS: readonly string[] = Object.freeze(['gfal2', 'xrootd-objectstore', 's3-objectstore', 'local']);

/** @throws ConfigError naming every bad field. */
export function parseRucioOptions(raw: unknown): RucioOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const movers = r.stringList('movers') ?? [...DEFAULT_RUCIO_MOVERS];
  if (movers.includes('rucio')) r.fail('movers', 'mover names other than rucio itself');
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze({ movers: Object.freeze(movers) });
}
