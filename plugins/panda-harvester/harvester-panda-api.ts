/**
 * PandaApi `harvester`: the pilot's side of Harvester's shared-file protocol, for a pilot that
 * Harvester launched in push mode (pilot3 `--harvester-submit-mode PUSH`; reference
 * raythena-harvester.md §2, §3.2). Nothing goes to a PanDA server; Harvester, on the other
 * side of a shared file system, talks to PanDA:
 *
 * - getJob: the job file Harvester placed (`pandaJobData.out`); for every job after the first,
 *   `worker_requestjob.json {"nJobs": 1}` first (pilot3 request_new_jobs);
 * - updateJob: `worker_attributes.json` on every call (pilot3 publish_work_report); with the
 *   final update also the log and outputs in `event_status.dump.json` and `jobReport.json`;
 * - getEventRanges: `worker_requestevents.json` → `JobsEventRanges.json` (an empty list: no
 *   more), as Harvester's messenger and event feeder serve them;
 * - updateEventRanges: range outcomes merged into `event_status.dump.json`
 *   (event-status-dump.ts). Never `worker_updateevents.json`: Harvester writes that one.
 * - at exit (dispose): the kill file, telling Harvester the worker is done.
 *
 * An update counts as delivered once it is durably in the dump: Harvester acknowledges a dump
 * even when its own database update failed, so its acknowledgement proves nothing, and the
 * range journal of the ES engine is what decides what was reported.
 */
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError, ErrorCodes, FINAL_RANGE_STATUSES, LoggerToken, PLUGIN_API_VERSION, PandaApi, PilotError, PluginOptions, SecretsToken,
  SettingsToken, describeValue, inject, isPlainObject, jobUpdateForm, parseEventRanges, pilotPlugin, writeFileAtomic,
  type EventRange, type EventRangeUpdate, type EventRangeUpdateResult, type GetJobRequest, type JobDefinition, type JobUpdate,
  type KeyPair, type Logger, type PilotSettings, type SecretRegistry, type ServerCommand,
} from '../../core/index.js';
import { EventStatusDump, type DumpEntry } from './event-status-dump.js';
import { exists, parseHarvesterJson, readIfExists, waitFor, writeHarvesterJson } from './harvester-files.js';
import { parseHarvesterJobFile } from './harvester-job-file.js';
import { parseHarvesterOptions, type HarvesterOptions } from './harvester-options.js';
import { jobReportForHarvester, storedFileEntry, workerAttributes } from './harvester-reports.js';

@pilotPlugin({
  provides: PandaApi,
  name: 'harvester',
  options: parseHarvesterOptions,
  apiVersion: PLUGIN_API_VERSION,
  description: 'Harvester push mode: the job, event ranges and every report through Harvester\'s shared files',
})
export class HarvesterPandaApi implements PandaApi {
  private readonly workdir: string;
  private readonly dump: EventStatusDump;
  private readonly closing = new AbortController();
  private jobsTaken = 0;
  private rangeFiles = 0;
  private ranges: Promise<unknown> = Promise.resolve();

  constructor(
    @inject(LoggerToken) private readonly log: Logger,
    @inject(SettingsToken) private readonly settings: PilotSettings,
    @inject(SecretsToken) private readonly secrets: SecretRegistry,
    @inject(PluginOptions) private readonly o: HarvesterOptions,
  ) {
    if (!o.workdir) throw new ConfigError([{ path: 'config.pluginOptions.harvester.workdir', expected: 'Harvester\'s access point (--harvester-workdir or HARVESTER_WORKDIR)', got: 'nothing' }]);
    // Harvester's event updates carry a zip only for files it staged itself: a zip espilot
    // stored would be reported without its location.
    if (settings.pilot.eventService.zipOutputs.enabled) {
      throw new ConfigError([{ path: 'config.eventService.zipOutputs.enabled', expected: 'false with the harvester PandaApi (Harvester\'s event update cannot name a zip the pilot stored)', got: 'true' }]);
    }
    this.workdir = o.workdir;
    this.dump = new EventStatusDump(this.file('eventStatusDump'), log);
  }

  /** A file in Harvester's access point. */
  file(name: keyof HarvesterOptions['files']): string {
    return join(this.workdir, this.o.files[name]);
  }

  async getJob(_request: GetJobRequest): Promise<JobDefinition | undefined> {
    const jobPath = join(this.o.datadir ?? this.workdir, this.o.files.jobSpec);
    const requestPath = this.file('jobRequest');
    const first = this.jobsTaken === 0;
    // The first job is placed before the pilot starts; later ones are asked for (pilot3 does the same).
    if (!first && !(await exists(jobPath)) && !(await exists(requestPath))) {
      await writeHarvesterJson(requestPath, { nJobs: 1 });
      this.log.info(`asked Harvester for another job (${requestPath})`);
    }
    let text: string;
    try {
      // Harvester writes the job file in place and removes the request after it: only then is the file whole.
      text = await waitFor(async () => (!(await exists(requestPath)) ? readIfExists(jobPath) : undefined), {
        deadlineMs: this.o.jobWaitS * 1000, pollMs: this.o.pollMs, what: `the job file ${jobPath}`, signal: this.closing.signal,
      });
    } catch (err) {
      if (first || !(err instanceof PilotError)) {
        throw err instanceof PilotError ? new PilotError(err.code, `${err.message}: no job for this worker (pluginOptions.harvester.jobWaitS; check --harvester-datadir and files.jobSpec)`, { recoverable: false }) : err;
      }
      this.log.info(`no further job from Harvester: ${err.message}`);
      await rm(requestPath, { force: true });
      return undefined;
    }
    // The file is removed before it is parsed, so a job that cannot run is not read again;
    // a private copy stays with the pilot (pilot3: $PILOT_HOME/job_definition.json).
    await writeFileAtomic(join(this.settings.pilot.workdir, 'job_definition.json'), text);
    await rm(jobPath, { force: true });
    this.jobsTaken++;
    const job = parseHarvesterJobFile(text, jobPath, this.secrets, this.log);
    this.log.info(`job ${job.pandaId} from Harvester (${jobPath})`);
    return job;
  }

  async updateJob(update: JobUpdate): Promise<readonly ServerCommand[]> {
    // The final status becomes visible to Harvester last, once the files it then collects are in place.
    const files = (update.outputFiles ?? []).map(storedFileEntry);
    if (files.length) await this.dump.append(update.pandaId, files);
    const report = update.metaData === undefined ? undefined : jobReportForHarvester(update.metaData, this.log);
    if (report) await writeHarvesterJson(this.file('jobReport'), report);
    await writeHarvesterJson(this.file('workerAttributes'), workerAttributes(jobUpdateForm(update)));
    return [];
  }

  getEventRanges(request: { pandaId: string; jobsetId?: string; taskId?: string; nRanges: number }): Promise<readonly EventRange[]> {
    // One request at a time: Harvester answers one request file with one ranges file.
    const next = this.ranges.then(() => this.fetchRanges(request));
    this.ranges = next.catch(() => undefined);
    return next;
  }

  private async fetchRanges(req: { pandaId: string; jobsetId?: string; taskId?: string; nRanges: number }): Promise<readonly EventRange[]> {
    const rangesPath = this.file('eventRanges');
    const requestPath = this.file('eventRequest');
    const ask = () => writeHarvesterJson(requestPath, {
      [req.pandaId]: { nRanges: req.nRanges, pandaID: idValue(req.pandaId), ...(req.taskId ? { taskID: idValue(req.taskId) } : {}), ...(req.jobsetId ? { jobsetID: idValue(req.jobsetId) } : {}) },
    });
    // A ranges file with no request pending answers an earlier request (a wait that timed out,
    // a pilot that died): those ranges were dispatched to this job and are used first.
    if (!(await exists(rangesPath)) && !(await exists(requestPath))) await ask();
    await waitFor(async () => {
      const request = await exists(requestPath);
      const ranges = await exists(rangesPath);
      if (ranges && !request) return true;
      // Harvester removes the request even when writing the ranges failed (feed_events): ask again.
      if (!ranges && !request) {
        this.log.warn(`Harvester removed ${requestPath} without writing ${rangesPath}; asking again`);
        await ask();
      }
      return undefined;
    }, { deadlineMs: this.o.eventRangesWaitS * 1000, pollMs: this.o.pollMs, what: `event ranges in ${rangesPath} for ${requestPath}`, signal: this.closing.signal });
    // Moved aside before it is parsed, so the next feed never meets it; kept for the record.
    const taken = `${rangesPath}.${++this.rangeFiles}.read`;
    await rename(rangesPath, taken);
    const text = await readIfExists(taken) ?? '';
    const doc = parseHarvesterJson(text, rangesPath, 'JSON {PandaID: [event ranges]}');
    if (!isPlainObject(doc)) throw rangesError(rangesPath, '', 'an object {PandaID: [event ranges]}', doc);
    if (!(req.pandaId in doc)) throw rangesError(rangesPath, '', `an entry for PandaID ${req.pandaId}`, `PandaIDs ${JSON.stringify(Object.keys(doc))}`);
    const ranges = parseEventRanges(doc[req.pandaId], `${rangesPath}[${req.pandaId}]`);
    this.log.debug(`${ranges.length} event range(s) from Harvester (${taken})`);
    return ranges;
  }

  async updateEventRanges(updates: readonly EventRangeUpdate[], pandaId?: string): Promise<EventRangeUpdateResult> {
    if (updates.length === 0) return { results: [], commands: [] };
    if (!pandaId) throw new PilotError(ErrorCodes.ESFATAL, 'updateEventRanges without a PandaID: the Harvester dump is keyed by job', { recoverable: false });
    const entries: DumpEntry[] = [];
    const results = updates.map((u) => {
      // Harvester's messenger passes on eventRangeID and eventStatus only; non-final states are not reported.
      if (!FINAL_RANGE_STATUSES.has(u.eventStatus)) return null;
      entries.push({ eventRangeID: u.eventRangeId, eventStatus: u.eventStatus });
      return true;
    });
    if (entries.length) await this.dump.append(pandaId, entries);
    return { results, commands: [] };
  }

  getKeyPair(publicKeyName: string, _privateKeyName: string): Promise<KeyPair> {
    return Promise.reject(new PilotError(ErrorCodes.GETKEYPAIR, `no getKeyPair in Harvester push mode (key ${publicKeyName}): give the object store's credentials in the site configuration`, { recoverable: false }));
  }

  /** The pilot is done: the kill file tells Harvester (pilot3 touches it at exit). */
  async dispose(): Promise<void> {
    this.closing.abort();
    const path = this.file('killWorker');
    await writeHarvesterJson(path, {}).catch((err: Error) => this.log.warn(`kill file ${path} not written: ${err.message}`));
  }
}

/** PanDA IDs go to Harvester as numbers (it passes them to PanDA as the job's integers). */
function idValue(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

function rangesError(path: string, where: string, expected: string, got: unknown): ConfigError {
  return new ConfigError([{ path: `${path}${where}`, expected, got: typeof got === 'string' ? got : describeValue(got) }], ErrorCodes.CONVERSIONFAILURE, 'unreadable Harvester event ranges');
}
