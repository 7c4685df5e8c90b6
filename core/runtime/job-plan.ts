/**
 * What `espilot run --dry-run` shows: for one job, every plugin the pilot would use at each
 * step, the URLs it would read and write, and the final payload command. Nothing is run;
 * only merge list files may be written, into the scratch directory given.
 */
import { Experiment, type Experiment as ExperimentT } from '../contracts/experiment.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import { destinationFor, moverNamesFor, objectUrl } from '../select/select-movers.js';
import { launcherNameFor } from '../select/select-launcher.js';
import { inputLocation, moverCandidates } from '../staging/job-transfers.js';
import type { PilotRun } from './create-run.js';
import { renderPayloadCommand } from './render-payload-command.js';

export interface JobPlanStep {
  readonly step: string;
  readonly detail: string;
}

export async function planJob(run: PilotRun, job: JobDefinition, scratchDir: string, channelName: string): Promise<JobPlanStep[]> {
  const { settings, resolver } = run;
  const { queue, pilot } = settings;
  const steps: JobPlanStep[] = [];
  const add = (step: string, detail: string) => steps.push({ step, detail });
  const tryDescribe = (step: string, f: () => string) => {
    try {
      add(step, f());
    } catch (err) {
      add(step, `ERROR ${(err as Error).message}`);
    }
  };
  const kind = job.eventService ? 'event service' : job.eventServiceMerge ? 'event service merge' : 'normal';
  add('job', `${job.pandaId} (${kind}), task ${job.taskId ?? '-'}, jobset ${job.jobsetId ?? '-'}, ${job.coreCount} core(s), ${job.inputFiles.length} input(s), outputs ${job.outputFiles.map((f) => f.lfn).join(', ') || '-'}`);
  const experiment = resolver.get<ExperimentT>(Experiment, pilot.experiment);
  const runJob = experiment.runJobFor(job, queue);
  add('experiment', pilot.experiment);
  add('runjob', runJob);
  add('launcher', launcherNameFor(settings));
  if (job.eventService) add('channel', `${pilot.channel} (ipc:///tmp/zmq_${channelName})`);
  const inputsToStage = job.eventService ? [] : job.inputFiles;
  for (const file of inputsToStage) {
    tryDescribe(`stage-in ${file.lfn}`, () => {
      const loc = inputLocation(resolver, job, file);
      const movers = moverCandidates(resolver, loc.activity, loc.url, loc.movers).map((c) => c.name);
      return `${loc.url} via ${movers.join(' → ')} (activity ${loc.activity}, ${queue.stageInRetry} attempt(s) each)`;
    });
  }
  const describeOut = (label: string, activity: 'pw' | 'pl' | 'pls' | 'es_events' | 'es_failover', lfn: string, fallback?: 'pw') => {
    tryDescribe(label, () => {
      const base = destinationFor(queue, activity) ?? (fallback ? destinationFor(queue, fallback) : undefined);
      if (!base) return `no storage for activity ${activity}`;
      const url = objectUrl(base, lfn);
      return `${url} via ${moverCandidates(resolver, activity, url).map((c) => c.name).join(' → ')} (activity ${activity}, ${queue.stageOutRetry} attempt(s) each)`;
    });
  };
  if (job.eventService) {
    for (const out of job.outputFiles) describeOut(`es outputs ${out.lfn}`, 'es_events', experiment.esOutputName(out.lfn, '<eventRangeID>'));
    if (destinationFor(queue, 'es_failover')) describeOut('es failover', 'es_failover', '<lfn>.<eventRangeID>');
  } else {
    for (const out of job.outputFiles) describeOut(`stage-out ${out.lfn}`, 'pw', out.lfn);
  }
  if (job.logFile) {
    describeOut(`log ${job.logFile.lfn}`, 'pl', job.logFile.lfn, 'pw');
    if (queue.objectstore?.logs || destinationFor(queue, 'pls')) describeOut('log copy (object store)', 'pls', job.logFile.lfn);
  }
  const inputPaths = new Map(job.inputFiles.map((f) => [f.lfn, `${scratchDir}/${f.lfn}`]));
  try {
    const rendered = await renderPayloadCommand(experiment, job, { workdir: scratchDir, queue, inputPaths, ...(job.eventService ? { channelName } : {}) });
    add('payload', rendered.text);
  } catch (err) {
    add('payload', `ERROR ${(err as Error).message}`);
  }
  if (moverNamesFor(queue, 'pw').length === 0 && !job.eventService) add('warning', 'no copytool for activity pw');
  return steps;
}
