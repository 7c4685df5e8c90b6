/**
 * The pilot settings every fault scenario runs with, and the time bounds the checker holds
 * the pilot to (I3's crash window, I4), derived from the same numbers so the two cannot
 * drift apart. Timeouts are short so that a black-holed call costs seconds, not minutes.
 *
 * On a slow machine every timeout, and so every bound, is multiplied by the run's slowdown
 * factor (test/helpers/slowdown.ts: what `npm run test:loaded` declared, or the CPU
 * starvation measured just before the run): a scenario then means the same thing as on an
 * idle machine (a black hole still outlasts the request timeout, the kill still lands
 * mid-job) instead of every call timing out.
 */
import { slowdown } from '../helpers/slowdown.js';

/** `pilot.server` (the PanDA client), on an idle machine. */
export const SERVER = { retries: 2, backoffBaseMs: 50, backoffMaxMs: 400, requestTimeoutMs: 2000, connectTimeoutMs: 1000 } as const;

/** `pilot.eventService`, on an idle machine. */
export const EVENT_SERVICE = {
  reportIntervalMs: 50, payloadGraceS: 4, killGraceS: 1, maxWaitForEventS: 20, stageOutConcurrency: 4, reportBatchSize: 50,
} as const;

/** `pluginOptions.event` (RunJobEvent), on an idle machine. */
export const RUN_JOB_EVENT = { settleMs: 100, finalFlushS: 6, getEventRangesAttempts: 2 } as const;

/** `pluginOptions["s3-objectstore"]`: a silent connection fails after 2 s; 3 SDK attempts (idle machine). */
export const S3_OPTIONS = {
  secure: false, requestTimeoutMs: 2000, connectTimeoutMs: 1000, maxAttempts: 3, timeout: { baseS: 15, perMBs: 1, maxS: 60 },
} as const;

/** `pilot.transfers` and the queue's stage-out retries. */
export const TRANSFERS = { backoffBaseMs: 50, backoffMaxMs: 400 } as const;
export const STAGE_OUT_RETRY = 2;

/** Simulator workers per payload. */
export const WORKERS = 2;

/** Node and the pilot's plugins loading, on an idle machine (a recovery run's I4 clock starts at its spawn). */
const START_UP_MS = 5000;
/**
 * I3 after a crash: an output the payload announced this long before the pilot died must
 * have been journaled (the pilot journals an output within milliseconds), on an idle machine.
 */
const CRASH_WINDOW_MS = 3000;
/** A pilot process that runs longer than this (idle machine) is killed and the run fails I4. */
const PILOT_HARD_LIMIT_MS = 90_000;
/** How long a scenario's driver waits for the moment it acts (e.g. N reports), on an idle machine. */
const DRIVER_WAIT_MS = 60_000;

/** A settings object with its numbers free to be scaled. */
type Scalable<T> = { readonly [K in keyof T]: T[K] extends number ? number : T[K] extends object ? Scalable<T[K]> : T[K] };

/** Every setting and bound of one run, at one slowdown factor. */
export interface FaultTimings {
  readonly slowdown: number;
  readonly server: Scalable<typeof SERVER>;
  readonly eventService: Scalable<typeof EVENT_SERVICE>;
  readonly runJob: Scalable<typeof RUN_JOB_EVENT>;
  readonly s3: Scalable<typeof S3_OPTIONS>;
  /** One PanDA call at worst: every attempt times out, with backoff between them. */
  readonly serverCallBudgetMs: number;
  /** I4: how long a pilot may take to exit once told to stop, and what it is made of. */
  readonly exitBoundMs: number;
  readonly exitBoundWhy: string;
  /** I3: outputs announced longer than this before a crash must be finished by the recovery. */
  readonly crashWindowMs: number;
  readonly hardLimitMs: number;
  readonly driverWaitMs: number;
}

/**
 * The settings and bounds at `factor` (default: this machine's slowdown now). I4's bound is
 * the payload's grace and kill grace, the final flush of uploads and reports, the final
 * updateJob (one PanDA call budget), plus start-up, all as configured for the run.
 */
export function faultTimings(factor = slowdown({ fresh: true })): FaultTimings {
  const f = Math.max(1, factor);
  const ms = (n: number) => Math.ceil(n * f);
  const s = (n: number) => Math.ceil(n * f * 10) / 10;
  const server = { ...SERVER, requestTimeoutMs: ms(SERVER.requestTimeoutMs), connectTimeoutMs: ms(SERVER.connectTimeoutMs) };
  const eventService = { ...EVENT_SERVICE, payloadGraceS: s(EVENT_SERVICE.payloadGraceS), killGraceS: s(EVENT_SERVICE.killGraceS), maxWaitForEventS: s(EVENT_SERVICE.maxWaitForEventS) };
  const runJob = { ...RUN_JOB_EVENT, finalFlushS: s(RUN_JOB_EVENT.finalFlushS) };
  const s3 = {
    ...S3_OPTIONS, requestTimeoutMs: ms(S3_OPTIONS.requestTimeoutMs), connectTimeoutMs: ms(S3_OPTIONS.connectTimeoutMs),
    timeout: { baseS: s(S3_OPTIONS.timeout.baseS), perMBs: s(S3_OPTIONS.timeout.perMBs), maxS: s(S3_OPTIONS.timeout.maxS) },
  };
  const serverCallBudgetMs = (server.retries + 1) * server.requestTimeoutMs + server.retries * server.backoffMaxMs;
  const startUpMs = ms(START_UP_MS);
  const exitBoundMs = (eventService.payloadGraceS + eventService.killGraceS + runJob.finalFlushS) * 1000 + serverCallBudgetMs + startUpMs;
  const exitBoundWhy = `payloadGraceS ${eventService.payloadGraceS} + killGraceS ${eventService.killGraceS} + finalFlushS ${runJob.finalFlushS}`
    + ` + one PanDA call ${serverCallBudgetMs} ms (${server.retries + 1} × requestTimeoutMs ${server.requestTimeoutMs} + backoff) + start-up ${startUpMs} ms`
    + `, at slowdown ×${f.toFixed(2)}`;
  return Object.freeze({
    slowdown: f, server, eventService, runJob, s3, serverCallBudgetMs, exitBoundMs, exitBoundWhy,
    crashWindowMs: ms(CRASH_WINDOW_MS), hardLimitMs: ms(PILOT_HARD_LIMIT_MS), driverWaitMs: ms(DRIVER_WAIT_MS),
  });
}

/** The site file (pilot settings) for a run. */
export function siteSettings(o: { timings: FaultTimings; serverUrl: string; tokenFile?: string; proxyFile?: string; caPath?: string; s3?: Record<string, unknown>; eventService?: Record<string, unknown>; runJob?: Record<string, unknown> }): Record<string, unknown> {
  const auth = o.tokenFile ? { auth: 'token', tokenFile: o.tokenFile } : o.proxyFile ? { auth: 'x509', proxyFile: o.proxyFile, ...(o.caPath ? { caPath: o.caPath } : {}) } : {};
  const t = o.timings;
  return {
    server: { url: o.serverUrl, ...t.server, ...auth },
    eventService: { ...t.eventService, ...o.eventService },
    transfers: TRANSFERS,
    heartbeatS: 30,
    // The checks read the journals and reports the jobs left (R12), and drivers put files in job directories.
    keepWorkdir: true,
    pluginOptions: {
      event: { ...t.runJob, ...o.runJob },
      's3-objectstore': { ...t.s3, ...o.s3 },
    },
  };
}
