/**
 * Experiment `generic`: what any experiment inherits. Other experiments extend this class
 * and override the protected steps of `payloadCommand` (see the extension points below)
 * rather than re-implementing the contract.
 *
 * A subclass must declare its own constructor with `@inject` on every parameter (tsyringe
 * reads injection tokens from the class itself, not its parent):
 * `constructor(@inject(LoggerToken) log: Logger) { super(log); }`.
 */
import { inject } from '../../core/index.js';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, Experiment, LoggerToken, PLUGIN_API_VERSION, PilotError, pilotPlugin, shellExport, type JobDefinition,
  type JobReportSummary, type Logger, type PayloadCommand, type PayloadContext, type PayloadErrorClass, type QueueData,
} from '../../core/index.js';
import { readJsonFile, summarizeJobReport } from './job-report.js';
import { applyMergeInputs } from './merge-inputs.js';
import { classifyPayloadError } from './payload-errors.js';

/** The variable ES payloads read the channel name from (pilot1 HEAD / pilot3). */
export const CHANNEL_VARIABLE = 'PILOT_EVENTRANGECHANNEL';

@pilotPlugin({
  provides: Experiment,
  name: 'generic',
  apiVersion: PLUGIN_API_VERSION,
  description: 'defaults: <transformation> <jobPars>, PILOT_EVENTRANGECHANNEL, jobReport.json, ES error codes',
})
export class GenericExperiment implements Experiment {
  /** The report file read by `parseJobReport`, relative to the work directory. */
  protected readonly jobReportName: string = 'jobReport.json';

  constructor(@inject(LoggerToken) protected readonly log: Logger) {}

  /** `event` for ES (`hpc-event` on an HPC queue), `normal` for merge and ordinary jobs. */
  runJobFor(job: JobDefinition, queue: QueueData): string {
    // A merge job stages its inputs in from the object store: that is the normal RunJob's work.
    if (job.eventServiceMerge || !job.eventService) return 'normal';
    return queue.hpc !== undefined ? 'hpc-event' : 'event';
  }

  /**
   * checkJob → jobParameters (merge inputs) → transformCommand → injectChannel (ES), with
   * payloadEnv (+ the channel variable for ES) as the environment additions.
   * @throws PilotError from checkJob (e.g. CORECOUNTMISMATCH 1217), MISSINGINPUTFILE (1331) for
   *   an unstaged merge input, ESMESSAGESERVER (1240) for an ES job without a channel name.
   */
  async payloadCommand(job: JobDefinition, ctx: PayloadContext): Promise<PayloadCommand> {
    this.checkJob(job, ctx);
    const pars = await this.jobParameters(job, ctx);
    let command = this.transformCommand(job, pars, ctx);
    const env: Record<string, string> = { ...this.payloadEnv(job, ctx) };
    if (job.eventService) {
      if (!ctx.channelName) throw new PilotError(ErrorCodes.ESMESSAGESERVER, `ES job ${job.pandaId}: no payload channel name to hand to the payload`, { recoverable: false });
      command = this.injectChannel(command, ctx.channelName, job);
      env[CHANNEL_VARIABLE] = ctx.channelName;
    }
    return Object.freeze({ command, env: Object.freeze(env) });
  }

  async parseJobReport(workdir: string): Promise<JobReportSummary | undefined> {
    try {
      const report = await readJsonFile(join(workdir, this.jobReportName), this.log);
      return report === undefined ? undefined : this.summarizeReport(report);
    } catch (err) {
      // A subclass's summarizeReport must not turn a bad report into a failed pilot.
      this.log.warn(`job report in ${workdir} ignored: ${(err as Error).message}`);
      return undefined;
    }
  }

  classifyPayloadError(acronym: string, diagnostics: string): PayloadErrorClass {
    return classifyPayloadError(acronym, diagnostics);
  }

  esOutputName(outputLfn: string, eventRangeId: string): string {
    return `${outputLfn}.${eventRangeId}`;
  }

  /** Removes core dumps at the top of the work directory (they would swell the log tarball). */
  async cleanup(workdir: string): Promise<void> {
    const names = await readdir(workdir).catch(() => [] as string[]);
    for (const name of names.filter((n) => /^core(\.\d+)?$/.test(n))) {
      await rm(join(workdir, name), { force: true, recursive: true });
      this.log.info(`removed ${name} from ${workdir}`);
    }
  }

  // ---- extension points -------------------------------------------------------------------

  /** Refuses a job that cannot run here. The generic experiment accepts every job. */
  protected checkJob(_job: JobDefinition, _ctx: PayloadContext): void {}

  /** The job parameters with merge inputs (writeToFile) applied. */
  protected async jobParameters(job: JobDefinition, ctx: PayloadContext): Promise<string> {
    return job.writeToFile.length ? applyMergeInputs(job, job.jobParameters, ctx, this.log) : job.jobParameters;
  }

  /** `<transformation> <jobPars>`; both are shell text from the job definition. */
  protected transformCommand(job: JobDefinition, jobPars: string, _ctx: PayloadContext): string {
    return [job.transformation.trim(), jobPars.trim()].filter(Boolean).join(' ');
  }

  /**
   * Hands the channel name to an ES payload through its command. Generic: an
   * `export PILOT_EVENTRANGECHANNEL="<name>"; ` prefix when the command refers to the variable
   * (the variable is in the environment anyway).
   */
  protected injectChannel(command: string, channel: string, _job: JobDefinition): string {
    return command.includes(CHANNEL_VARIABLE) ? `${shellExport(CHANNEL_VARIABLE, channel)}${command}` : command;
  }

  /** Variables the experiment adds to the payload's environment. */
  protected payloadEnv(_job: JobDefinition, _ctx: PayloadContext): Record<string, string> {
    return {};
  }

  /** The summary of a parsed report (exitCode, exitAcronym, exitMsg, nEvents). */
  protected summarizeReport(report: unknown): JobReportSummary | undefined {
    return summarizeJobReport(report, this.log);
  }
}
