/** `pluginOptions.atlas`: site knobs of the ATLAS experiment. */
import { ConfigError, FieldReader, type ConfigIssue } from '../../core/index.js';

export interface AtlasOptions {
  /**
   * ATHENA_PROC_NUMBER as the site pins it (a wrapper's setting); a job whose core count
   * differs is refused with CORECOUNTMISMATCH (1217). Unset: the job's core count is used.
   */
  readonly athenaProcNumber?: number;
  /** The Token Extractor executable (default `TokenExtractor`, found on the payload's PATH). */
  readonly tokenExtractor: string;
  /** Shell text run before the Token Extractor (the release setup), e.g. `source .../asetup.sh 21.0,Athena`. */
  readonly tokenExtractorSetup?: string;
  /**
   * The release setup before the transform (ATLAS_LOCAL_ROOT_BASE, asetup from `swRelease`,
   * `homepackage`, `cmtConfig`): `auto` adds it when `<cvmfsRoot>/atlas.cern.ch/repo` exists
   * (pilot3), `never` leaves the command as the job gives it.
   */
  readonly releaseSetup: 'auto' | 'never';
  /** Where CVMFS is mounted (default `/cvmfs`). */
  readonly cvmfsRoot: string;
}

/** @throws ConfigError naming each bad field. */
export function parseAtlasOptions(raw: unknown): AtlasOptions {
  const issues: ConfigIssue[] = [];
  const r = FieldReader.of('', raw, issues);
  const athenaProcNumber = r.int('athenaProcNumber', { min: 1, max: 4096 });
  const tokenExtractor = r.string('tokenExtractor', 'TokenExtractor');
  const tokenExtractorSetup = r.string('tokenExtractorSetup');
  const releaseSetup = r.oneOf('releaseSetup', ['auto', 'never'] as const, 'auto');
  const cvmfsRoot = r.string('cvmfsRoot', '/cvmfs');
  if (!cvmfsRoot.startsWith('/')) r.fail('cvmfsRoot', 'an absolute path');
  if (issues.length) throw new ConfigError(issues);
  return Object.freeze({
    ...(athenaProcNumber !== undefined ? { athenaProcNumber } : {}),
    tokenExtractor,
    ...(tokenExtractorSetup ? { tokenExtractorSetup } : {}),
    releaseSetup,
    cvmfsRoot,
  });
}
