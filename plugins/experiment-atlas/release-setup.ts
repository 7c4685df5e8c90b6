/**
 * The ATLAS release setup that precedes a production transform (pilot3 `pilot/user/atlas/
 * setup.py` `get_asetup`/`get_asetup_options`, `resource/grid.py` `get_setup_command`): with the
 * ATLAS repository on CVMFS and a job `swRelease`,
 * `export ATLAS_LOCAL_ROOT_BASE=<repo>/ATLASLocalRootBase;source ${ATLAS_LOCAL_ROOT_BASE}/user/atlasLocalSetup.sh --quiet;
 * source $AtlasSetup/scripts/asetup.sh <homePackage parts>,<release>,notest --platform <cmtConfig> --makeflags='$MAKEFLAGS'; `.
 * A job without a release (`NULL`), or whose parameters already carry `asetup.sh`, gets none.
 * ALRB and asetup are bash scripts that take arguments from `source`: the payload's `/bin/sh`
 * must be bash, as on the EL worker nodes ATLAS runs on (dash has no `source`, and its `.`
 * passes no arguments).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { shellQuote, type JobDefinition } from '../../core/index.js';

export interface ReleaseSetupSettings {
  /** The CVMFS mount (pilot3 `get_file_system_root_path`, default `/cvmfs`). */
  readonly cvmfsRoot: string;
  /** `auto`: when `<cvmfsRoot>/atlas.cern.ch/repo` exists (pilot3); `never`: the site sets up itself. */
  readonly mode: 'auto' | 'never';
}

/** asetup's comma-joined arguments for a release and home package (pilot3 `get_asetup_options`). */
export function asetupOptions(swRelease: string, homePackage: string): string {
  const release = swRelease.replace(/^Atlas-/, '');
  const opts: string[] = [];
  if (homePackage.includes('AnalysisTransforms')) {
    const home = homePackage.replace(/^AnalysisTransforms-*/, '');
    if ((home === '' || !/^\d+\.\d+\.\d+$/.test(release)) && release !== '') opts.push(release);
    if (home !== '') opts.push(...home.split('_'));
  } else {
    opts.push(...homePackage.split('/'));
    if (!homePackage.includes(release) && !opts.includes(release)) opts.push(release);
  }
  opts.push('notest');
  return opts.join(',');
}

/** The setup prefix (ending `; `) for the job, or `''` when it gets none. */
export function releaseSetup(job: JobDefinition, settings: ReleaseSetupSettings): string {
  const release = job.swRelease ?? '';
  if (settings.mode === 'never' || release === '' || release === 'NULL') return '';
  if (job.jobParameters.includes('asetup.sh')) return '';
  const repo = join(settings.cvmfsRoot, 'atlas.cern.ch', 'repo');
  if (!existsSync(repo)) return '';
  const platform = job.cmtConfig && job.cmtConfig !== 'NULL' ? ` --platform ${shellQuote(job.cmtConfig)}` : '';
  return `export ATLAS_LOCAL_ROOT_BASE=${shellQuote(join(repo, 'ATLASLocalRootBase'))};`
    + 'source ${ATLAS_LOCAL_ROOT_BASE}/user/atlasLocalSetup.sh --quiet;'
    + `source $AtlasSetup/scripts/asetup.sh ${shellQuote(asetupOptions(release, job.homePackage ?? ''))}${platform} --makeflags='$MAKEFLAGS'; `;
}
