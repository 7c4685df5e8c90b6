/**
 * Finishes an ES job whose pilot died, from its range journal: outcomes decided but not
 * acknowledged are sent again exactly as recorded; stored ranges are finished; outputs the
 * payload reported but the pilot never stored are uploaded with the same destinations,
 * names and checks as the live run, then reported. The journal is checked line by line as it
 * is read (journal-validation.ts) and must be this job's; a range is reported finished from it
 * only after its stored objects were found in storage as recorded (stored-object-check.ts):
 * one that is missing, changed or outside the job's ES destination is reported failed
 * (STAGEOUTFAILED, as an upload that failed), never re-uploaded from a journal's word. Ranges still in flight or never
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
import type { EsDestinations } from '../contracts/job-binding.js';
import type { EsJobDeps } from './es-job-run.js';
import { JOURNAL_FILE, applyJournalRecord, type JournalRecord, type RangeOutcome, type RangeState } from './journal-records.js';
import { pendingWork, replayRangeJournal } from './journal-reader.js';
import { stopLeftoverPayload } from './leftover-payload.js';
import { OutputNamer } from './output-namer.js';
import { RangeJournal } from './range-journal.js';
import { RangeReporter } from './range-reporter.js';
import { RangeTracker } from './range-tracker.js';
import { withEsJobLog } from './es-job-log.js';
import { rangeUpdateOf, storageIdOfDestinations, type StorageIdOf } from './range-update.js';
import { StageOutQueue } from './stage-out-queue.js';
import { checkStoredObjects, type StoredCheckOptions } from './stored-object-check.js';

export interface EsRecoverySummary {
  readonly resent: number;
  readonly finishedStored: number;
  readonly uploaded: number;
  readonly uploadFailed: number;
  /** Ranges the journal says are stored whose objects are missing, changed or outside the destination: reported failed. */
  readonly unverified: number;
  readonly leftToServer: number;
  readonly unacknowledged: number;
}

/**
 * @throws PilotError FILEHANDLINGFAILURE (1303) when the journal is corrupt, torn anywhere
 *   but its last line, or another job's (nothing is reported: the job fails and the server
 *   re-dispatches its ranges); COMMUNICATIONFAILURE (recoverable) when reports stay
 *   unacknowledged, or the storage's recoverable error when it cannot be asked whether the
 *   stored objects are there: nothing was reported, a later recovery tries again.
 */
export async function recoverEsJob(d: EsJobDeps, ctx: RunJobContext): Promise<JobOutcome> {
  const startTime = Date.now();
  const log = d.log.child(`recover-${ctx.job.pandaId}`);
  await stopLeftoverPayload(ctx.workdir, log);
  const path = join(ctx.workdir, JOURNAL_FILE);
  if (!existsSync(path)) {
    return withEsJobLog(outcome('failed', ErrorCodes.KILLSIGNAL, 'the pilot died before the ES job recorded any range; all ranges are left to the server', startTime, 0), ctx, [], d.secrets.scrubEnv(process.env), log);
  }
  const outputLfns = ctx.job.outputFiles.map((f) => f.lfn);
  const snap = await replayRangeJournal(path, { pandaId: ctx.job.pandaId, workdir: ctx.workdir, outputLfns });
  if (snap.checkpoint && 'refused' in snap.checkpoint) log.warn(`range journal ${path}: its checkpoint is not used (${snap.checkpoint.refused}); read the whole journal`);
  if (snap.tornLine !== undefined) log.warn(`range journal ${path}: line ${snap.tornLine} was cut short when the pilot died; ignored (nothing was acted on for it)`);
  const work = pendingWork(snap);
  const { settings, resolver, options } = d;
  const server = settings.pilot.server;
  const es = settings.pilot.eventService;
  const experiment = resolver.get<Experiment>(Experiment, settings.pilot.experiment);
  let destinations: EsDestinations | undefined;
  const esDestinations = () => (destinations ??= ctx.binding.es(log));
  // Nothing is reported finished from the journal alone: its stored objects are checked first.
  const toCheck = [...work.report.filter((s) => s.outcome?.status === 'finished'), ...work.stored];
  const unverified = toCheck.length === 0 ? new Map<string, string>() : await checkStored(toCheck, {
    destinations: esDestinations(),
    objectNames: (id) => new Set(outputLfns.map((lfn) => experiment.esOutputName(lfn, id))),
  }, es.stageOutConcurrency);
  for (const [id, why] of unverified) log.error(`range ${id} is not reported finished: ${why}`);
  // The same objstoreID as the live job's report (none when the store cannot be bound now).
  let idOf: StorageIdOf | undefined;
  try { idOf = storageIdOfDestinations(esDestinations()); } catch { idOf = undefined; }
  const journal = await RangeJournal.reopen(path, snap, { syncs: d.resolver.syncs });
  let reporter: RangeReporter | undefined;
  let uploaded = 0;
  let uploadFailed = 0;
  let finishedStored = 0;
  try {
    // An unacknowledged `finished` that does not check out is revoked, durably, before anything is sent.
    const ts = Date.now();
    const revoked: JournalRecord[] = work.report.filter((s) => unverified.has(s.range.id)).map((s) => ({ t: 'final', ts, id: s.range.id, outcome: lostOutput(unverified.get(s.range.id)!) }));
    await journal.appendAll(revoked);
    const states = new Map([...snap.ranges].map(([id, s]) => [id, { ...s }]));
    for (const r of revoked) applyJournalRecord(states, r);
    const tracker = RangeTracker.fromSnapshot({ ...snap, ranges: states }, journal, log);
    const rep = (reporter = new RangeReporter({
      send: (updates) => d.panda.updateEventRanges(updates, ctx.job.pandaId),
      onResult: async (acked, rejected) => tracker.markReported(acked, rejected),
      onCommands: (cmds) => ctx.control.applyServerCommands(cmds, log),
      batchSize: es.reportBatchSize, intervalMs: es.reportIntervalMs, backoffBaseMs: server.backoffBaseMs, backoffMaxMs: server.backoffMaxMs,
      log,
    }));
    const decideAndReport = async (id: string, o: RangeOutcome) => {
      if (!(await tracker.decide(id, o))) return false;
      rep.enqueue(rangeUpdateOf(id, o, tracker.get(id), idOf));
      return true;
    };
    for (const s of work.report) {
      const now = tracker.get(s.range.id)!;
      rep.enqueue(rangeUpdateOf(s.range.id, now.outcome!, now, idOf));
    }
    for (const s of work.stored) {
      const why = unverified.get(s.range.id);
      if (why !== undefined) await decideAndReport(s.range.id, lostOutput(why));
      else if (await decideAndReport(s.range.id, { status: 'finished' })) finishedStored++;
    }
    if (work.upload.length) {
      const namer = new OutputNamer({
        workdir: ctx.workdir, outputLfns: snap.job.outputLfns, objectName: (lfn, id) => experiment.esOutputName(lfn, id),
        allowOutsideWorkdir: options.allowOutputsOutsideWorkdir,
      });
      const stager = new StageOutQueue({
        concurrency: es.stageOutConcurrency, ...esDestinations(), log,
        onStored: async (id, objects) => {
          if (await tracker.finishStored(id, objects)) {
            uploaded++;
            rep.enqueue(rangeUpdateOf(id, { status: 'finished' }, tracker.get(id), idOf));
          }
        },
        onFailed: async (id, err) => {
          if (await decideAndReport(id, { status: 'failed', code: ErrorCodes.STAGEOUTFAILED, diag: `${err.codeName} ${err.diagnostic}`.slice(0, 250) })) uploadFailed++;
        },
      });
      for (const s of work.upload) {
        try {
          stager.push({ rangeId: s.range.id, files: await namer.filesFor(s.range.id, s.outputs?.paths ?? []) });
        } catch (err) {
          const e = toPilotError(err, ErrorCodes.MISSINGOUTPUTFILE);
          if (await decideAndReport(s.range.id, { status: 'failed', code: e.code, diag: e.diagnostic })) uploadFailed++;
        }
      }
      await stager.drain();
    }
    const left = await rep.flush(options.finalFlushS * 1000);
    const summary: EsRecoverySummary = {
      resent: work.report.length, finishedStored, uploaded, uploadFailed, unverified: unverified.size,
      leftToServer: work.inFlight.length + work.undispatched.length, unacknowledged: left,
    };
    log.info(`recovered ES job ${ctx.job.pandaId}: ${JSON.stringify(summary)}`);
    if (left) {
      throw new PilotError(ErrorCodes.COMMUNICATIONFAILURE, `${left} range report(s) of job ${ctx.job.pandaId} still unacknowledged; the journal keeps them for the next recovery`, { recoverable: true });
    }
    await journal.append({ t: 'closed', ts: Date.now() });
    const t = tracker.summary();
    const lost = uploadFailed + unverified.size;
    const result = lost
      ? outcome('failed', ErrorCodes.STAGEOUTFAILED, `recovered after a pilot death: ${lost} output(s) could not be stored${unverified.size ? ` (${unverified.size} no longer verifiable in storage)` : ''}`, startTime, t.nEvents)
      : t.refused
        ? outcome('failed', ErrorCodes.ESMESSAGESERVER, `the server refused the final status of ${t.refused} range(s) (${t.nEventsRefused} event(s)); they are not counted`, startTime, t.nEvents)
        : outcome('finished', 0, '', startTime, t.nEvents);
    // The dead pilot stored no log (it is made last): this one does, as the live runner would.
    return await withEsJobLog(result, ctx, tracker.outputPaths(), d.secrets.scrubEnv(process.env), log);
  } finally {
    reporter?.close();
    await journal.close();
  }
}

/** A range the journal says is stored, not found as recorded: its output is lost (as an upload that failed). */
function lostOutput(why: string): RangeOutcome {
  return { status: 'failed', code: ErrorCodes.STAGEOUTFAILED, diag: `stored output not verified: ${why}`.slice(0, 250) };
}

/**
 * Checks the stored objects of each range, `concurrency` ranges at a time.
 * @returns why, for each range that did not check out.
 * @throws the storage's recoverable PilotError when it could not be asked.
 */
async function checkStored(ranges: readonly Readonly<RangeState>[], check: StoredCheckOptions, concurrency: number): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  let next = 0;
  const worker = async () => {
    while (next < ranges.length) {
      const s = ranges[next++]!;
      const why = await checkStoredObjects(s.range.id, s.stored ?? [], check);
      if (why !== undefined) failed.set(s.range.id, why);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, ranges.length)) }, worker));
  return failed;
}

function outcome(state: 'finished' | 'failed', code: number, diag: string, startTime: number, nEvents: number): JobOutcome {
  return { state, pilotErrorCode: code, pilotErrorDiag: diag, transExitCode: 0, nEvents, cpuConsumptionTime: 0, startTime, endTime: Date.now() };
}
