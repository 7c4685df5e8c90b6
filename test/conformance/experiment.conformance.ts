/**
 * The shared suite every Experiment passes. A test file calls
 * `experimentConformance(test, 'name', setup)` with a factory giving the experiment (and the
 * run that owns it). Commands are executed for real: a stand-in transform (a shell script that
 * prints its arguments and channel variable) shows what the payload would receive.
 */
import type { ExecutionContext, TestFn } from 'ava';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, PayloadLauncher, PilotError, type Experiment, type JobDefinition, type PayloadCommand, type PayloadLauncher as Launcher,
} from '../../core/index.js';
import type { TestRun } from '../helpers/make-run.js';
import { esJob, mergeJob, queue, sampleJob } from '../helpers/sample-jobs.js';
import { tempDir } from '../helpers/temp-dir.js';

export interface ExperimentFixture {
  readonly experiment: Experiment;
  /** The run the experiment was resolved from (gives the direct launcher). */
  readonly run: TestRun;
  teardown(): Promise<void>;
}

const CHANNEL = 'EventService_EventRanges-conformance';
const STAND_IN = '#!/bin/sh\nprintf "channel=%s\\n" "$PILOT_EVENTRANGECHANNEL"\nfor a in "$@"; do printf "arg=%s\\n" "$a"; done\n';

export function experimentConformance(test: TestFn, label: string, setup: () => Promise<ExperimentFixture>): void {
  const withFixture = (title: string, body: (f: ExperimentFixture, dir: string, t: ExecutionContext) => Promise<void>) =>
    test(`${label} experiment conformance: ${title}`, async (t) => {
      const f = await setup();
      const dir = await tempDir('espilot-exp-conf-');
      try {
        await body(f, dir.path, t);
      } finally {
        await f.teardown();
        await dir.remove();
      }
    });

  /** Runs the built command with the stand-in transform `payload.sh` on PATH; returns its output lines. */
  async function execute(f: ExperimentFixture, dir: string, pc: PayloadCommand): Promise<string[]> {
    const bin = join(dir, 'bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'payload.sh'), STAND_IN, { mode: 0o755 });
    const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
    const launcher = f.run.resolver.get<Launcher>(PayloadLauncher, 'direct');
    const p = await launcher.launch({ command: pc.command, cwd: dir, env: { ...pc.env, PATH: `${bin}:/usr/bin:/bin` }, stdoutPath: out, stderrPath: out });
    const exit = await p.exit;
    const lines = (await readFile(out, 'utf8')).split('\n').filter(Boolean);
    if (exit.code !== 0) throw new Error(`payload command failed (${JSON.stringify(exit)}): ${lines.join(' | ')}`);
    return lines;
  }

  const ctx = (workdir: string, extra: object = {}) => ({ workdir, queue: queue(), ...extra });

  withFixture('RunJob choice: ES → event, HPC ES → hpc-event, merge and ordinary jobs → normal', async (f, _d, t) => {
    t.is(f.experiment.runJobFor(esJob(), queue()), 'event');
    t.is(f.experiment.runJobFor(esJob(), queue({ catchall: 'HPC_cluster' })), 'hpc-event');
    t.is(f.experiment.runJobFor(mergeJob(), queue()), 'normal');
    t.is(f.experiment.runJobFor(sampleJob(), queue()), 'normal');
  });

  withFixture('ES command hands the channel name to the payload (executed)', async (f, dir, t) => {
    const job = esJob({ transformation: 'payload.sh', jobParameters: '--channel=$PILOT_EVENTRANGECHANNEL --outputFile=HITS.pool.root' });
    const pc = await f.experiment.payloadCommand(job, ctx(dir, { channelName: CHANNEL }));
    t.true(Object.isFrozen(pc));
    const lines = await execute(f, dir, pc);
    t.true(lines.includes(`arg=--channel=${CHANNEL}`), lines.join('\n'));
    t.true(lines.includes('arg=--outputFile=HITS.pool.root'));
  });

  withFixture('ES job without a channel name is refused with a PilotError (1240)', async (f, dir, t) => {
    const err = await t.throwsAsync(f.experiment.payloadCommand(esJob(), ctx(dir)), { instanceOf: PilotError });
    t.is(err?.code, ErrorCodes.ESMESSAGESERVER);
  });

  withFixture('merge command gives the payload every staged-in input (executed)', async (f, dir, t) => {
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
    for (const p of paths.values()) t.true(seen.includes(p), `${p} reaches the payload: ${lines.join(' | ')}`);
  });

  withFixture('a merge input that was not staged in is MISSINGINPUTFILE (1331)', async (f, dir, t) => {
    const err = await t.throwsAsync(f.experiment.payloadCommand(mergeJob(), ctx(dir, { inputPaths: new Map() })), { instanceOf: PilotError });
    t.is(err?.code, ErrorCodes.MISSINGINPUTFILE);
  });

  withFixture('job report: read when valid; missing or malformed gives undefined, never throws', async (f, dir, t) => {
    t.is(await f.experiment.parseJobReport(dir), undefined);
    await writeFile(join(dir, 'jobReport.json'), '{not json');
    t.is(await f.experiment.parseJobReport(dir), undefined);
    await writeFile(join(dir, 'jobReport.json'), JSON.stringify({ exitCode: 0, exitAcronym: 'OK', nEvents: 3 }));
    t.like(await f.experiment.parseJobReport(dir), { exitCode: 0 });
  });

  withFixture('payload errors: ERR_TE_FATAL URL Error → 1230 fatal, other FATAL fatal, others have a pilot code', async (f, _d, t) => {
    t.deepEqual(f.experiment.classifyPayloadError('ERR_TE_FATAL', 'URL Error'), { code: 1230, status: 'fatal' });
    t.is(f.experiment.classifyPayloadError('ERR_SOMETHING_FATAL', 'x').status, 'fatal');
    const other = f.experiment.classifyPayloadError('ERR_ATHENAMP_PROCESS', 'Failed to process event range');
    t.true(other.code >= 1000 && ['failed', 'fatal'].includes(other.status));
  });

  withFixture('ES output naming and a harmless cleanup', async (f, dir, t) => {
    t.is(f.experiment.esOutputName('HITS.pool.root.1', '1-2-3-4-1'), 'HITS.pool.root.1.1-2-3-4-1');
    await writeFile(join(dir, 'HITS.pool.root.1'), 'x');
    await f.experiment.cleanup(dir);
    await f.experiment.cleanup(join(dir, 'missing'));
    t.true((await readdir(dir)).includes('HITS.pool.root.1'));
  });

  withFixture('payload helpers, when offered, are none for a job that does not ask', async (f, dir, t) => {
    const launcher = f.run.resolver.get<Launcher>(PayloadLauncher, 'direct');
    const helpers = f.experiment.startPayloadHelpers ? await f.experiment.startPayloadHelpers(esJob(), { ...ctx(dir, { channelName: CHANNEL }), launcher, env: {} }) : [];
    t.deepEqual(helpers, []);
  });
}
