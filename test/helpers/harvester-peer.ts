/**
 * Harvester's side of the shared-file protocol, for tests, written from HSF/harvester
 * (`harvestermessenger/shared_file_messenger.py`, `harvesterbody/event_feeder.py`,
 * `harvesterbody/monitor.py`, the [payload_interaction] names of panda_harvester.cfg). It sits
 * between the pilot's files and a PanDA server (the embedded dispatcher) the way Harvester does:
 *
 * - places the job as `{PandaID: {job fields}}` (feed_jobs), written in place, not atomically;
 *   on `worker_requestjob.json` places the next one and then removes the request;
 * - one monitor cycle, in Harvester's order: the kill file (kill_requested), the worker
 *   attributes and job report (get_work_attributes), the dump (get_files_to_stage_out: a
 *   `.read` first, else rename the dump to `.read`; entries with a path are files, the others
 *   events; events go to `worker_updateevents.json` via `.new` + rename; an empty dump's
 *   `.read` is removed), the update file (events_to_update: rename to `.read`, read), the
 *   event request (events_requested); then the events go to PanDA and both `.read` files are
 *   acknowledged by renaming them to `.read.<timestamp>`;
 * - the event feeder, on its own cycle: asks PanDA for the requested ranges, writes
 *   `JobsEventRanges.json` in place in two pieces (so a reader that does not wait for the
 *   request's removal sees a torn file), then removes the request file.
 *
 * Where Harvester would log and skip what it cannot parse, the peer records a problem, so a
 * test fails on anything Harvester would have dropped. It also records a pilot writing
 * `worker_updateevents.json`, which only Harvester may write.
 */
import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getJobForm, isPlainObject, type PandaClient } from '../../core/index.js';

export interface HarvesterPeerFiles {
  readonly jobSpec: string;
  readonly jobRequest: string;
  readonly eventRequest: string;
  readonly eventRanges: string;
  readonly eventStatusDump: string;
  readonly updateEvents: string;
  readonly workerAttributes: string;
  readonly jobReport: string;
  readonly killWorker: string;
}

/** Harvester's defaults (base_messenger.py and the template), except the job file: pilot3's `pandaJobData.out`. */
export const HARVESTER_PEER_FILES: HarvesterPeerFiles = {
  jobSpec: 'pandaJobData.out', jobRequest: 'worker_requestjob.json', eventRequest: 'worker_requestevents.json',
  eventRanges: 'JobsEventRanges.json', eventStatusDump: 'event_status.dump.json', updateEvents: 'worker_updateevents.json',
  workerAttributes: 'worker_attributes.json', jobReport: 'jobReport.json', killWorker: 'kill_worker.json',
};

export interface HarvesterPeerOptions {
  readonly accessPoint: string;
  /** Harvester's PanDA connection. */
  readonly panda: PandaClient;
  readonly siteName: string;
  readonly files?: Partial<HarvesterPeerFiles>;
  /** Between monitor cycles (Harvester's are minutes apart, so the pilot usually writes to an unread dump). */
  readonly monitorMs: number;
  /** Between event-feeder cycles; also the pause inside a ranges file write. */
  readonly feederMs: number;
  /** How many jobs it may place (the first at start). */
  readonly jobs?: number;
}

export interface ForwardedEvent { readonly pandaId: string; readonly eventRangeID: string; readonly eventStatus: string }
export interface StagedFile { readonly pandaId: string; readonly type: string; readonly path: string; readonly fsize: number; readonly chksum: string; readonly guid: string }

export class HarvesterPeer {
  readonly files: HarvesterPeerFiles;
  /** What Harvester could not have parsed, or the pilot must not do. */
  readonly problems: string[] = [];
  /** Events in the order Harvester sent them to PanDA. */
  readonly forwarded: ForwardedEvent[] = [];
  readonly staged: StagedFile[] = [];
  readonly jobsPlaced: string[] = [];
  /** Every worker_attributes.json seen (parsed). */
  readonly attributes: Record<string, unknown>[] = [];
  jobReport: Record<string, unknown> | undefined;
  killRequested = false;
  rangeFeeds = 0;
  /** WorkSpec.eventsRequest: the monitor reads a request only while the worker uses events (EV_useEvents). */
  private eventsRequest: 'useEvents' | 'requestEvents' = 'useEvents';
  private requestParams: Record<string, Record<string, unknown>> | undefined;
  private lastAttributes = '';
  private stopped = false;
  private readonly loops: Promise<void>[] = [];

  private constructor(private readonly o: HarvesterPeerOptions) {
    this.files = { ...HARVESTER_PEER_FILES, ...o.files };
  }

  /** Places the first job and starts the monitor and event-feeder cycles. */
  static async start(o: HarvesterPeerOptions): Promise<HarvesterPeer> {
    const peer = new HarvesterPeer(o);
    if (!(await peer.placeJob())) throw new Error('the PanDA server has no job for the Harvester peer to place');
    peer.loops.push(peer.cycle(() => peer.monitor(), o.monitorMs), peer.cycle(() => peer.feedEvents(), o.feederMs));
    return peer;
  }

  path(name: keyof HarvesterPeerFiles): string {
    return join(this.o.accessPoint, this.files[name]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  /** After stop(): one more monitor cycle (what Harvester does after the worker ended). */
  finalCycle(): Promise<void> {
    return this.monitor();
  }

  private async cycle(step: () => Promise<void>, everyMs: number): Promise<void> {
    while (!this.stopped) {
      try {
        await step();
      } catch (err) {
        this.problems.push(`peer cycle failed: ${(err as Error).stack ?? String(err)}`);
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  private async placeJob(): Promise<boolean> {
    if (this.jobsPlaced.length >= (this.o.jobs ?? 1)) return false;
    const reply = await this.o.panda.call('getJob', getJobForm({ siteName: this.o.siteName }));
    if (reply.statusCode !== 0) return false;
    const { StatusCode: _s, ...job } = reply.fields as Record<string, unknown>;
    const pandaId = String(job['PandaID']);
    // feed_jobs: open(…, "w") + json.dump, then the request (if any) is removed.
    await writeFile(this.path('jobSpec'), JSON.stringify({ [pandaId]: job }));
    await rm(this.path('jobRequest'), { force: true });
    this.jobsPlaced.push(pandaId);
    return true;
  }

  private async monitor(): Promise<void> {
    if (await present(this.path('updateEvents'))) this.problems.push(`${this.files.updateEvents} exists at the start of a cycle: someone other than Harvester wrote it`);
    if (await present(this.path('killWorker'))) this.killRequested = true;
    await this.readAttributes();
    const events = await this.filesToStageOut();
    const updates = await this.eventsToUpdate();
    await this.jobRequested();
    if (this.eventsRequest === 'useEvents') {
      const request = await this.json(this.path('eventRequest'), 'event request');
      const params = request === undefined ? undefined : this.checkEventRequest(request);
      if (params) {
        this.requestParams = params;
        this.eventsRequest = 'requestEvents';
      }
    }
    // The DB update, then the ACK (even when the DB update failed, monitor.py L458-484); then PanDA.
    if (events || updates.length) await this.acknowledge();
    for (const e of updates) this.forwarded.push(e);
    const byJob = new Map<string, ForwardedEvent[]>();
    for (const e of updates) byJob.set(e.pandaId, [...(byJob.get(e.pandaId) ?? []), e]);
    for (const [pandaId, list] of byJob) {
      await this.o.panda.updateEventRanges(list.map((e) => ({ eventRangeId: e.eventRangeID, eventStatus: e.eventStatus as 'finished' })), pandaId);
    }
  }

  private async readAttributes(): Promise<void> {
    const text = await readFile(this.path('workerAttributes'), 'utf8').catch(() => undefined);
    if (text !== undefined && text !== this.lastAttributes) {
      this.lastAttributes = text;
      const doc = this.parse(text, this.files.workerAttributes);
      if (doc !== undefined) {
        if (!isPlainObject(doc) || typeof doc['jobStatus'] !== 'string') this.problems.push(`${this.files.workerAttributes}: no jobStatus in ${text.slice(0, 200)}`);
        else {
          for (const k of ['xml', 'inputfiles', 'outputfiles']) if (k in doc) this.problems.push(`${this.files.workerAttributes} carries ${k}`);
          this.attributes.push(doc);
        }
      }
    }
    const report = await this.json(this.path('jobReport'), 'job report');
    if (report !== undefined) {
      if (!isPlainObject(report)) this.problems.push(`${this.files.jobReport} is not an object`);
      else this.jobReport = report;
    }
  }

  /** get_files_to_stage_out. @returns whether a dump was taken. */
  private async filesToStageOut(): Promise<boolean> {
    const dump = this.path('eventStatusDump');
    const read = `${dump}.read`;
    if (!(await present(read))) {
      if (!(await present(dump))) return false;
      await rename(dump, read);
    }
    const doc = this.parse(await readFile(read, 'utf8'), `${this.files.eventStatusDump}.read`);
    let nData = 0;
    const events: Record<string, { eventRangeID: unknown; eventStatus: unknown }[]> = {};
    if (isPlainObject(doc)) {
      for (const [pandaId, list] of Object.entries(doc)) {
        if (!/^\d+$/.test(pandaId)) this.problems.push(`dump key ${JSON.stringify(pandaId)} is not an integer PandaID`);
        if (!Array.isArray(list)) { this.problems.push(`dump[${pandaId}] is not a list`); continue; }
        for (const e of list as unknown[]) {
          nData++;
          if (!isPlainObject(e)) { this.problems.push(`dump[${pandaId}] entry is not an object`); continue; }
          if ('path' in e) {
            if (typeof e['type'] !== 'string') { this.problems.push(`dump file entry without type: ${JSON.stringify(e)}`); continue; }
            if (typeof e['fsize'] !== 'number' || typeof e['chksum'] !== 'string' || typeof e['guid'] !== 'string') this.problems.push(`dump file entry without fsize/chksum/guid (Harvester would stat and checksum the path): ${JSON.stringify(e)}`);
            this.staged.push({ pandaId, type: e['type'], path: String(e['path']), fsize: Number(e['fsize']), chksum: String(e['chksum']), guid: String(e['guid']) });
            if (!['es_output', 'zip_output'].includes(e['type'])) continue;
          }
          if (typeof e['eventStatus'] !== 'string' || typeof e['eventRangeID'] !== 'string') { this.problems.push(`dump event entry without eventRangeID/eventStatus: ${JSON.stringify(e)}`); continue; }
          (events[pandaId] ??= []).push({ eventRangeID: e['eventRangeID'], eventStatus: e['eventStatus'] });
        }
      }
    } else if (doc !== undefined) this.problems.push(`${this.files.eventStatusDump} is not an object`);
    if (Object.keys(events).length) {
      const cur = this.path('updateEvents');
      await writeFile(`${cur}.new`, JSON.stringify(events));
      await rename(`${cur}.new`, cur);
    }
    if (nData === 0) await rm(read, { force: true });
    return nData > 0;
  }

  /** events_to_update. */
  private async eventsToUpdate(): Promise<ForwardedEvent[]> {
    const cur = this.path('updateEvents');
    const read = `${cur}.read`;
    if (!(await present(read))) {
      if (!(await present(cur))) return [];
      await rename(cur, read);
    }
    const doc = this.parse(await readFile(read, 'utf8'), `${this.files.updateEvents}.read`);
    const out: ForwardedEvent[] = [];
    if (isPlainObject(doc)) {
      for (const [pandaId, list] of Object.entries(doc)) for (const e of list as { eventRangeID: string; eventStatus: string }[]) out.push({ pandaId, ...e });
    }
    if (out.length === 0) await rm(read, { force: true });
    return out;
  }

  private async acknowledge(): Promise<void> {
    const stamp = new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '');
    for (const name of ['updateEvents', 'eventStatusDump'] as const) {
      await rename(`${this.path(name)}.read`, `${this.path(name)}.read.${stamp}`).catch(() => undefined);
    }
  }

  private async jobRequested(): Promise<void> {
    const request = await this.json(this.path('jobRequest'), 'job request');
    if (request === undefined) return;
    if (!isPlainObject(request) || !Number.isInteger(request['nJobs'])) this.problems.push(`${this.files.jobRequest}: expected {"nJobs": n}, got ${JSON.stringify(request)}`);
    await this.placeJob();
  }

  private checkEventRequest(doc: unknown): Record<string, Record<string, unknown>> | undefined {
    if (!isPlainObject(doc)) { this.problems.push(`${this.files.eventRequest} is not an object`); return undefined; }
    for (const [pandaId, p] of Object.entries(doc)) {
      if (!isPlainObject(p) || !Number.isInteger(p['nRanges']) || (p['nRanges'] as number) < 1) this.problems.push(`${this.files.eventRequest}[${pandaId}]: expected {nRanges: n ≥ 1, …}, got ${JSON.stringify(p)}`);
    }
    return doc as Record<string, Record<string, unknown>>;
  }

  /** event_feeder.py: PanDA's ranges for each requested job, then feed_events. */
  private async feedEvents(): Promise<void> {
    const params = this.requestParams;
    if (this.eventsRequest !== 'requestEvents' || !params) return;
    const events: Record<string, unknown[]> = {};
    for (const [pandaId, p] of Object.entries(params)) {
      const ranges = await this.o.panda.getEventRanges({
        pandaId, nRanges: Number(p['nRanges'] ?? 1),
        ...(p['taskID'] !== undefined ? { taskId: String(p['taskID']) } : {}), ...(p['jobsetID'] !== undefined ? { jobsetId: String(p['jobsetID']) } : {}),
      });
      events[pandaId] = ranges.map((r) => r.wire);
    }
    // feed_events: open(…, "w") + json.dump (not atomic), then the request file is removed.
    const text = JSON.stringify(events);
    const fh = await open(this.path('eventRanges'), 'w');
    try {
      await fh.write(text.slice(0, Math.floor(text.length / 2)));
      await new Promise((r) => setTimeout(r, this.o.feederMs));
      await fh.write(text.slice(Math.floor(text.length / 2)));
    } finally {
      await fh.close();
    }
    await rm(this.path('eventRequest'), { force: true });
    this.rangeFeeds++;
    this.requestParams = undefined;
    this.eventsRequest = 'useEvents';
  }

  private async json(path: string, what: string): Promise<unknown> {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : this.parse(text, what);
  }

  private parse(text: string, what: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      this.problems.push(`${what}: not JSON: ${text.slice(0, 200)}`);
      return undefined;
    }
  }
}

async function present(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
