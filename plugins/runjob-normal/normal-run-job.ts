/**
 * RunJob `normal`: stage-in, payload, stage-out of outputs and log. Merge jobs
 * (eventServiceMerge) run here too: their inputs come from the object store, verified
 * against the recorded checksums, and their output goes to the normal storage element.
 */
import { inject } from '../../core/index.js';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, Experiment, LoggerToken, PLUGIN_API_VERSION, PayloadLauncher, PilotError, ResolverToken, RunJob, SecretsToken,
  abortError, exitCodeOf, withDiskCode, launcherNameFor, pilotPlugin, readJsonIfExists, readPayloadJobReport, writeJsonAtomic, reapedChildrenCpuSeconds, stageInJobInputs, stageOutJobFiles, storeJobLog, storedOutputs, toPilotError,
  type Experiment as ExperimentT, type JobOutcome, type Logger, type PayloadLauncher as LauncherT, type PluginResolver,
  type RunJobContext, type SecretRegistry, type StoredOutput,
} from '../../core/index.js';

/** Written atomically when the payload has exited: recovery trusts outputs only after it. */
const PAYLOAD_EXIT_RECORD = 'payload-exit.json';
interface PayloadExitRecord {
  readonly transExitCode: number;
  readonly nEvents: number;
  readonly exeErrorDiag?: string | undefined;
  readonly cpu: number;
}
import { runPayloadToEnd } from './payload-run.js';

@pilotPlugin({ provides: RunJob, name: 'normal', apiVersion: PLUGIN_API_VERSION, description: 'stage-in, payload, stage-out (also ES merge jobs)' })
export class NormalRunJob implements RunJob {
  constructor(
    @inject(ResolverToken) private readonly resolver: PluginResolver,
    @inject(SecretsToken) private readonly secrets: SecretRegistry,
    @inject(LoggerToken) private readonly log: Logger,
  ) {}

  async run(ctx: RunJobContext): Promise<JobOutcome> {
    const { job, workdir, control } = ctx;
    const settings = this.resolver.services.settings;
    const startTime = Date.now();
    const cpu0 = reapedChildrenCpuSeconds();
    const transfers = { binding: ctx.binding, jobDir: workdir, log: this.log, signal: control.kill, stageInConcurrency: settings.pilot.transfers.stageInConcurrency };
    const experiment = this.resolver.get<ExperimentT>(Experiment, settings.pilot.experiment);
    let transExitCode = 0;
    let failure: PilotError | undefined;
    let exeErrorDiag: string | undefined;
    let nEvents = 0;
    let metaData: string | undefined;
    const outputs: StoredOutput[] = [];
    await mkdir(workdir, { recursive: true });
    try {
      const inputPaths = await stageInJobInputs(transfers, job);
      this.throwIfKilled(control.kill);
      const payload = await experiment.payloadCommand(job, { workdir, queue: settings.queue, inputPaths });
      const launcher = this.resolver.get<LauncherT>(PayloadLauncher, launcherNameFor(settings));
      const { exit, killed } = await runPayloadToEnd(
        launcher,
        { command: payload.command, cwd: workdir, env: { ...this.secrets.scrubEnv(process.env), ...payload.env }, ...(job.userProxy ? { userProxy: job.userProxy } : {}) },
        control, settings.pilot.eventService.killGraceS * 1000, this.log, ctx.payloadWatch,
      );
      if (killed) this.throwIfKilled(control.kill);
      const report = await experiment.parseJobReport(workdir);
      metaData = await readPayloadJobReport(workdir, (m) => this.log.warn(m));
      transExitCode = report?.exitCode ?? exitCodeOf(exit);
      nEvents = report?.nEvents ?? 0;
      await writeJsonAtomic(join(workdir, PAYLOAD_EXIT_RECORD), { transExitCode, nEvents, exeErrorDiag: report?.exitMessage ?? report?.exitAcronym, cpu: reapedChildrenCpuSeconds() - cpu0 } satisfies PayloadExitRecord);
      if (transExitCode !== 0) {
        exeErrorDiag = report?.exitMessage ?? report?.exitAcronym;
        throw new PilotError(ErrorCodes.PAYLOADEXECUTIONFAILURE, `payload failed with exit code ${transExitCode}${report?.exitAcronym ? ` (${report.exitAcronym})` : ''}`, { recoverable: false });
      }
      if (job.outputFiles.length) outputs.push(...storedOutputs(job, 'output', job.outputFiles, await stageOutJobFiles(transfers, job.outputFiles, ctx.binding.outputs())));
    } catch (err) {
      failure = toPilotError(withDiskCode(err, `job directory ${workdir}`), ErrorCodes.UNKNOWNEXCEPTION, `job ${job.pandaId}`);
      this.log.error(`job ${job.pandaId} failed: ${failure.codeName} ${failure.message}`);
    }
    await experiment.cleanup(workdir).catch((err: Error) => this.log.warn(`cleanup: ${err.message}`));
    const log = await this.stageOutLog(ctx, transfers);
    failure ??= log.failure;
    return outcomeOf(failure, {
      transExitCode, nEvents, cpu: Math.max(0, reapedChildrenCpuSeconds() - cpu0), startTime, ...(exeErrorDiag ? { exeErrorDiag } : {}),
      outputs: [...outputs, ...log.stored], ...(metaData ? { metaData } : {}),
    });
  }

  /**
   * After a pilot death: outputs are stored only if the payload's exit was recorded (a payload
   * cut short leaves outputs that prove nothing); then the log, then the outcome.
   */
  async recover(ctx: RunJobContext): Promise<JobOutcome> {
    const { job, workdir } = ctx;
    const startTime = Date.now();
    const transfers = { binding: ctx.binding, jobDir: workdir, log: this.log };
    const exit = await readJsonIfExists<PayloadExitRecord>(join(workdir, PAYLOAD_EXIT_RECORD));
    let failure: PilotError | undefined;
    const outputs: StoredOutput[] = [];
    if (!exit) {
      failure = new PilotError(ErrorCodes.KILLSIGNAL, 'the pilot died while the payload was running; outputs discarded', { recoverable: false });
    } else if (exit.transExitCode !== 0) {
      failure = new PilotError(ErrorCodes.PAYLOADEXECUTIONFAILURE, `payload failed with exit code ${exit.transExitCode}`, { recoverable: false });
    } else {
      try {
        if (job.outputFiles.length) outputs.push(...storedOutputs(job, 'output', job.outputFiles, await stageOutJobFiles(transfers, job.outputFiles, ctx.binding.outputs())));
      } catch (err) {
        failure = toPilotError(err, ErrorCodes.STAGEOUTFAILED, `recovery of job ${job.pandaId}`);
      }
    }
    const log = await this.stageOutLog(ctx, transfers);
    failure ??= log.failure;
    const metaData = exit ? await readPayloadJobReport(workdir, (m) => this.log.warn(m)) : undefined;
    return outcomeOf(failure, {
      transExitCode: exit?.transExitCode ?? 0, nEvents: exit?.nEvents ?? 0, cpu: exit?.cpu ?? 0, startTime, ...(exit?.exeErrorDiag ? { exeErrorDiag: exit.exeErrorDiag } : {}),
      outputs: [...outputs, ...log.stored], ...(metaData ? { metaData } : {}),
    });
  }

  /** The log (core storeJobLog: `pl`, else `pw`, and a copy to the object store when the binding has one): its failure fails the job; the copy's is ignored. */
  private async stageOutLog(ctx: RunJobContext, transfers: Parameters<typeof stageOutJobFiles>[0]): Promise<{ failure?: PilotError; stored: StoredOutput[] }> {
    const { job } = ctx;
    const r = await storeJobLog(transfers, job, new Set(), this.secrets.scrubEnv(process.env));
    return { ...(r.error ? { failure: r.error } : {}), stored: r.stored && job.logFile ? storedOutputs(job, 'log', [job.logFile], [r.stored]) : [] };
  }

  private throwIfKilled(kill: AbortSignal): void {
    if (kill.aborted) throw abortError(kill.reason, ErrorCodes.KILLSIGNAL);
  }
}

function outcomeOf(
  failure: PilotError | undefined,
  r: { transExitCode: number; nEvents: number; cpu: number; startTime: number; exeErrorDiag?: string | undefined; outputs: readonly StoredOutput[]; metaData?: string },
): JobOutcome {
  return {
    state: failure ? 'failed' : 'finished',
    pilotErrorCode: failure?.code ?? 0,
    pilotErrorDiag: failure?.diagnostic ?? '',
    transExitCode: r.transExitCode,
    ...(r.exeErrorDiag ? { exeErrorCode: r.transExitCode, exeErrorDiag: r.exeErrorDiag } : {}),
    nEvents: r.nEvents,
    cpuConsumptionTime: r.cpu,
    startTime: r.startTime,
    endTime: Date.now(),
    outputs: r.outputs,
    ...(r.metaData ? { metaData: r.metaData } : {}),
  };
}
