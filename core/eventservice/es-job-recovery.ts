/**
 * Finishes an ES job whose pilot died, from its range journal: outcomes decided but not
 * acknowledged are sent again exactly as recorded; stored ranges are finished; outputs the
 * payload reported but the pilot never stored are uploaded with the same destinations,
 * names and checks as the live run, then reported. Ranges still in flight or never
 * dispatched are left to the server, which releases them when the job's final update comes.
 * Every step is journaled first, so recovery itself can be interrupted and repeated. The
 * payload the dead pilot left running (every process group the runner recorded: one, or one
 * per instance of an hpc-event job) is stopped first. Same for every RunJob built on
 * `EsJobRun`: what differs between them (channels, launch) is over once the pilot is dead.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Experiment } from '../contracts/experiment.js';
import type { JobOutcome, RunJobContext } from '../contracts/run-job.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError, toPilotError } from '../errors/pilot-error.js';
import type { EsJobDeps } from './es-job-run.js';
import { JOURNAL_FILE } from './journal-records.js';
import { pendingWork, readRangeJournal } from './journal-reader.js';
import { stopLeftoverPayload } from './leftover-payload.js';
import { OutputNamer } from './output-namer.js';
import { RangeJournal } from './range-journal.js';
import { RangeReporter } from './range-reporter.js';
import { RangeTracker } from './range-tracker.js';
import { withEsJobLog } from './es-job-log.js';
import { rangeUpdateOf, storageIdOfDestinations, type StorageIdOf } from './range-update.js';
import { StageOutQueue } from './stage-out-queue.js';

export interface EsRecoverySummary {
  readonly resent: number;
  readonly finishedStored: number;
  readonly uploaded: number;
  readonly uploadFailed: number;
  readonly leftToServer: number;
  readonly unacknowledged: number;
}

/**
 * @throws PilotError COMMUNICATIONFAILURE (recoverable) when reports stay unacknowledged:
 *   the journal keeps them and a later recovery sends them again.
 */
export async function recoverEsJob(d: EsJobDeps, ctx: RunJobContext): Promise<JobOutcome> {
  const startTime = Date.now();
  const log = d.log.child(`recover-${ctx.job.pandaId}`);
  await stopLeftoverPayload(ctx.workdir, log);
  const path = join(ctx.workdir, JOURNAL_FILE);
  if (!existsSync(path)) {
    return withEsJobLog(outcome('failed', ErrorCodes.KILLSIGNAL, 'the pilot died before the ES job recorded any range; all ranges are left to the server', startTime, 0), ctx, [], d.secrets.scrubEnv(process.env), log);
  }
  const snap = await readRangeJournal(path);
  const journal = await RangeJournal.reopen(path);
  const tracker = RangeTracker.fromSnapshot(snap, journal, log);
  const work = pendingWork(snap);
  const { settings, resolver, options } = d;
  const server = settings.pilot.server;
  const es = settings.pilot.eventService;
  const reporter = new RangeReporter({
    send: (updates) => d.panda.updateEventRanges(updates, ctx.job.pandaId),
    onResult: async (acked, rejected) => tracker.markReported(acked, rejected),
    onCommands: (cmds) => ctx.control.applyServerCommands(cmds, log),
    batchSize: es.reportBatchSize, intervalMs: es.reportIntervalMs, backoffBaseMs: server.backoffBaseMs, backoffMaxMs: server.backoffMaxMs,
    log,
  });
  // The same objstoreID as the live job's report (none when the store cannot be bound now).
  let idOf: StorageIdOf | undefined;
  try { idOf = storageIdOfDestinations(ctx.binding.es()); } catch { idOf = undefined; }
  let uploaded = 0;
  let uploadFailed = 0;
  let finishedStored = 0;
  try {
    for (const s of work.report) reporter.enqueue(rangeUpdateOf(s.range.id, s.outcome!, s, idOf));
    for (const s of work.stored) {
      if (await tracker.decide(s.range.id, { status: 'finished' })) {
        finishedStored++;
        reporter.enqueue(rangeUpdateOf(s.range.id, { status: 'finished' }, tracker.get(s.range.id), idOf));
      }
    }
    if (work.upload.length) {
      const experiment = resolver.get<Experiment>(Experiment, settings.pilot.experiment);
      const namer = new OutputNamer({
        workdir: ctx.workdir, outputLfns: snap.job.outputLfns, objectName: (lfn, id) => experiment.esOutputName(lfn, id),
        allowOutsideWorkdir: options.allowOutputsOutsideWorkdir,
      });
      const decideAndReport = async (id: string, status: 'finished' | 'failed', code?: number, diag?: string) => {
        const o = { status, ...(code !== undefined ? { code } : {}), ...(diag ? { diag } : {}) };
        reporter.enqueue(rangeUpdateOf(id, o, tracker.get(id), idOf));
      };
      const stager = new StageOutQueue({
        concurrency: es.stageOutConcurrency, ...ctx.binding.es(log), log,
        onStored: async (id, objects) => {
          if (await tracker.finishStored(id, objects)) {
            uploaded++;
            await decideAndReport(id, 'finished');
          }
        },
        onFailed: async (id, err) => {
          const diag = `${err.codeName} ${err.diagnostic}`.slice(0, 250);
          if (await tracker.decide(id, { status: 'failed', code: ErrorCodes.STAGEOUTFAILED, diag })) {
            uploadFailed++;
            await decideAndReport(id, 'failed', ErrorCodes.STAGEOUTFAILED, diag);
          }
        },
      });
      for (const s of work.upload) {
        try {
          stager.push({ rangeId: s.range.id, files: await namer.filesFor(s.range.id, s.outputs?.paths ?? []) });
        } catch (err) {
          const e = toPilotError(err, ErrorCodes.MISSINGOUTPUTFILE);
          if (await tracker.decide(s.range.id, { status: 'failed', code: e.code, diag: e.diagnostic })) {
            uploadFailed++;
            await decideAndReport(s.range.id, 'failed', e.code, e.diagnostic);
          }
        }
      }
      await stager.drain();
    }
    const left = await reporter.flush(options.finalFlushS * 1000);
    const summary: EsRecoverySummary = {
      resent: work.report.length, finishedStored, uploaded, uploadFailed,
      leftToServer: work.inFlight.length + work.undispatched.length, unacknowledged: left,
    };
    log.info(`recovered ES job ${ctx.job.pandaId}: ${JSON.stringify(summary)}`);
    if (left) {
      throw new PilotError(ErrorCodes.COMMUNICATIONFAILURE, `${left} range report(s) of job ${ctx.job.pandaId} still unacknowledged; the journal keeps them for the next recovery`, { recoverable: true });
    }
    await journal.append({ t: 'closed', ts: Date.now() });
    const t = tracker.summary();
    const result = uploadFailed
      ? outcome('failed', ErrorCodes.STAGEOUTFAILED, `recovered after a pilot death: ${uploadFailed} output(s) could not be stored`, startTime, t.nEvents)
      : t.refused
        ? outcome('failed', ErrorCodes.ESMESSAGESERVER, `the server refused the final status of ${t.refused} range(s) (${t.nEventsRefused} event(s)); they are not counted`, startTime, t.nEvents)
        : outcome('finished', 0, '', startTime, t.nEvents);
    // The dead pilot stored no log (it is made last): this one does, as the live runner would.
    return await withEsJobLog(result, ctx, tracker.outputPaths(), d.secrets.scrubEnv(process.env), log);
  } finally {
    reporter.close();
    await journal.close();
  }
}

function outcome(state: 'finished' | 'failed', code: number, diag: string, startTime: number, nEvents: number): JobOutcome {
  return { state, pilotErrorCode: code, pilotErrorDiag: diag, transExitCode: 0, nEvents, cpuConsumptionTime: 0, startTime, endTime: Date.now() };
}
