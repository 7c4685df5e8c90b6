/**
 * One ES job from channel to final state: builds the job's parts (journal, tracker, range
 * source, reporter, stage-out, engine), opens the channel and starts the payload through the
 * RunJob's seams (es-payload-seams.ts), serves it until it exits, then drains uploads and
 * reports and works out the outcome. RunJobs `event` and `hpc-event` are this runner with
 * their own seams.
 */
import { join } from 'node:path';
import type { PilotSettings } from '../config/config-layers.js';
import type { EventRange } from '../contracts/event-range.js';
import { Experiment, type PayloadHelper, type PayloadHelperFailure } from '../contracts/experiment.js';
import type { PandaApi } from '../contracts/panda-api.js';
import type { PayloadChannel } from '../contracts/payload-channel.js';
import { PayloadLauncher, type PayloadProcess } from '../contracts/payload-launcher.js';
import type { JobOutcome, RunJobContext } from '../contracts/run-job.js';
import { abortCode, abortError } from '../errors/abort-code.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError, toPilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import type { SecretRegistry } from '../logging/secret-registry.js';
import type { PluginResolver } from '../plugin/plugin-resolver.js';
import { launcherNameFor } from '../select/select-launcher.js';
import { stageInJobInputs } from '../staging/job-transfers.js';
import { sleep } from '../staging/transfer-service.js';
import { describeExit } from '../util/exit-code.js';
import { EsEngine } from './es-engine.js';
import { withEsJobLog } from './es-job-log.js';
import { esJobOutcome } from './es-job-outcome.js';
import type { EsPayloadSeams } from './es-payload-seams.js';
import type { EsRunnerOptions } from './es-runner-options.js';
import { EventRangeSource } from './event-range-source.js';
import { JOURNAL_FILE } from './journal-records.js';
import { recordPayloadGroups } from './leftover-payload.js';
import { OutputNamer } from './output-namer.js';
import { newChannelName } from './payload-message.js';
import { PayloadSupervisor } from './payload-supervisor.js';
import { RangeJournal } from './range-journal.js';
import { inputAccessOf, withPfn, writePoolFileCatalog } from './pool-file-catalog.js';
import { RangeReporter } from './range-reporter.js';
import { storageIdOfDestinations } from './range-update.js';
import { RangeTracker } from './range-tracker.js';
import { StageOutQueue } from './stage-out-queue.js';
import { ZipStageOutQueue } from './zip-stage-out.js';

/** What the runner and the recovery need from the pilot run (a RunJob hands its own). */
export interface EsJobDeps {
  readonly settings: PilotSettings;
  readonly resolver: PluginResolver;
  readonly secrets: SecretRegistry;
  readonly panda: PandaApi;
  readonly options: EsRunnerOptions;
  readonly log: Logger;
}

interface Parts {
  experiment: Experiment;
  channel: PayloadChannel;
  journal: RangeJournal;
  tracker: RangeTracker;
  source: EventRangeSource;
  reporter: RangeReporter;
  engine: EsEngine;
  helpers: readonly PayloadHelper[];
}

export class EsJobRun {
  private readonly startTime = Date.now();
  private readonly log: Logger;
  private readonly uploadAbort = new AbortController();
  private supervisor: PayloadSupervisor | undefined;
  private helperFailure: PayloadHelperFailure | undefined;
  private p: Partial<Parts> = {};

  /** Never throws for a job failure: `run` returns an outcome with the error code. */
  constructor(private readonly d: EsJobDeps, private readonly ctx: RunJobContext, private readonly seams: EsPayloadSeams) {
    this.log = d.log.child(`job-${ctx.job.pandaId}`);
  }

  async run(): Promise<JobOutcome> {
    let launched;
    try {
      launched = await this.setup();
    } catch (err) {
      await this.teardown();
      const setupError = toPilotError(err, ErrorCodes.RUNEVENTEXC);
      this.log.error(`ES job not started: ${setupError.codeName} ${setupError.message}`);
      return this.withLog(esJobOutcome({ summary: this.p.tracker?.summary() ?? emptySummary(), startTime: this.startTime, setupError, premature: false }));
    }
    // A recovering pilot stops a payload its dead predecessor left running.
    await recordPayloadGroups(this.ctx.workdir, launched.groups);
    this.ctx.payloadWatch?.watch(launched.groups.map((g) => g.pid), { lastOutputAt: () => this.p.engine?.lastOutputAt ?? this.startTime });
    let outcome: JobOutcome;
    try {
      outcome = await this.serve(launched.process);
    } finally {
      await this.teardown();
    }
    return this.withLog(outcome);
  }

  /**
   * Stages in the job's inputs (activity `pr`, the normal RunJob's stage-in; none for inputs
   * read in place) and writes the PoolFileCatalog. @returns each input's local path or TURL
   * by LFN (the ranges' PFN).
   * @throws PilotError from the movers or the binding (NOSTORAGE, STAGEINFAILED, ...).
   */
  private async stageInputs(): Promise<Map<string, string>> {
    const { job, workdir, control, binding } = this.ctx;
    if (!job.inputFiles.length) return new Map();
    const paths = await stageInJobInputs({ binding, jobDir: workdir, log: this.log, signal: control.kill, stageInConcurrency: this.d.settings.pilot.transfers.stageInConcurrency }, job);
    const direct = new Set(binding.inputs().filter((i) => i.direct).map((i) => i.lfn));
    const access = inputAccessOf(job, paths, direct);
    await writePoolFileCatalog(workdir, access);
    return new Map(access.map((a) => [a.lfn, a.pfn]));
  }

  /** The log, packed without the range outputs (es-job-log.ts). */
  private withLog(outcome: JobOutcome): Promise<JobOutcome> {
    return withEsJobLog(outcome, this.ctx, this.p.tracker?.outputPaths() ?? [], this.d.secrets.scrubEnv(process.env), this.log);
  }

  private async setup() {
    const { settings, resolver, secrets, options } = this.d;
    const { job, workdir, control } = this.ctx;
    const es = settings.pilot.eventService;
    const server = settings.pilot.server;
    const experiment = (this.p.experiment = resolver.get<Experiment>(Experiment, settings.pilot.experiment));
    const launcher = resolver.get<PayloadLauncher>(PayloadLauncher, launcherNameFor(settings));
    const destinations = this.ctx.binding.es(this.log);
    const inputPaths = await this.stageInputs();
    if (control.kill.aborted) throw new PilotError(abortCode(control.kill.reason, ErrorCodes.PANDAKILL), 'killed during stage-in', { recoverable: false });
    const channelName = newChannelName();
    const journal = (this.p.journal = await RangeJournal.create(join(workdir, JOURNAL_FILE), {
      pandaId: job.pandaId, ...(job.jobsetId ? { jobsetId: job.jobsetId } : {}), ...(job.taskId ? { taskId: job.taskId } : {}),
      outputLfns: job.outputFiles.map((f) => f.lfn), channel: channelName, workdir, createdAt: this.startTime,
    }, { syncs: resolver.syncs }));
    const tracker = (this.p.tracker = new RangeTracker(journal, this.log));
    const channel = (this.p.channel = await this.seams.openChannel(channelName));
    const env = secrets.scrubEnv(process.env);
    this.p.helpers = (await experiment.startPayloadHelpers?.(job, { workdir, queue: settings.queue, channelName, launcher, env, inputPaths })) ?? [];
    const nRanges = Math.max(1, job.coreCount || settings.queue.coreCount) * es.rangesPerCoreFactor;
    const source = (this.p.source = new EventRangeSource({
      // Each range carries the PFN of its input, as journaled and as the payload gets it.
      fetch: async (n) => (await this.d.panda.getEventRanges({ pandaId: job.pandaId, ...(job.jobsetId ? { jobsetId: job.jobsetId } : {}), ...(job.taskId ? { taskId: job.taskId } : {}), nRanges: n }))
        .map((r) => withPfn(r, inputPaths)),
      record: (ranges) => this.recordFetched(ranges),
      nRanges,
      lowWater: Math.floor(nRanges / 2),
      retry: { attempts: options.getEventRangesAttempts, backoffBaseMs: server.backoffBaseMs, backoffMaxMs: server.backoffMaxMs },
      log: this.log,
    }));
    const reporter = (this.p.reporter = new RangeReporter({
      send: (updates) => this.d.panda.updateEventRanges(updates, job.pandaId),
      onResult: async (acked, rejected) => {
        tracker.markReported(acked, rejected);
        if (acked.length) this.ctx.onProgress?.({ nEvents: tracker.summary().nEvents });
      },
      // The same commands as updateJob's, through the job's control: one set of rules and codes.
      onCommands: (cmds) => control.applyServerCommands(cmds, this.log),
      batchSize: es.reportBatchSize,
      intervalMs: es.reportIntervalMs,
      backoffBaseMs: server.backoffBaseMs,
      backoffMaxMs: server.backoffMaxMs,
      log: this.log,
    }));
    const engine = (this.p.engine = new EsEngine({
      channel, source, tracker, reporter,
      namer: new OutputNamer({ workdir, outputLfns: job.outputFiles.map((f) => f.lfn), objectName: (lfn, id) => experiment.esOutputName(lfn, id), allowOutsideWorkdir: options.allowOutputsOutsideWorkdir }),
      createStager: (hooks) => {
        const queue = { concurrency: es.stageOutConcurrency, ...destinations, log: this.log, signal: this.uploadAbort.signal, ...hooks };
        return es.zipOutputs.enabled ? new ZipStageOutQueue({ ...queue, zip: es.zipOutputs, workdir }) : new StageOutQueue(queue);
      },
      classify: (acronym, diag) => experiment.classifyPayloadError(acronym, diag),
      maxConsecutiveStageOutFailures: es.maxConsecutiveStageOutFailures,
      storageIdOf: storageIdOfDestinations(destinations),
      backlog: es.stageOutBacklog,
      maxRangesPerPeer: nRanges, // a payload with N cores holds N at a time; the batch fetched for it is N × rangesPerCoreFactor
      log: this.log,
      onNoMoreEvents: () => this.supervisor?.startGrace(es.payloadGraceS * 1000, '"No more events"'),
      onFatal: (err) => this.supervisor?.terminate('bookkeeping', err.message),
    }));
    if (es.prefetchBeforeReady) {
      await source.prefetch();
      if (source.end && tracker.summary().fetched === 0) throw source.lastError ?? new PilotError(ErrorCodes.NOEVENTS, 'the server gave no event ranges', { recoverable: false });
    }
    if (control.kill.aborted) throw new PilotError(abortCode(control.kill.reason, ErrorCodes.PANDAKILL), 'killed before the payload started', { recoverable: false });
    return this.seams.launch({ experiment, launcher, env, channelName, engine, inputPaths });
  }

  private async serve(proc: PayloadProcess): Promise<JobOutcome> {
    const { engine, source, tracker, reporter, channel } = this.p as Parts;
    const es = this.d.settings.pilot.eventService;
    const { control } = this.ctx;
    const sup = (this.supervisor = new PayloadSupervisor(proc, es.killGraceS * 1000, this.log));
    const served = engine.run().catch((err: Error) => this.log.error(`payload channel loop ended: ${err.message}`));
    sup.watchSilence(() => engine.lastMessageAt, es.maxWaitForEventS * 1000);
    const onSoftkill = () => this.softkill('softkill requested');
    const onKill = () => sup.terminate('kill', `killed (${abortError(control.kill.reason, ErrorCodes.PANDAKILL).message})`);
    if (control.softkill.aborted) onSoftkill();
    if (control.kill.aborted) onKill();
    control.softkill.addEventListener('abort', onSoftkill, { once: true });
    control.kill.addEventListener('abort', onKill, { once: true });
    for (const h of this.p.helpers ?? []) {
      void h.died.then((f) => {
        this.helperFailure ??= f;
        sup.terminate('helper', `${h.name} ended: ${f.message}`);
      });
    }

    const exit = await sup.waitExit();
    control.softkill.removeEventListener('abort', onSoftkill);
    control.kill.removeEventListener('abort', onKill);
    this.log.info(`payload ${exit ? `ended with ${describeExit(exit)}` : 'did not end after SIGKILL; continuing without it'}`);
    // Read before settling: a `Ready for events` the dead payload left queued is answered
    // `No more events` while settling, which must not make an early death look like an end.
    const premature = !sup.cause && engine.counters.noMoreEvents === 0;
    source.stop('the payload has ended');
    await engine.settle(this.d.options.settleMs, Math.max(5000, this.d.options.settleMs * 10));
    const lost = await engine.failInFlight(ErrorCodes.ESATHENAMPDIED, sup.cause ? `payload stopped: ${sup.reason}` : `payload ended (${describeExit(exit)}) without reporting the range`);
    if (lost) this.log.warn(`${lost} range(s) in flight when the payload ended are reported failed`);
    await Promise.all((this.p.helpers ?? []).map((h) => h.stop()));
    await this.drain(engine, reporter);
    await channel.close();
    await served;
    const summary = tracker.summary();
    if (summary.pendingOutputs === 0 && summary.unreported === 0) await this.p.journal!.append({ t: 'closed', ts: Date.now() }).catch(() => undefined);
    const report = await this.p.experiment!.parseJobReport(this.ctx.workdir).catch(() => undefined);
    const code = sup.cause === 'kill' ? abortCode(control.kill.reason, ErrorCodes.PANDAKILL) : sup.cause === 'helper' ? this.helperFailure?.code : undefined;
    const termination = sup.cause ? { cause: sup.cause, reason: sup.reason ?? '', ...(code !== undefined ? { code } : {}) } : undefined;
    // The journal may have failed in a write nobody waited for (a lazily journaled `sent`), or
    // after the engine's last wait: a job whose records are broken ends with that error
    // (NOLOCALSPACE on a full disk) whatever else happened.
    const bookkeepingError = engine.failure ?? this.p.journal!.failure;
    const outcome = esJobOutcome({
      summary, startTime: this.startTime, premature,
      ...(bookkeepingError ? { bookkeepingError } : {}),
      ...(source.lastError ? { fetchError: source.lastError } : {}),
      ...(exit ? { exit } : {}), ...(termination ? { termination } : {}), ...(report ? { report } : {}),
    });
    this.log.info(`ES job ${outcome.state}: ${summary.finished} finished, ${summary.failed} failed, ${summary.fatal} fatal, ${summary.undispatched} not dispatched${outcome.pilotErrorCode ? `; ${outcome.pilotErrorCode} ${outcome.pilotErrorDiag}` : ''}`);
    return outcome;
  }

  /** Uploads and reports get `finalFlushS` together; what is left stays in the journal. */
  private async drain(engine: EsEngine, reporter: RangeReporter): Promise<void> {
    const deadline = Date.now() + this.d.options.finalFlushS * 1000;
    const timeout = new AbortController();
    await Promise.race([engine.stager.drain(), sleep(deadline - Date.now(), timeout.signal).catch(() => undefined)]);
    timeout.abort();
    this.uploadAbort.abort();
    // Aborted transfers end within a mover's abort handling; their outcome is journaled, so the
    // journal stays open until they did (bounded: a mover that ignores the abort is left behind).
    const settle = new AbortController();
    await Promise.race([engine.stager.settled(), sleep(this.d.settings.pilot.eventService.killGraceS * 1000, settle.signal).catch(() => undefined)]);
    settle.abort();
    await engine.quiesce();
    const left = await reporter.flush(Math.max(0, deadline - Date.now()));
    if (left) this.log.warn(`${left} range report(s) not acknowledged by the server; the range journal keeps them`);
  }

  private async recordFetched(ranges: readonly EventRange[]): Promise<readonly EventRange[]> {
    const fresh = await this.p.tracker!.addFetched(ranges);
    // Helpers (the Token Extractor) must know ranges before the payload asks for them.
    await Promise.all((this.p.helpers ?? []).map((h) => h.addRanges(fresh)));
    return fresh;
  }

  private softkill(why: string): void {
    this.p.engine?.stopDispatching(why);
    this.supervisor?.startGrace(this.d.settings.pilot.eventService.payloadGraceS * 1000, why);
  }

  /** Closes whatever setup or serving left open. Idempotent. */
  private async teardown(): Promise<void> {
    this.supervisor?.clear();
    this.p.reporter?.close();
    this.uploadAbort.abort();
    await Promise.all((this.p.helpers ?? []).map((h) => h.stop().catch(() => undefined)));
    await this.p.channel?.close().catch(() => undefined);
    await this.p.journal?.close().catch(() => undefined);
  }
}

function emptySummary() {
  return { fetched: 0, sent: 0, finished: 0, failed: 0, fatal: 0, nEvents: 0, nEventsFailed: 0, refused: 0, nEventsRefused: 0, lostOutputs: 0, unreported: 0, pendingOutputs: 0, inFlight: 0, undispatched: 0, cpuSeconds: 0 };
}
