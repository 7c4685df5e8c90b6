/**
 * What `espilot run --dry-run` shows: for one job, every plugin the pilot would use at each
 * step, the transfers of the job's binding (the same the run makes), and the final payload command. Nothing is run;
 * only merge list files may be written, into the scratch directory given.
 */
import { Experiment, type Experiment as ExperimentT } from '../contracts/experiment.js';
import type { JobDefinition } from '../contracts/job-definition.js';
import { bindJob } from '../binding/bind-job.js';
import { formatPlannedTransfer } from '../binding/binding-description.js';
import { launcherNameFor } from '../select/select-launcher.js';
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
  const kind = job.eventService ? 'event service' : job.eventServiceMerge ? 'event service merge' : 'normal';
  add('job', `${job.pandaId} (${kind}), task ${job.taskId ?? '-'}, jobset ${job.jobsetId ?? '-'}, ${job.coreCount} core(s), ${job.inputFiles.length} input(s), outputs ${job.outputFiles.map((f) => f.lfn).join(', ') || '-'}`);
  const experiment = resolver.get<ExperimentT>(Experiment, pilot.experiment);
  const runJob = experiment.runJobFor(job, queue);
  add('experiment', pilot.experiment);
  add('runjob', runJob);
  add('launcher', launcherNameFor(settings));
  if (job.eventService) add('channel', `${pilot.channel} (ipc:///tmp/zmq_${channelName})`);
  const binding = bindJob(resolver, job, experiment);
  for (const t of binding.transfers) add(t.label, formatPlannedTransfer(t));
  for (const w of binding.warnings) add('warning', w);
  const inputPaths = new Map(job.inputFiles.map((f) => [f.lfn, `${scratchDir}/${f.lfn}`]));
  try {
    const rendered = await renderPayloadCommand(experiment, job, { workdir: scratchDir, queue, inputPaths, ...(job.eventService ? { channelName } : {}) });
    add('payload', rendered.text);
  } catch (err) {
    add('payload', `ERROR ${(err as Error).message}`);
  }
  return steps;
}
