/**
 * Descriptions of the queuedata (schedconfig / CRIC) fields that queuedata.ts reads, for the
 * generated configuration reference. Keep this beside the parser: a field read there
 * without an entry here fails the reference test.
 */
import type { FieldDocs } from './config-reference.js';

/**
 * The document the reference parses: empty but for one entry of each map, so that the
 * parser reads the fields inside maps (and the fields it reads only when another is set).
 */
export const QUEUEDATA_PROBE: Record<string, unknown> = {
  acopytools: { pr: ['local'] },
  astorages: { pr: ['<name>'] },
  ddmendpoints: {
    '<name>': { endpoint: 'file:///probe', is_secure: false, id: 1 },
    '<cric-name>': {
      id: 2, type: 'OS_ES', is_deterministic: true,
      arprotocols: { write_lan: [{ endpoint: 's3://probe:443', path: '/b', id: 7 }], read_lan: [{ endpoint: 'root://probe', path: '//p', id: 8 }] },
      rprotocols: { 7: { settings: { access_key: 'probe', secret_key: 'probe', is_secure: true } } },
    },
  },
  copytools: { local: { setup: '' } },
  maxwdir: 1,
  maxrss: 1,
  maxvmem: 1,
  os_access_key: 'probe',
  os_secret_key: 'probe',
};

/** `queuedata.acopytools.pr` → `queuedata.acopytools.<activity>` (the probe's activity stands for all). */
export function normalizeQueuedataPath(path: string): string {
  return path
    .replace(/^queuedata\.(acopytools|astorages)\.pr$/, 'queuedata.$1.<activity>')
    .replace(/^queuedata\.ddmendpoints\.<cric-name>\.arprotocols\.(write|read)_lan$/, 'queuedata.ddmendpoints.<name>.arprotocols.$1_lan')
    .replace(/^queuedata\.ddmendpoints\.<cric-name>\.arprotocols\.(write|read)_wan$/, 'queuedata.ddmendpoints.<name>.arprotocols.$1_wan')
    .replace(/^queuedata\.ddmendpoints\.<cric-name>\.rprotocols\.7(\.|$)/, 'queuedata.ddmendpoints.<name>.rprotocols.<id>$1')
    .replace(/^queuedata\.ddmendpoints\.<cric-name>\./, 'queuedata.ddmendpoints.<name>.')
    .replace(/^queuedata\.copytools\.local$/, 'queuedata.copytools.<name>');
}

const ACTIVITY_LIST = '`pr` (read inputs), `pw` (write outputs), `pl` (logs), `pls` (log copy to an object store), `es_events` (ES outputs), `es_events_read` (ES outputs read back by merge jobs), `es_failover`, `default`';

export const QUEUEDATA_DOCS: FieldDocs = {
  'queuedata.nickname': 'The PanDA queue name (CRIC `nickname`); the first of `nickname`, `name`, `panda_queue` that is set names the queue (default `local`).',
  'queuedata.name': 'Queue name when `nickname` is not set.',
  'queuedata.panda_queue': 'Queue name when neither `nickname` nor `name` is set.',
  'queuedata.siteid': 'The PanDA site (job updates send the queue name as `siteName`, as pilot3 does); the first of `siteid`, `site`, `atlas_site`, else the queue name.',
  'queuedata.site': 'Site name when `siteid` is not set.',
  'queuedata.atlas_site': 'Site name when neither `siteid` nor `site` is set.',
  'queuedata.copytool': 'Legacy (pilot1) copytool for writing, and for reading unless `copytoolin` is set: `name` or `name^setup` (the setup part is ignored). Used when `acopytools` is empty. The `COPYTOOL` environment variable replaces it.',
  'queuedata.copytoolin': 'Legacy copytool for reading inputs (`name` or `name^setup`, the setup part ignored). The `COPYTOOLIN` environment variable replaces it.',
  'queuedata.acopytools.<activity>': `Copytools (SiteMover names or aliases) tried in order for an activity: ${ACTIVITY_LIST}. \`objectstore\` picks the mover by the destination's URL scheme. ES activities without an entry use \`objectstore\`; others fall back to \`default\`.`,
  'queuedata.astorages.<activity>': 'Storage endpoints (names in `ddmendpoints`) of an activity; the first is where it writes or reads.',
  'queuedata.ddmendpoints.<name>.endpoint': 'Base URL of the storage endpoint (`file:///path`, `s3://host:port/bucket`, `root://host//path`, ...); objects are `<endpoint><path>/<name>`.',
  'queuedata.ddmendpoints.<name>.path': 'Path appended to `endpoint`.',
  'queuedata.ddmendpoints.<name>.access_key': 'Name of the S3 access key, fetched from PanDA with getKeyPair (the key itself is never in queuedata).',
  'queuedata.ddmendpoints.<name>.secret_key': 'Name of the S3 secret key, fetched from PanDA with getKeyPair.',
  'queuedata.ddmendpoints.<name>.id': { text: 'CRIC\'s id of the endpoint; a finished event range reports the id of the store its output is in as `objstoreID` (with `pathConvention` 1000).', default: '—' },
  'queuedata.direct_access_lan': 'Payloads may read inputs in place over the LAN (TURL in the PoolFileCatalog and the range PFN, no copy), for analysis jobs and jobs with `transferType=direct`.',
  'queuedata.direct_access_wan': 'Like `direct_access_lan`, over the WAN.',
  'queuedata.container_type': 'Container runtime by user, `name:user;...` (e.g. `apptainer:pilot;docker:wrapper`): `apptainer` or `singularity` for user `pilot` runs payloads through the `container` launcher.',
  'queuedata.container_options': 'Options for the payload container (e.g. `-B /scratch`), before the pilot\'s `/cvmfs,${workdir},/home` binds; `-C`/`--containall`/`-c`/`--contain` are dropped (the ES channel needs the host\'s /tmp); `none` = unset.',
  'queuedata.ddmendpoints.<name>.is_secure': { text: 'Use TLS to reach the endpoint (S3).', default: '—' },
  'queuedata.objectstore': 'Legacy (pilot1) object store string: `<url>|eventservice^<path>|logs^<path>` or `eventservice^<url>|logs^<url>`; where ES outputs and log copies go when `astorages` names none.',
  'queuedata.os_access_key': 'getKeyPair name of the access key for the legacy `objectstore` string (set with `os_secret_key`).',
  'queuedata.os_secret_key': 'getKeyPair name of the secret key for the legacy `objectstore` string (set with `os_access_key`).',
  'queuedata.os_is_secure': 'Use TLS for the legacy object store.',
  'queuedata.catchall': 'Space-separated tokens: `key=value` or flags. `HPC_<name>` (or `hpc=<name>`) makes the generic experiment choose the `hpc-event` RunJob for ES jobs; `log_to_objectstore` also copies logs of normal jobs to the object store.',
  'queuedata.glexec': '`true`: run payloads under the user\'s identity with glExec (falling back to direct launch when glExec is unusable); `test`: the same but a failing glExec fails the job; `false`: the configured launcher.',
  'queuedata.stageinretry': 'Attempts per copytool for each stage-in (recoverable errors only, with backoff).',
  'queuedata.stageoutretry': 'Attempts per copytool for each stage-out (recoverable errors only, with backoff).',
  'queuedata.maxwdir': { text: 'Work directory size limit in MB. Inputs larger in total fail the job before it starts with SIZETOOLARGE (1168); a running job whose directory grows past it plus 20% (divided by `corecount` for a single-core job, as pilot3 does) is stopped with USERDIRTOOLARGE (1104). Unset or 0 (CRIC\'s "not set"): no limit.', default: '—' },
  'queuedata.maxrss': { text: 'Memory (MB) of the queue\'s job slot, all `corecount` cores. The payload is killed, PAYLOADEXCEEDMAXMEM 1235, when its process tree\'s PSS exceeds 2 × maxrss / corecount × the job\'s cores (pilot3\'s rule and RSS grace); without it the job\'s `minRamCount` sets the limit. 0: not set.', default: '—' },
  'queuedata.maxvmem': { text: 'Virtual memory (MB) of the queue\'s job slot: the payload\'s VMEM is limited like its PSS by `maxrss`. 0: not set.', default: '—' },
  'queuedata.timefloor': { text: 'Minutes (CRIC) during which the pilot takes another job after each one (pilot3 multi-job mode: a new job only while less than `timefloor` has passed since the pilot started; `--max-jobs` caps the count). 0: one job (unless `--max-jobs`).', default: '0' },
  'queuedata.copytools': 'CRIC `copytools`: `{"<name>": {"setup": ...}}`. Without `acopytools` every declared copytool serves every activity (pilot3 `set_acopytools`); the `setup` is not run (espilot\'s movers find their tools through plugin options).',
  'queuedata.ddmendpoints.<name>.arprotocols.write_lan': 'CRIC form of an endpoint: a list of protocols `{endpoint, path, id}` for writing over the LAN (`write_wan` likewise, used when there is no `write_lan`): the first is where outputs go, `<endpoint><path>/<name>`; its `id` selects `rprotocols.<id>.settings`.',
  'queuedata.ddmendpoints.<name>.arprotocols.read_lan': 'Read protocols over the LAN (`read_wan` likewise, used when there is no `read_lan`): the first is where stage-ins read (default: the write protocol).',
  'queuedata.ddmendpoints.<name>.rprotocols.<id>.settings.access_key': 'getKeyPair name of the S3 access key of the protocol (object stores).',
  'queuedata.ddmendpoints.<name>.rprotocols.<id>.settings.secret_key': 'getKeyPair name of the S3 secret key of the protocol.',
  'queuedata.ddmendpoints.<name>.rprotocols.<id>.settings.is_secure': { text: 'Use TLS for the protocol (S3).', default: '—' },
  'queuedata.ddmendpoints.<name>.is_deterministic': { text: 'Rucio\'s deterministic path scheme: outputs and logs written to this endpoint (pw, pl) go to `<protocol>/<scope dirs>/<md5[0:2]>/<md5[2:4]>/<lfn>` as pilot3 writes them; object stores keep `<protocol>/<name>`.', default: 'false' },
  'queuedata.ddmendpoints.<name>.type': { text: 'CRIC endpoint type (`DATADISK`, `OS_ES`, `OS_LOGS`).', default: '—' },
  'queuedata.corecount': 'Cores of the queue\'s job slots; jobs without their own coreCount use it (ranges fetched per request = cores × `eventService.rangesPerCoreFactor`).',
};
