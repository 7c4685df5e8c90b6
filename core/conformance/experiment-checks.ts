/**
 * The checks every Experiment passes. Commands are executed for real: a stand-in transform
 * (a shell script that prints its arguments and channel variable) shows what the payload
 * would receive. The fixture gives the experiment and a payload launcher to run them with.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, type Experiment, type JobDefinition, type PayloadCommand, type PayloadLauncher } from '../index.js';
import { pilotErrorOf, type ConformanceCheck, type ConformanceFixture } from './conformance-check.js';
import { esJob, mergeJob, queue, sampleJob } from './sample-jobs.js';

export interface ExperimentFixture extends ConformanceFixture {
  readonly experiment: Experiment;
  /** Runs the commands the experiment builds (the pilot's `direct` launcher). */
  readonly launcher: PayloadLauncher;
}

const CHANNEL = 'EventService_EventRanges-conformance';
const STAND_IN = '#!/bin/sh\nprintf "channel=%s\\n" "$PILOT_EVENTRANGECHANNEL"\nfor a in "$@"; do printf "arg=%s\\n" "$a"; done\n';

/** Runs the built command with the stand-in transform `payload.sh` on PATH; returns its output lines. */
async function execute(f: ExperimentFixture, dir: string, pc: PayloadCommand): Promise<string[]> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'payload.sh'), STAND_IN, { mode: 0o755 });
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const p = await f.launcher.launch({ command: pc.command, cwd: dir, env: { ...pc.env, PATH: `${bin}:/usr/bin:/bin` }, stdoutPath: out, stderrPath: out });
  const exit = await p.exit;
  const lines = (await readFile(out, 'utf8')).split('\n').filter(Boolean);
  if (exit.code !== 0) throw new Error(`payload command failed (${JSON.stringify(exit)}): ${lines.join(' | ')}`);
  return lines;
}

const ctx = (workdir: string, extra: object = {}) => ({ workdir, queue: queue(), ...extra });
const check = (c: ConformanceCheck<ExperimentFixture>) => c;

export const experimentChecks: readonly ConformanceCheck<ExperimentFixture>[] = Object.freeze([
  check({
    name: 'RunJob choice: ES → event, HPC ES → hpc-event, merge and ordinary jobs → normal',
    async run(f) {
      assert.equal(f.experiment.runJobFor(esJob(), queue()), 'event', 'an ES job');
      assert.equal(f.experiment.runJobFor(esJob(), queue({ catchall: 'HPC_cluster' })), 'hpc-event', 'an ES job on an HPC queue');
      assert.equal(f.experiment.runJobFor(mergeJob(), queue()), 'normal', 'a merge job');
      assert.equal(f.experiment.runJobFor(sampleJob(), queue()), 'normal', 'an ordinary job');
    },
  }),
  check({
    name: 'ES command hands the channel name to the payload (executed)',
    async run(f, dir) {
      const job = esJob({ transformation: 'payload.sh', jobParameters: '--channel=$PILOT_EVENTRANGECHANNEL --outputFile=HITS.pool.root' });
      const pc = await f.experiment.payloadCommand(job, ctx(dir, { channelName: CHANNEL }));
      assert.ok(Object.isFrozen(pc), 'the payload command is frozen');
      const lines = await execute(f, dir, pc);
      assert.ok(lines.includes(`arg=--channel=${CHANNEL}`), `the payload gets --channel=${CHANNEL}: ${lines.join(' | ')}`);
      assert.ok(lines.includes('arg=--outputFile=HITS.pool.root'), `the payload gets its other arguments: ${lines.join(' | ')}`);
    },
  }),
  check({
    name: 'ES job without a channel name is refused with a PilotError (1240)',
    async run(f, dir) {
      const err = await pilotErrorOf(f.experiment.payloadCommand(esJob(), ctx(dir)), 'payloadCommand of an ES job without a channel');
      assert.equal(err.code, ErrorCodes.ESMESSAGESERVER);
    },
  }),
  check({
    name: 'merge command gives the payload every staged-in input (executed)',
    async run(f, dir) {
      const job: JobDefinition = mergeJob({ transformation: 'payload.sh' });
      const paths = new Map(job.writeToFile[0]!.inputs.map((lfn) => [lfn, join(dir, 'in', lfn)]));
      const lines = await execute(f, dir, await f.experiment.payloadCommand(job, ctx(dir, { inputPaths: paths })));
      // Inputs arrive in the arguments, or in a list file an `@file` argument names.
      const seen: string[] = [];
      for (const l of lines.filter((x) => x.startsWith('arg='))) {
        const a = l.slice(4);
        const file = /@(\S+\.txt)$/.exec(a)?.[1];
        seen.push(...(file ? (await readFile(join(dir, file), 'utf8')).split('\n') : a.replace(/^--[^=]+=/, '').split(',')));
      }
      for (const p of paths.values()) assert.ok(seen.includes(p), `${p} reaches the payload: ${lines.join(' | ')}`);
    },
  }),
  check({
    name: 'a merge input that was not staged in is MISSINGINPUTFILE (1331)',
    async run(f, dir) {
      const err = await pilotErrorOf(f.experiment.payloadCommand(mergeJob(), ctx(dir, { inputPaths: new Map() })), 'payloadCommand of a merge job without its inputs');
      assert.equal(err.code, ErrorCodes.MISSINGINPUTFILE);
    },
  }),
  check({
    name: 'job report: read when valid; missing or malformed gives undefined, never throws',
    async run(f, dir) {
      assert.equal(await f.experiment.parseJobReport(dir), undefined, 'no jobReport.json');
      await writeFile(join(dir, 'jobReport.json'), '{not json');
      assert.equal(await f.experiment.parseJobReport(dir), undefined, 'a malformed jobReport.json');
      await writeFile(join(dir, 'jobReport.json'), JSON.stringify({ exitCode: 0, exitAcronym: 'OK', nEvents: 3 }));
      assert.equal((await f.experiment.parseJobReport(dir))?.exitCode, 0, 'a valid jobReport.json');
    },
  }),
  check({
    name: 'payload errors: ERR_TE_FATAL URL Error → 1230 fatal, other FATAL fatal, others have a pilot code',
    async run(f) {
      assert.deepEqual(f.experiment.classifyPayloadError('ERR_TE_FATAL', 'URL Error'), { code: 1230, status: 'fatal' });
      assert.equal(f.experiment.classifyPayloadError('ERR_SOMETHING_FATAL', 'x').status, 'fatal');
      const other = f.experiment.classifyPayloadError('ERR_ATHENAMP_PROCESS', 'Failed to process event range');
      assert.ok(other.code >= 1000 && ['failed', 'fatal'].includes(other.status), `a pilot code and status, got ${JSON.stringify(other)}`);
    },
  }),
  check({
    name: 'ES output naming and a harmless cleanup',
    async run(f, dir) {
      assert.equal(f.experiment.esOutputName('HITS.pool.root.1', '1-2-3-4-1'), 'HITS.pool.root.1.1-2-3-4-1');
      await writeFile(join(dir, 'HITS.pool.root.1'), 'x');
      await f.experiment.cleanup(dir);
      await f.experiment.cleanup(join(dir, 'missing'));
      assert.ok((await readdir(dir)).includes('HITS.pool.root.1'), 'cleanup keeps the outputs');
    },
  }),
  check({
    name: 'payload helpers, when offered, are none for a job that does not ask',
    async run(f, dir) {
      const helpers = f.experiment.startPayloadHelpers
        ? await f.experiment.startPayloadHelpers(esJob(), { ...ctx(dir, { channelName: CHANNEL }), launcher: f.launcher, env: {} })
        : [];
      assert.deepEqual(helpers, []);
    },
  }),
]);
