/**
 * The pilot's own settings (site file, CLI, defaults), parsed into a frozen typed object.
 */
import type { ConfigIssue } from '../errors/config-error.js';
import type { LogFormat, LogLevel } from '../logging/logger.js';
import { FieldReader, deepFreeze } from './field-reader.js';

export type ServerAuth = 'none' | 'x509' | 'token';

/**
 * The generation of panda-server's dispatcher the pilot talks to, where their parameter sets
 * differ: `ps-2024` (2016 onwards: bulk `updateEventRanges`, `taskID` in getEventRanges,
 * `objstoreID`, JSON `xml`) or `ps-2015` (single-range `updateEventRange`, no `taskID`, no
 * `jobType`/`resourceType` in getJob, PoolFileCatalog `xml`). Either server answers HTTP 500
 * to a parameter it does not know.
 */
export type ServerProfile = 'ps-2024' | 'ps-2015';

export interface ServerSettings {
  readonly url?: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Attempts after the first one for transient failures. */
  readonly retries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  readonly auth: ServerAuth;
  /** Which server generation's parameter names and forms to use. */
  readonly profile: ServerProfile;
  /** x509: the proxy file (default `X509_USER_PROXY`). */
  readonly proxyFile?: string;
  /** x509: CA directory (default `X509_CERT_DIR`). */
  readonly caPath?: string;
  /** token: the file holding the bearer token (default `PANDA_AUTH_TOKEN` / `OIDC_AUTH_TOKEN`). */
  readonly tokenFile?: string;
}

export interface EventServiceSettings {
  /** Ranges asked per getEventRanges = coreCount × this factor (pilot3: 2). */
  readonly rangesPerCoreFactor: number;
  /** Fetch the first ranges before the payload says `Ready for events` (pilot1 PR #163). */
  readonly prefetchBeforeReady: boolean;
  /** Kill the payload when it produced nothing for this long (pilot1 max_wait_for_one_event). */
  readonly maxWaitForEventS: number;
  /** After `No more events`: time for the payload to exit before SIGTERM, then SIGKILL. */
  readonly payloadGraceS: number;
  readonly killGraceS: number;
  readonly stageOutConcurrency: number;
  /** Consecutive stage-out failures after which the payload gets `No more events`. */
  readonly maxConsecutiveStageOutFailures: number;
  readonly reportBatchSize: number;
  readonly reportIntervalMs: number;
  readonly maxMessageBytes: number;
  /** Zip range outputs and report them with updateEventRanges version 1 (pilot3's premerge archive); off by default. */
  readonly zipOutputs: ZipOutputSettings;
  /** Backpressure: bound on ranges in flight or awaiting stage-out, and on the bytes awaiting it. */
  readonly stageOutBacklog: StageOutBacklogSettings;
}

export interface StageOutBacklogSettings {
  /** Ranges in the payload's hands plus outputs not yet stored; must exceed what the payload holds at once (its cores). */
  readonly maxRanges: number;
  readonly maxBytes: number;
}

/** When a zip of range outputs is sealed and stored: whichever limit is reached first, or the job's end. */
export interface ZipOutputSettings {
  readonly enabled: boolean;
  readonly maxRanges: number;
  readonly maxBytes: number;
  /** After its first range, the longest a zip waits for more (pilot3's queuedata es_stageout_gap). */
  readonly maxWaitS: number;
}

export interface TransferSettings {
  /** Full-jitter backoff between attempts of one mover (pilot1 waited minutes; we back off exponentially). */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Inputs of one job staged in at the same time. */
  readonly stageInConcurrency: number;
}

/** The job's resource, memory-limit and looping monitors (pilot3's defaults). */
export interface MonitorSettings {
  /** Between samples of the payload's process tree (pilot3 runs prmon with 60 s); each sample checks the memory limit. */
  readonly resourceIntervalS: number;
  /** Between looping-job checks (pilot3 looping_verification_time). */
  readonly loopingCheckS: number;
  /** No file touched for this long: looping (pilot3 looping_limit_default; a longer maxCpuCount wins). */
  readonly loopingLimitS: number;
  /** Heartbeat interval while the server's `debug` command is on (pilot3 debug_heartbeat). */
  readonly debugHeartbeatS: number;
}

/** Free-space and work directory checks (pilot3 check_local_space, check_work_dir). */
export interface DiskSettings {
  /** Seconds between checks of a running job (pilot3 disk_space_verification_time: 60). */
  readonly checkIntervalS: number;
  /** Free space a job needs on the work disk before it starts (pilot3 free_space_limit: 2 GB). */
  readonly freeSpaceLimitMB: number;
  /** Free space below which a running job is stopped (pilot3 free_space_limit_running: 1 GB). */
  readonly freeSpaceLimitRunningMB: number;
}

export interface PilotConfig {
  readonly experiment: string;
  /** Plugin module specifiers: absolute file paths (resolved against their config file) or package names. */
  readonly plugins: readonly string[];
  /** Raw option sections by plugin name; each plugin's descriptor parses its own. */
  readonly pluginOptions: Readonly<Record<string, unknown>>;
  readonly launcher: string;
  readonly channel: string;
  readonly server: ServerSettings;
  readonly workdir: string;
  readonly heartbeatS: number;
  /** No successful heartbeat for this long: the server has declared the job lost (pilot3 `lost_heartbeat`). */
  readonly lostHeartbeatS: number;
  readonly lifetime: LifetimeSettings;
  readonly logging: { readonly level: LogLevel; readonly format: LogFormat };
  readonly eventService: EventServiceSettings;
  readonly transfers: TransferSettings;
  /**
   * Keep a job's directory when it is done (`--keep-workdir`); by default a job whose final
   * update was acknowledged is reduced to its report (core/runtime/job-dir-cleanup.ts).
   */
  readonly keepWorkdir: boolean;
  readonly monitors: MonitorSettings;
  readonly disk: DiskSettings;
}

/** The pilot's own time limit (pilot3 `--lifetime`) and how a job is fitted into it. */
export interface LifetimeSettings {
  /** Seconds the pilot may live (pilot3 `--lifetime`, default 324000). */
  readonly limitS: number;
  /** The running job is drained (softkill) this long before the limit (pilot3 stops 3 min early). */
  readonly marginS: number;
  /** No new job is taken when less than this remains before the drain starts. */
  readonly minJobTimeS: number;
}

/** Built-in defaults: the bottom layer of every configuration. */
export const PILOT_DEFAULTS = {
  experiment: 'generic',
  plugins: [] as string[],
  pluginOptions: {},
  launcher: 'direct',
  channel: 'zeromq',
  server: {
    connectTimeoutMs: 20_000,
    requestTimeoutMs: 120_000,
    retries: 4,
    backoffBaseMs: 500,
    backoffMaxMs: 30_000,
    auth: 'none',
    profile: 'ps-2024' as ServerProfile,
  },
  workdir: '.espilot-work',
  heartbeatS: 1800,
  lostHeartbeatS: 10_800,
  lifetime: { limitS: 324_000, marginS: 180, minJobTimeS: 600 },
  logging: { level: 'info', format: 'text' },
  eventService: {
    rangesPerCoreFactor: 2,
    prefetchBeforeReady: true,
    maxWaitForEventS: 21_600,
    payloadGraceS: 1800,
    killGraceS: 30,
    stageOutConcurrency: 4,
    maxConsecutiveStageOutFailures: 3,
    reportBatchSize: 100,
    reportIntervalMs: 1000,
    maxMessageBytes: 16 * 1024 * 1024,
    zipOutputs: { enabled: false, maxRanges: 100, maxBytes: 1024 * 1024 * 1024, maxWaitS: 600 },
    stageOutBacklog: { maxRanges: 2000, maxBytes: 8 * 1024 * 1024 * 1024 },
  },
  transfers: { backoffBaseMs: 2000, backoffMaxMs: 60_000, stageInConcurrency: 8 },
  keepWorkdir: false,
  monitors: { resourceIntervalS: 60, loopingCheckS: 900, loopingLimitS: 7200, debugHeartbeatS: 60 },
  disk: { checkIntervalS: 60, freeSpaceLimitMB: 2048, freeSpaceLimitRunningMB: 1024 },
};

export function pilotConfigFrom(raw: unknown, root: string, issues: ConfigIssue[]): PilotConfig {
  const r = FieldReader.of(root, raw, issues);
  const s = r.object('server');
  const es = r.object('eventService');
  const zip = es.object('zipOutputs');
  const backlog = es.object('stageOutBacklog');
  const log = r.object('logging');
  const tr = r.object('transfers');
  const mon = r.object('monitors');
  const disk = r.object('disk');
  const life = r.object('lifetime');
  const options = r.raw('pluginOptions');
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    r.fail('pluginOptions', 'an object keyed by plugin name');
  }
  const url = s.string('url');
  if (url && !/^https?:\/\/./.test(url)) s.fail('url', 'an http:// or https:// URL');
  const auth = s.oneOf('auth', ['none', 'x509', 'token'] as const, 'none');
  // A ps-2015 server takes range reports one by one (updateEventRange): no zipFile, so a zipped output could not be found.
  if (zip.bool('enabled', false) && s.oneOf('profile', ['ps-2024', 'ps-2015'] as const, 'ps-2024') === 'ps-2015') {
    zip.fail('enabled', 'false with server.profile ps-2015 (its updateEventRange cannot name a zip)');
  }
  const cfg: PilotConfig = {
    experiment: r.requiredString('experiment', 'an experiment plugin name'),
    plugins: r.stringList('plugins') ?? [],
    pluginOptions: (options as Record<string, unknown> | undefined) ?? {},
    launcher: r.requiredString('launcher', 'a launcher plugin name'),
    channel: r.requiredString('channel', 'a channel plugin name'),
    server: {
      ...(url ? { url: url.replace(/\/+$/, '') } : {}),
      connectTimeoutMs: s.int('connectTimeoutMs', { min: 1 }, 20_000),
      requestTimeoutMs: s.int('requestTimeoutMs', { min: 1 }, 120_000),
      retries: s.int('retries', { min: 0, max: 20 }, 4),
      backoffBaseMs: s.int('backoffBaseMs', { min: 0 }, 500),
      backoffMaxMs: s.int('backoffMaxMs', { min: 0 }, 30_000),
      auth,
      profile: s.oneOf('profile', ['ps-2024', 'ps-2015'] as const, 'ps-2024'),
      ...optionalString(s, 'proxyFile'),
      ...optionalString(s, 'caPath'),
      ...optionalString(s, 'tokenFile'),
    },
    workdir: r.requiredString('workdir', 'a directory path'),
    heartbeatS: r.int('heartbeatS', { min: 1 }, 1800),
    lostHeartbeatS: r.number('lostHeartbeatS', { min: 0.1 }, 10_800),
    lifetime: {
      limitS: life.number('limitS', { min: 0.1 }, 324_000),
      marginS: life.number('marginS', { min: 0 }, 180),
      minJobTimeS: life.number('minJobTimeS', { min: 0 }, 600),
    },
    logging: {
      level: log.oneOf('level', ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info'),
      format: log.oneOf('format', ['text', 'json'] as const, 'text'),
    },
    eventService: {
      rangesPerCoreFactor: es.int('rangesPerCoreFactor', { min: 1, max: 100 }, 2),
      prefetchBeforeReady: es.bool('prefetchBeforeReady', true),
      maxWaitForEventS: es.number('maxWaitForEventS', { min: 0.01 }, 21_600),
      payloadGraceS: es.number('payloadGraceS', { min: 0 }, 1800),
      killGraceS: es.number('killGraceS', { min: 0 }, 30),
      stageOutConcurrency: es.int('stageOutConcurrency', { min: 1, max: 256 }, 4),
      maxConsecutiveStageOutFailures: es.int('maxConsecutiveStageOutFailures', { min: 1 }, 3),
      reportBatchSize: es.int('reportBatchSize', { min: 1, max: 100_000 }, 100),
      reportIntervalMs: es.int('reportIntervalMs', { min: 1 }, 1000),
      maxMessageBytes: es.int('maxMessageBytes', { min: 1024 }, 16 * 1024 * 1024),
      zipOutputs: {
        enabled: zip.bool('enabled', false),
        maxRanges: zip.int('maxRanges', { min: 1, max: 65_535 }, 100),
        maxBytes: zip.int('maxBytes', { min: 1, max: 4 * 1024 * 1024 * 1024 - 1 }, 1024 * 1024 * 1024),
        maxWaitS: zip.number('maxWaitS', { min: 0 }, 600),
      },
      stageOutBacklog: {
        maxRanges: backlog.int('maxRanges', { min: 1 }, 2000),
        maxBytes: backlog.int('maxBytes', { min: 1 }, 8 * 1024 * 1024 * 1024),
      },
    },
    transfers: {
      backoffBaseMs: tr.int('backoffBaseMs', { min: 0 }, 2000),
      backoffMaxMs: tr.int('backoffMaxMs', { min: 0 }, 60_000),
      stageInConcurrency: tr.int('stageInConcurrency', { min: 1, max: 256 }, 8),
    },
    keepWorkdir: r.bool('keepWorkdir', false),
    monitors: {
      resourceIntervalS: mon.number('resourceIntervalS', { min: 0.05 }, 60),
      loopingCheckS: mon.number('loopingCheckS', { min: 0.05 }, 900),
      loopingLimitS: mon.number('loopingLimitS', { min: 0.1 }, 7200),
      debugHeartbeatS: mon.number('debugHeartbeatS', { min: 0.05 }, 60),
    },
    disk: {
      checkIntervalS: disk.number('checkIntervalS', { min: 0.05 }, 60),
      freeSpaceLimitMB: disk.int('freeSpaceLimitMB', { min: 0 }, 2048),
      freeSpaceLimitRunningMB: disk.int('freeSpaceLimitRunningMB', { min: 0 }, 1024),
    },
  };
  return deepFreeze(cfg);
}

function optionalString(r: FieldReader, key: string): Record<string, string> {
  const v = r.string(key);
  return v ? { [key]: v } : {};
}
