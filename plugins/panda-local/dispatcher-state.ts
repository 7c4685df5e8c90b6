/**
 * The dispatcher's state machine: jobs, ranges and the logs, changed only through `apply`
 * so that the journal can replay every change exactly (all inputs, including the time, are
 * in the journal record). Job life and the ES close follow panda-server's
 * ppEventServiceJob (reference/pilot-anchors.md §1.4).
 */
import type { FormValue } from '../../core/index.js';
import {
  iso, type DispatchEntry, type DispatcherCounts, type DispatcherSnapshot, type JobKind, type JobRecord, type JobStatus, type JobUpdateEntry,
  type RangeRecord, type RangeUpdateEntry, type RegisteredFile, type TaskStatus,
} from './dispatcher-records.js';
import { runAdder } from './adder.js';
import { esJobDefinition, mergeJobDefinition, normalJobDefinition, outputLfnOf } from './job-factory.js';
import { getEventRanges, updateEventRange, updateEventRanges, type ZipFileReport } from './range-commands.js';
import { RangeBook } from './range-book.js';
import type { TaskSpec } from './task-spec.js';

/** A reply: StatusCode plus fields, encoded by the server as form or JSON. */
export type Reply = { StatusCode: number } & Record<string, FormValue>;

/** One state change as the journal stores it. */
export interface StateOp {
  readonly cmd: 'getJob' | 'getEventRanges' | 'updateEventRanges' | 'updateEventRange' | 'updateJob' | 'setCommand';
  readonly params: Readonly<Record<string, unknown>>;
}

/** Everything needed to rebuild the state: the snapshot file's content. */
export interface PersistedState {
  readonly version: 1;
  readonly task: TaskSpec;
  readonly nextId: number;
  readonly seq: number;
  readonly jobsetId: string;
  readonly taskStatus: TaskStatus;
  readonly taskReason?: string;
  readonly jobs: readonly JobRecord[];
  readonly ranges: readonly RangeRecord[];
  readonly dispatches: readonly DispatchEntry[];
  readonly rangeUpdates: readonly RangeUpdateEntry[];
  readonly jobUpdates: readonly JobUpdateEntry[];
  /** Absent in state files written before files were registered. */
  readonly files?: readonly RegisteredFile[];
}

const REPORTABLE = new Set(['starting', 'running', 'holding', 'transferring', 'finished', 'failed']);
const ENDED: ReadonlySet<JobStatus> = new Set(['finished', 'failed', 'closed', 'cancelled']);

export class DispatcherState {
  readonly jobs = new Map<string, JobRecord>();
  readonly book: RangeBook;
  readonly dispatches: DispatchEntry[];
  readonly rangeUpdates: RangeUpdateEntry[];
  readonly jobUpdates: JobUpdateEntry[];
  readonly files: RegisteredFile[];
  private nextId: number;
  private seq: number;
  readonly jobsetId: string;
  private taskStatus: TaskStatus;
  private taskReason: string | undefined;

  /** A fresh task (jobs created at `now`), or the state restored from a snapshot file. */
  constructor(readonly task: TaskSpec, now: number, restored?: PersistedState) {
    this.book = new RangeBook(task, restored?.ranges);
    this.dispatches = [...(restored?.dispatches ?? [])];
    this.rangeUpdates = [...(restored?.rangeUpdates ?? [])];
    this.jobUpdates = [...(restored?.jobUpdates ?? [])];
    this.files = [...(restored?.files ?? [])];
    this.nextId = restored?.nextId ?? task.firstPandaId;
    this.seq = restored?.seq ?? 0;
    this.taskStatus = restored?.taskStatus ?? 'running';
    this.taskReason = restored?.taskReason;
    for (const j of restored?.jobs ?? []) this.jobs.set(j.pandaId, j);
    this.jobsetId = restored?.jobsetId ?? String(this.nextId++);
    if (restored) return;
    if (task.eventService) for (let i = 0; i < task.consumers; i++) this.createJob('es', 1, 1, now);
    else task.inputFiles.forEach((_f, i) => this.createJob('normal', 1, i + 1, now));
  }

  /** Applies one change and returns the reply. Deterministic in (state, op, now). */
  apply(op: StateOp, now: number): Reply {
    switch (op.cmd) {
      case 'getJob': return this.getJob(now);
      case 'getEventRanges': return getEventRanges(this, op.params, now);
      case 'updateEventRanges': return updateEventRanges(this, op.params, now);
      case 'updateEventRange': return updateEventRange(this, op.params, now);
      case 'updateJob': return this.updateJob(op.params, now);
      case 'setCommand': return this.setCommand(String(op.params['pandaId']), String(op.params['command']));
    }
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** Hands out the oldest activated job; StatusCode 20 when there is none. */
  private getJob(now: number): Reply {
    for (const job of this.jobs.values()) {
      if (job.status !== 'activated') continue;
      job.status = 'sent';
      job.dispatchedAt = iso(now);
      return { StatusCode: 0, ...job.definition };
    }
    return { StatusCode: 20, errorDialog: 'no jobs in PanDA' };
  }

  private updateJob(params: Readonly<Record<string, unknown>>, now: number): Reply {
    const pandaId = String(params['jobId'] ?? '');
    const state = String(params['state'] ?? '');
    const job = this.jobs.get(pandaId);
    const log = (statusCode: number, outcome: JobUpdateEntry['outcome'], command?: string, reason?: string): void => {
      const code = Number(params['pilotErrorCode']);
      const who = (['pilotID', 'batchID'] as const).flatMap((k) => (typeof params[k] === 'string' && params[k] ? [[k, params[k]] as const] : []));
      this.jobUpdates.push({
        seq: this.nextSeq(), time: iso(now), pandaId, state, ...(Number.isSafeInteger(code) ? { pilotErrorCode: code } : {}), ...Object.fromEntries(who),
        statusCode, outcome, ...(command ? { command } : {}), ...(reason ? { reason } : {}),
      });
    };
    if (!job || !REPORTABLE.has(state)) {
      const reason = !job ? `unknown PandaID ${pandaId || '(none)'}` : `invalid state "${state}"`;
      log(30, 'rejected', undefined, reason);
      return { StatusCode: 30, errorDialog: reason };
    }
    if (ENDED.has(job.status)) {
      // The job is over: a repeated final report changes nothing; anything else is told to stop.
      const command = state === 'finished' || state === 'failed' ? 'NULL' : 'tobekilled';
      log(0, 'noop', command, `job already ${job.status}`);
      return { StatusCode: 0, command };
    }
    if (state !== 'finished' && state !== 'failed') {
      job.status = state as JobStatus;
      log(0, 'applied', job.command);
      return { StatusCode: 0, command: job.command ?? 'NULL' };
    }
    job.reportedState = state;
    job.endedAt = iso(now);
    const code = Number(params['pilotErrorCode']);
    if (Number.isSafeInteger(code) && code !== 0) job.pilotErrorCode = code;
    // panda-server keeps 500 characters of a diagnostic.
    if (typeof params['pilotErrorDiag'] === 'string' && params['pilotErrorDiag']) job.pilotErrorDiag = params['pilotErrorDiag'].slice(0, 500);
    const nEvents = Number(params['nEvents']);
    if (Number.isSafeInteger(nEvents) && nEvents >= 0) job.nEvents = nEvents;
    const ended = this.add(job, state, params, now);
    if (job.kind === 'es') this.closeEsJob(job, now);
    else this.closeOtherJob(job, ended, now);
    log(0, 'applied', undefined, job.ddmErrorDiag);
    return { StatusCode: 0, command: 'NULL' };
  }

  /**
   * The Adder: registers the files of the job's `xml` and returns the state the job ends in
   * (a finished job whose xml lacks an output ends failed with ddmErrorCode 200). For an
   * Event Service job the verdict is recorded; its close follows the ranges.
   */
  private add(job: JobRecord, state: 'finished' | 'failed', params: Readonly<Record<string, unknown>>, now: number): 'finished' | 'failed' {
    const d = job.definition;
    const list = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim()).filter((x) => x && x !== 'NULL');
    const log = d['logFile'];
    const outputs = list(d['outFiles']).filter((lfn) => lfn !== log);
    const code = (v: unknown): number => (Number.isSafeInteger(Number(v)) ? Number(v) : 0);
    const xml = typeof params['xml'] === 'string' ? params['xml'] : '';
    const verdict = runAdder(
      { outputs, ...(log ? { log } : {}), inputs: list(d['inFiles']), eventService: job.kind === 'es', merge: job.kind === 'merge' },
      state, xml, { pilotErrorCode: code(params['pilotErrorCode']), transExitCode: code(params['transExitCode']) },
    );
    for (const f of verdict.files) {
      this.files.push({
        lfn: f.lfn, type: f.type, pandaId: job.pandaId, guid: f.guid, time: iso(now),
        ...(f.fsize !== undefined ? { fsize: f.fsize } : {}), ...(f.checksum ? { checksum: f.checksum } : {}), ...(f.surl ? { surl: f.surl } : {}),
        ...(f.dataset ? { dataset: f.dataset } : {}), ...(f.endpoint ? { endpoint: f.endpoint } : {}),
      });
    }
    if (!verdict.ok && verdict.ddmErrorCode !== undefined) {
      job.ddmErrorCode = verdict.ddmErrorCode;
      job.ddmErrorDiag = verdict.ddmErrorDiag!;
    }
    return state === 'finished' && (verdict.ok || job.kind === 'es') ? 'finished' : 'failed';
  }

  /** A version-1/2 range update's zip file, once per LFN (OraDBProxy inserts it as `zipoutput`). */
  registerZip(zip: ZipFileReport, pandaId: string, now: number): void {
    if (this.files.some((f) => f.type === 'zipoutput' && f.lfn === zip.lfn)) return;
    this.files.push({
      lfn: zip.lfn, type: 'zipoutput', pandaId, objstoreId: zip.objstoreId, time: iso(now),
      ...(zip.fsize !== undefined ? { fsize: zip.fsize } : {}), ...(zip.adler32 ? { checksum: `ad:${zip.adler32}` } : {}),
      ...(zip.pathConvention !== undefined ? { pathConvention: zip.pathConvention } : {}),
    });
  }

  /** A range's output, registered by its applied `finished` report. */
  registerRangeOutput(range: RangeRecord, report: { eventRangeId: string; objstoreId?: number | string; pathConvention?: number | string }, pandaId: string, now: number): void {
    const job = this.jobs.get(pandaId);
    this.files.push({
      lfn: `${outputLfnOf(this.task, job?.jobsetId ?? this.jobsetId)}.${report.eventRangeId}`, type: 'es-output', pandaId, time: iso(now),
      rangeKey: range.key, eventRangeId: report.eventRangeId,
      ...(report.objstoreId !== undefined ? { objstoreId: report.objstoreId } : {}), ...(report.pathConvention !== undefined ? { pathConvention: report.pathConvention } : {}),
    });
  }

  /** ppEventServiceJob: release the consumer's ranges, then retry, wait, merge or fail. */
  private closeEsJob(job: JobRecord, now: number): void {
    const released = this.book.release(job.pandaId);
    job.status = 'closed';
    const c = this.book.counts();
    const pending = c.ready + c.sent + c.running + c.finished + (c.failed - c.exhausted);
    if (pending === 0) {
      this.killUnusedConsumers(job, now);
      if (c.exhausted > 0) {
        this.close(job, 114, `${c.exhausted} range(s) ran out of attempts`);
        this.setTask('failed', `${c.exhausted} range(s) ran out of attempts`);
      } else {
        this.close(job, 112, 'all ranges done: merge job generated');
        this.createJob('merge', 1, 1, now);
        this.setTask('merging');
      }
    } else if (c.ready > 0 && !this.hasActiveConsumer(job.jobsetId)) {
      this.close(job, 111, `${released.retried} range(s) released for a new consumer`);
      this.createJob('es', job.attemptNr + 1, 1, now);
    } else {
      this.close(job, 115, 'other consumers still hold ranges');
    }
  }

  private closeOtherJob(job: JobRecord, state: 'finished' | 'failed', now: number): void {
    job.status = state as JobStatus;
    const kind = job.kind;
    if (state === 'finished') {
      const open = [...this.jobs.values()].some((j) => j.kind === kind && !ENDED.has(j.status));
      if (kind === 'merge' || !open) this.setTask('done');
      return;
    }
    if (job.attemptNr < this.task.maxAttempts) {
      this.createJob(kind, job.attemptNr + 1, job.serial, now);
    } else {
      this.setTask('failed', `${kind} job ${job.pandaId} failed ${job.attemptNr} time(s)`);
    }
  }

  private killUnusedConsumers(closing: JobRecord, now: number): void {
    for (const j of this.jobs.values()) {
      if (j === closing || j.kind !== 'es' || ENDED.has(j.status)) continue;
      j.status = 'cancelled';
      j.endedAt = iso(now);
      j.command = 'tobekilled';
      this.close(j, 116, `unused consumer killed after ${closing.pandaId} closed the jobset`);
    }
  }

  private hasActiveConsumer(jobsetId: string): boolean {
    for (const j of this.jobs.values()) if (j.kind === 'es' && j.jobsetId === jobsetId && !ENDED.has(j.status)) return true;
    return false;
  }

  private close(job: JobRecord, code: number, reason: string): void {
    job.closeCode = code;
    job.closeReason = reason;
  }

  private setTask(status: TaskStatus, reason?: string): void {
    this.taskStatus = status;
    this.taskReason = reason;
  }

  private createJob(kind: JobKind, attemptNr: number, serial: number, now: number): JobRecord {
    const id = { pandaId: String(this.nextId++), jobsetId: this.jobsetId, attemptNr, serial };
    const definition =
      kind === 'es' ? esJobDefinition(this.task, id)
        : kind === 'merge' ? mergeJobDefinition(this.task, id, this.registeredRangeOutputs())
          : normalJobDefinition(this.task, id, this.task.inputFiles[serial - 1]!);
    const job: JobRecord = { ...id, kind, status: 'activated', createdAt: iso(now), definition };
    this.jobs.set(job.pandaId, job);
    return job;
  }

  /**
   * The merge job's inputs: the registered range outputs whose range is done under the ID it
   * finished with, in range order.
   */
  private registeredRangeOutputs(): string[] {
    const done = new Map([...this.book.all()].filter((r) => r.status === 'done').map((r) => [r.key, r]));
    const picked = this.files.filter((f) => f.type === 'es-output' && done.get(f.rangeKey!)?.report?.eventRangeId === f.eventRangeId);
    const order = (f: RegisteredFile): [number, number] => [done.get(f.rangeKey!)!.fileId, done.get(f.rangeKey!)!.processId];
    return picked.sort((a, b) => order(a)[0] - order(b)[0] || order(a)[1] - order(b)[1]).map((f) => f.lfn);
  }

  /** Queues a back-channel command for a job until it ends. */
  private setCommand(pandaId: string, command: string): Reply {
    const job = this.jobs.get(pandaId);
    if (!job) return { StatusCode: 30, errorDialog: `unknown PandaID ${pandaId}` };
    job.command = command;
    return { StatusCode: 0 };
  }

  /** The content of the snapshot file (live objects: serialise, do not keep). */
  persisted(): PersistedState {
    return {
      version: 1, task: this.task, nextId: this.nextId, seq: this.seq, jobsetId: this.jobsetId,
      taskStatus: this.taskStatus, ...(this.taskReason ? { taskReason: this.taskReason } : {}),
      jobs: [...this.jobs.values()], ranges: [...this.book.all()],
      dispatches: this.dispatches, rangeUpdates: this.rangeUpdates, jobUpdates: this.jobUpdates, files: this.files,
    };
  }

  /** Range counts and job states without copying the state (see DispatcherCounts): O(jobs), never O(ranges). */
  counts(): DispatcherCounts {
    const jobs = [...this.jobs.values()].map((j) => ({
      pandaId: j.pandaId, kind: j.kind, attemptNr: j.attemptNr, status: j.status,
      ...(j.closeReason ? { closeReason: j.closeReason } : {}), ...(j.pilotErrorDiag ? { pilotErrorDiag: j.pilotErrorDiag } : {}),
    }));
    return { task: { status: this.taskStatus, counts: this.book.counts() }, ranges: this.book.size, failedAttempts: this.book.failedAttempts, jobs };
  }

  /** A deep copy of the whole state for inspection. */
  snapshot(now: number): DispatcherSnapshot {
    const p = this.persisted();
    return JSON.parse(JSON.stringify({
      version: 1,
      time: iso(now),
      task: {
        taskId: this.task.taskId, eventService: this.task.eventService, status: this.taskStatus, jobsetId: this.jobsetId,
        outputLfn: outputLfnOf(this.task, this.jobsetId), ...(this.taskReason ? { reason: this.taskReason } : {}),
        counts: this.book.counts(),
      },
      jobs: p.jobs, ranges: p.ranges, dispatches: p.dispatches, rangeUpdates: p.rangeUpdates, jobUpdates: p.jobUpdates, files: p.files,
    })) as DispatcherSnapshot;
  }
}
