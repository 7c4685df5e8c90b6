/**
 * Descriptions of the pilot's own settings (pilot-config.ts), for the generated
 * configuration reference. Keep this beside the parser: a setting read there without an
 * entry here fails the reference test.
 */
import type { FieldDocs } from './config-reference.js';

export const PILOT_CONFIG_DOCS: FieldDocs = {
  'config.experiment': 'The Experiment plugin: chooses the RunJob, builds the payload command, names ES outputs, classifies payload errors (`generic`, `atlas`, or a site plugin).',
  'config.plugins': 'Extra plugin modules to load: file paths (relative ones resolve against the site file\'s folder) or package names. Built-ins are always loaded.',
  'config.pluginOptions': 'Options per plugin, keyed by plugin name; each plugin parses its own section (see Plugin options below).',
  'config.launcher': 'The PayloadLauncher that starts payloads (`direct`); queues with `glexec` true/test use `glexec` instead.',
  'config.channel': 'The PayloadChannel for the Event Service conversation with the payload (`zeromq`, yampl-compatible).',
  'config.server.url': 'PanDA server base URL (`https://host:25443`); `--server` or `PANDA_SERVER_URL` set it too.',
  'config.server.connectTimeoutMs': 'Deadline to connect to the PanDA server, per attempt.',
  'config.server.requestTimeoutMs': 'Deadline for a whole PanDA request, per attempt.',
  'config.server.retries': 'Attempts after the first for transient failures (connection errors, timeouts, 5xx), with full-jitter backoff.',
  'config.server.backoffBaseMs': 'First backoff step between PanDA attempts (doubles each attempt, randomised).',
  'config.server.backoffMaxMs': 'Longest backoff between PanDA attempts.',
  'config.server.auth': '`none`, `x509` (client certificate: the proxy file) or `token` (bearer token from a file).',
  'config.server.profile': 'The PanDA server generation: `ps-2024` (bulk updateEventRanges, taskID in getEventRanges, JSON `xml`) or `ps-2015` (single-range updateEventRange, no taskID, PoolFileCatalog `xml`); a parameter the server does not know is an HTTP 500.',
  'config.server.proxyFile': 'x509: the proxy (certificate + key) file; default `X509_USER_PROXY`.',
  'config.server.caPath': 'x509: directory of CA certificates to verify the server; default `X509_CERT_DIR`.',
  'config.server.tokenFile': 'token: the file holding the bearer token; default `PANDA_AUTH_TOKEN` / `OIDC_AUTH_TOKEN`.',
  'config.workdir': 'Work directory: one `pilot-<pid>-<time>/` per pilot, one `PandaJob_<id>/` per job inside (state file, journal, reports); `espilot recover` looks here.',
  'config.heartbeatS': 'Seconds between heartbeats (updateJob `running`) of a running job.',
  'config.logging.level': 'Log level (`--log-level`).',
  'config.logging.format': '`text` for people, `json` (one object per line: time, level, tag, message) for machines (`--log-format`).',
  'config.eventService.rangesPerCoreFactor': 'Event ranges asked per getEventRanges call = job cores × this factor (pilot3 uses 2).',
  'config.eventService.prefetchBeforeReady': 'Fetch the first ranges before the payload asks for them, so the first `Ready for events` is answered at once.',
  'config.eventService.maxWaitForEventS': 'Kill the payload when it sent nothing for this long (stuck payload watchdog).',
  'config.eventService.payloadGraceS': 'After `No more events` (or softkill): time the payload has to exit on its own before SIGTERM.',
  'config.eventService.killGraceS': 'Between SIGTERM and SIGKILL of a payload.',
  'config.eventService.stageOutConcurrency': 'Range outputs uploaded at the same time.',
  'config.eventService.maxConsecutiveStageOutFailures': 'After this many stage-out failures in a row the payload gets `No more events` (the storage is down; stop producing outputs that cannot be kept).',
  'config.eventService.reportBatchSize': 'Range outcomes per updateEventRanges call at most.',
  'config.eventService.reportIntervalMs': 'How long outcomes are collected before an updateEventRanges call (a full batch goes at once).',
  'config.eventService.maxMessageBytes': 'Largest payload message accepted on the channel; longer ones are dropped and logged.',
  'config.transfers.backoffBaseMs': 'First backoff step between attempts of one mover (stage-in/out retries).',
  'config.transfers.backoffMaxMs': 'Longest backoff between attempts of one mover.',
  'config.monitors.resourceIntervalS': 'Seconds between samples of the payload\'s process tree (RSS, PSS, VMEM, swap, CPU, I/O; `memory_monitor_output.txt` in the job directory); each sample checks the memory limit (pilot3 samples every 60 s).',
  'config.monitors.loopingCheckS': 'Seconds between looping-job checks (pilot3 `looping_verification_time`, 900).',
  'config.monitors.loopingLimitS': 'A payload that touched no file in its work directory (ES: reported no output) for this long is killed as looping, LOOPINGJOB 1150 (pilot3 `looping_limit_default`, 7200; a longer job `maxCpuCount` wins).',
  'config.monitors.debugHeartbeatS': 'Seconds between heartbeats while the server\'s `debug` command is on; each carries the tail of the payload\'s log as `stdout` (pilot3 `debug_heartbeat`, 60).',
  'config.disk.checkIntervalS': 'Seconds between the disk checks of a running job (free space on the work disk, size of the job directory against queuedata `maxwdir`); pilot3 checks every 60 s.',
  'config.disk.freeSpaceLimitMB': 'Free space (MB) the work disk must have before a job starts (more than this, and at least the job\'s `maxDiskCount`); else the job fails with NOLOCALSPACE (1098). pilot3: 2 GB.',
  'config.disk.freeSpaceLimitRunningMB': 'Free space (MB) below which a running job is stopped and failed with NOLOCALSPACE (1098). pilot3: 1 GB.',
};
