/**
 * pilot3's command-line options (arguments.py) where espilot has the same meaning; README's
 * "pilot3's command line" table maps every pilot3 option. Harvester's options live beside
 * these in their own file.
 */
import type { Command } from 'commander';
import { ConfigError, isResourceType } from '../../core/index.js';

export interface Pilot3Flags {
  readonly site?: string;
  readonly resource?: string;
  readonly joblabel?: string;
  readonly prodSourceLabel?: string;
  readonly workdir?: string;
  readonly workflow?: string;
  readonly versiontag?: string;
  readonly noserverupdate?: boolean;
  readonly noproxyverification?: boolean;
  readonly pilotUser?: string;
  readonly url?: string;
  readonly port?: string;
  readonly jobType?: string;
  readonly resourceType?: string;
  readonly workingGroup?: string;
  /** `--no-pilot-log`: commander's negation sets this false. */
  readonly pilotLog?: boolean;
}

/** pilot3 `-w` values (arguments.py); espilot picks the RunJob per job, so the value only has to be one of them. */
const WORKFLOWS = ['generic', 'generic_hpc', 'production', 'production_hpc', 'analysis', 'analysis_hpc', 'eventservice_hpc', 'stager', 'payload_stageout'];

export function withPilot3Options(cmd: Command): Command {
  return cmd
    .option('-s, --site <name>', 'siteName for getJob (pilot3 -s; default: the queue name)')
    .option('-r, --resource <name>', 'accepted for pilot3 wrappers (pilot3 marks -r obsolete); not used')
    .option('-j, --joblabel <label>', 'prodSourceLabel for getJob (pilot3 -j): managed, user, test, ptest, rc_test2, ...')
    .option('--prod-source-label <label>', 'alias of --joblabel')
    .option('-a, --workdir <dir>', 'work directory (pilot and job directories, recovery, pilotlog.txt, CRIC copies); default PILOT_HOME, else config.workdir')
    .option('-w, --workflow <name>', `pilot3 workflow (${WORKFLOWS.join(', ')}): accepted; espilot picks the RunJob for each job`)
    .option('-i, --versiontag <tag>', 'PR or RC: with RC, --joblabel ptest becomes rc_test2 (pilot3 get_job_label)', 'PR')
    .option('-z, --noserverupdate', 'pilot3: no server updates; only in Harvester push mode (see README)')
    .option('-t, --noproxyverification', 'accepted: espilot never verifies a proxy itself (the server and movers do)')
    .option('--pilot-user <name>', 'experiment plugin (pilot3 --pilot-user: generic, atlas)')
    .option('--url <url>', 'PanDA server URL (pilot3 --url; with -p when it has no port)')
    .option('-p, --port <n>', 'PanDA server port, added to --url when it has none', '25443')
    .option('--job-type <type>', 'jobType sent with getJob (pilot3 --job-type)')
    .option('--resource-type <type>', 'resourceType sent with getJob: SCORE, MCORE, SCORE_*, MCORE_* (pilot3 --resource-type)')
    .option('--working-group <group>', 'workingGroup sent with getJob (pilot3 --working-group)')
    .option('--no-pilot-log', 'do not write pilotlog.txt in the work directory (pilot3 --no-pilot-log)');
}

/** prodSourceLabel from -j (or --prod-source-label) and -i, as pilot3 get_job_label maps RC test labels. */
export function jobLabelOf(flags: Pilot3Flags): string {
  const label = flags.joblabel ?? flags.prodSourceLabel ?? 'managed';
  if (flags.joblabel && flags.prodSourceLabel && flags.joblabel !== flags.prodSourceLabel) {
    throw usage('--prod-source-label', `is an alias of --joblabel; both given with different values (${flags.joblabel} and ${flags.prodSourceLabel})`);
  }
  if (flags.versiontag && !['PR', 'RC'].includes(flags.versiontag)) throw usage('--versiontag', `expected PR or RC, got ${JSON.stringify(flags.versiontag)}`);
  return flags.versiontag === 'RC' && label === 'ptest' ? 'rc_test2' : label;
}

/** Checks the values espilot does not pass on unchanged. */
/** @param pushMode whether Harvester push mode was asked for (`--harvester-submit-mode PUSH`), where -z is pilot3's normal use. */
export function checkPilot3Flags(flags: Pilot3Flags, pushMode = false): void {
  if (flags.workflow && !WORKFLOWS.includes(flags.workflow)) throw usage('--workflow', `expected one of ${WORKFLOWS.join(', ')}, got ${JSON.stringify(flags.workflow)}`);
  if (flags.resourceType !== undefined && !isResourceType(flags.resourceType)) throw usage('--resource-type', `expected SCORE, MCORE, SCORE_* or MCORE_*, got ${JSON.stringify(flags.resourceType)}`);
  if (flags.noserverupdate && !pushMode) throw usage('-z', 'without server updates PanDA would never hear of the job; -z is for Harvester push mode (--harvester-submit-mode PUSH)');
}

/** `--url` with `-p` added when the URL has no port (pilot3 https.py joins them the same way). */
export function serverUrlOf(flags: Pilot3Flags): string | undefined {
  if (!flags.url) return undefined;
  let u: URL;
  try {
    u = new URL(flags.url);
  } catch {
    throw usage('--url', `expected an http(s) URL, got ${JSON.stringify(flags.url)}`);
  }
  const port = Number(flags.port ?? '25443');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw usage('--port', `expected a port from 1 to 65535, got ${JSON.stringify(flags.port)}`);
  if (!u.port) u.port = String(port);
  return u.href.replace(/\/$/, '');
}

/** A mistake in the flags (printed plainly by main, no pilot error code). */
export function usage(flag: string, message: string): ConfigError {
  return new ConfigError([{ path: flag, expected: 'a valid use of the flag', got: 'see message', message }], undefined, 'run');
}
