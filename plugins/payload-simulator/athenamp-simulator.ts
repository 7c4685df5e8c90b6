#!/usr/bin/env node
/**
 * AthenaMP stand-in for Event Service jobs: N worker peers on one yampl channel speaking
 * AthenaMP's protocol exactly (see athena-worker.ts). Usage:
 *
 *   node athenamp-simulator.js --channel=<name> | --endpoint=tcp://host:port
 *     --outputFile=<LFN> [--workers=N] [--timePerEventMs=N] [--outputBytes=N]
 *     [--errorRate=p] [--errorAcronym=ERR_X] [--errorDiag=text] [--crashAfter=K]
 *     [--hang[=K]] [--ignoreTerm] [--malformed] [--nulTerminate] [--seed=S] [--jobNumber=N] [--sharedOutput] [--trace=<file>]
 *     [--requirePfn]   (read each range's input through its PFN; a range without one fails)
 *
 * `--trace` appends one JSON line per range event (received, output, error, stop) to a file:
 * the payload side's record of a run, which test checkers read instead of the pilot's logs.
 * `--jobNumber` is the transform's (it seeds Geant4's random numbers); the simulator only
 * prints it, so a test can tell instances that would simulate the same events.
 * Outputs are `<outputFile>.<eventRangeID>` in the working directory. Exit 0 after every
 * worker got `No more events`; 2 for bad arguments.
 */
import { join, sep } from 'node:path';
import { UsageError, parseFlags, runIfMain } from './simulator-cli.js';
import { writeFile } from 'node:fs/promises';
import { runWorker, sharedOutputPath, type SimulatorConfig, type SimulatorState } from './athena-worker.js';

const FLAGS = {
  channel: 'string', endpoint: 'string', workers: 'int', outputFile: 'string', outputBytes: 'int', timePerEventMs: 'number',
  errorRate: 'number', errorAcronym: 'string', errorDiag: 'string', crashAfter: 'int', hang: 'optional-int', ignoreTerm: 'bool',
  malformed: 'bool', nulTerminate: 'bool', seed: 'int', jobNumber: 'int', sharedOutput: 'bool', trace: 'string', requirePfn: 'bool',
} as const;

export function configFrom(argv: readonly string[], cwd: string): SimulatorConfig {
  const f = parseFlags(argv, FLAGS);
  const channel = f['channel'] as string | undefined;
  const endpoint = f['endpoint'] as string | undefined;
  if (!channel === !endpoint) throw new UsageError('give exactly one of --channel=<name> or --endpoint=tcp://host:port');
  if (channel && !/^[A-Za-z0-9_.-]+$/.test(channel)) throw new UsageError(`--channel ${JSON.stringify(channel)} is not a yampl channel name`);
  if (endpoint && !/^tcp:\/\/[^/]+:\d+$/.test(endpoint)) throw new UsageError(`--endpoint ${JSON.stringify(endpoint)} is not tcp://host:port`);
  const outputFile = f['outputFile'] as string | undefined;
  if (!outputFile || outputFile.includes('/')) throw new UsageError('--outputFile=<LFN> is required (a file name, no directory)');
  const errorRate = (f['errorRate'] as number | undefined) ?? 0;
  if (errorRate > 1) throw new UsageError(`--errorRate must be from 0 to 1, got ${errorRate}`);
  const workers = (f['workers'] as number | undefined) ?? 1;
  if (workers < 1) throw new UsageError('--workers must be at least 1');
  return {
    endpoint: endpoint ?? `ipc://${join(sep, 'tmp', `zmq_${channel}`)}`,
    workers,
    outputFile,
    outputBytes: (f['outputBytes'] as number | undefined) ?? 1024,
    timePerEventMs: (f['timePerEventMs'] as number | undefined) ?? 0,
    errorRate,
    errorAcronym: (f['errorAcronym'] as string | undefined) ?? 'ERR_ATHENAMP_PROCESS',
    errorDiag: (f['errorDiag'] as string | undefined) ?? 'Failed to process event range',
    ...(f['crashAfter'] !== undefined ? { crashAfter: f['crashAfter'] as number } : {}),
    ...(f['hang'] !== undefined ? { hang: f['hang'] as number } : {}),
    malformed: f['malformed'] === true,
    ignoreTerm: f['ignoreTerm'] === true,
    sharedOutput: f['sharedOutput'] === true,
    nulTerminate: f['nulTerminate'] === true,
    seed: (f['seed'] as number | undefined) ?? 1,
    ...(f['trace'] !== undefined ? { trace: f['trace'] as string } : {}),
    ...(f['jobNumber'] !== undefined ? { jobNumber: f['jobNumber'] as number } : {}),
    requirePfn: f['requirePfn'] === true,
    cwd,
  };
}

async function main(): Promise<void> {
  let cfg: SimulatorConfig;
  try {
    cfg = configFrom(process.argv.slice(2), process.cwd());
  } catch (err) {
    process.stderr.write(`athenamp-simulator: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (cfg.ignoreTerm) process.on('SIGTERM', () => process.stderr.write('athenamp-simulator: ignoring SIGTERM\n'));
  if (cfg.hang !== undefined) setInterval(() => undefined, 1 << 30); // a hung payload stays alive
  if (cfg.sharedOutput) await writeFile(sharedOutputPath(cfg), `${cfg.outputFile}: one output reported for every range\n`);
  const zmq = await import('zeromq');
  const state: SimulatorState = { received: 0, reported: 0, errors: 0 };
  // Where a batch system or MPI started it (a test's evidence of the launcher).
  const { SLURM_STEP_ID: step, OMPI_COMM_WORLD_RANK: rank } = process.env;
  const placed = `${step !== undefined ? ` slurm step ${step}` : ''}${rank !== undefined ? ` ompi rank ${rank}` : ''}`;
  process.stdout.write(`athenamp-simulator: ${cfg.workers} worker(s) on ${cfg.endpoint}${cfg.jobNumber !== undefined ? ` jobNumber=${cfg.jobNumber}` : ''}${placed}\n`);
  await Promise.all(Array.from({ length: cfg.workers }, (_, i) => runWorker(zmq, cfg, state, i)));
  process.stdout.write(`athenamp-simulator: done, ${state.received} ranges, ${state.reported} outputs, ${state.errors} errors\n`);
}

runIfMain(import.meta.url, 'athenamp-simulator', main);
