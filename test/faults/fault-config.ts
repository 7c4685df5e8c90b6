/**
 * The pilot settings every fault scenario runs with, and the time bounds the checker holds
 * the pilot to (I4), derived from the same numbers so the two cannot drift apart. Timeouts
 * are short so that a black-holed call costs seconds, not minutes.
 */

/** `pilot.server` (the PanDA client). */
export const SERVER = { retries: 2, backoffBaseMs: 50, backoffMaxMs: 400, requestTimeoutMs: 2000, connectTimeoutMs: 1000 } as const;

/** `pilot.eventService`. */
export const EVENT_SERVICE = {
  reportIntervalMs: 50, payloadGraceS: 4, killGraceS: 1, maxWaitForEventS: 20, stageOutConcurrency: 4, reportBatchSize: 50,
} as const;

/** `pluginOptions.event` (RunJobEvent). */
export const RUN_JOB_EVENT = { settleMs: 100, finalFlushS: 6, getEventRangesAttempts: 2 } as const;

/** `pluginOptions["s3-objectstore"]`: a silent connection fails after 2 s; 3 SDK attempts. */
export const S3_OPTIONS = {
  secure: false, requestTimeoutMs: 2000, connectTimeoutMs: 1000, maxAttempts: 3, timeout: { baseS: 15, perMBs: 1, maxS: 60 },
} as const;

/** `pilot.transfers` and the queue's stage-out retries. */
export const TRANSFERS = { backoffBaseMs: 50, backoffMaxMs: 400 } as const;
export const STAGE_OUT_RETRY = 2;

/** Simulator workers per payload. */
export const WORKERS = 2;

/** One PanDA call at worst: every attempt times out, with backoff between them. */
export const SERVER_CALL_BUDGET_MS = (SERVER.retries + 1) * SERVER.requestTimeoutMs + SERVER.retries * SERVER.backoffMaxMs;

/**
 * I4: how long a pilot may take to exit once told to stop ("No more events" reached the
 * payload, SIGTERM, softkill): the payload's grace and kill grace, the final flush of
 * uploads and reports, the final updateJob, plus 5 s for process start-up noise on a busy
 * 2-core machine.
 */
export const EXIT_BOUND_MS = (EVENT_SERVICE.payloadGraceS + EVENT_SERVICE.killGraceS + RUN_JOB_EVENT.finalFlushS) * 1000 + SERVER_CALL_BUDGET_MS + 5000;

/**
 * I3 after a crash: an output the payload announced this long before the pilot died must
 * have been journaled (the pilot journals an output within milliseconds; this leaves room
 * for a busy disk and a starved CPU on CI), so a recovery finishes it. Outputs announced later are the in-flight
 * window, unless their upload had begun (see check-drops.ts).
 */
export const CRASH_WINDOW_MS = 3000;

/** A pilot process that runs longer than this is killed and the run fails I4. */
export const PILOT_HARD_LIMIT_MS = 90_000;

/** The site file (pilot settings) for a run. */
export function siteSettings(o: { serverUrl: string; tokenFile?: string; proxyFile?: string; caPath?: string; s3?: Record<string, unknown>; eventService?: Record<string, unknown>; runJob?: Record<string, unknown> }): Record<string, unknown> {
  const auth = o.tokenFile ? { auth: 'token', tokenFile: o.tokenFile } : o.proxyFile ? { auth: 'x509', proxyFile: o.proxyFile, ...(o.caPath ? { caPath: o.caPath } : {}) } : {};
  return {
    server: { url: o.serverUrl, ...SERVER, ...auth },
    eventService: { ...EVENT_SERVICE, ...o.eventService },
    transfers: TRANSFERS,
    heartbeatS: 30,
    // The checks read the journals and reports the jobs left (R12), and drivers put files in job directories.
    keepWorkdir: true,
    pluginOptions: {
      event: { ...RUN_JOB_EVENT, ...o.runJob },
      's3-objectstore': { ...S3_OPTIONS, ...o.s3 },
    },
  };
}
