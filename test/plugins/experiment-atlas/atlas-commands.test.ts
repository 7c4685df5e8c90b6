/**
 * The exact payload commands the ATLAS experiment builds for a sample ES job in every
 * channel-injection form, and for a sample merge job (what `espilot run --dry-run` prints).
 */
import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes, Experiment, PayloadLauncher, PilotError, renderPayloadCommand, type Experiment as Exp, type PayloadLauncher as Launcher,
} from '../../../core/index.js';
import { makeRun, type TestRun } from '../../helpers/make-run.js';
import { esJob, mergeJob, queue } from '../../helpers/sample-jobs.js';
import { tempDir } from '../../helpers/temp-dir.js';

let run: TestRun;
let atlas: Exp;
let dir: { path: string; remove(): Promise<void> };
test.before(async () => {
  run = await makeRun();
  atlas = run.resolver.get<Exp>(Experiment, 'atlas');
  dir = await tempDir('espilot-atlas-cmd-');
});
test.after.always(async () => {
  await run.dispose();
  await dir.remove();
});

const CH = 'EventService_EventRanges-5f1c';
const SIM = 'Sim_tf.py --inputEVNTFile=EVNT.01._000001.pool.root.1 --outputHITSFile=HITS.01._000001.pool.root.1 --maxEvents=-1 --eventService=True';
const es = (jobParameters: string) => esJob({ transformation: 'Sim_tf.py', jobParameters: jobParameters.replace(/^Sim_tf\.py /, ''), coreCount: 8 });
const cmd = async (jobParameters: string) => (await atlas.payloadCommand(es(jobParameters), { workdir: dir.path, queue: queue({ corecount: 8 }), channelName: CH })).command;

test('env form: export prefix when the command refers to PILOT_EVENTRANGECHANNEL', async (t) => {
  t.is(await cmd(`${SIM} --preExec 'x=$PILOT_EVENTRANGECHANNEL'`), `export PILOT_EVENTRANGECHANNEL="${CH}"; ${SIM} --preExec 'x=$PILOT_EVENTRANGECHANNEL'`);
});

test('legacy form: jobproperties preExec appended, or spliced into an existing preExec', async (t) => {
  t.is(await cmd(SIM), `${SIM} --preExec 'from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="${CH}"'`);
  t.is(await cmd(`${SIM} --preExec 'EVNTtoHITS:simFlags.RunNumber=1' --postExec 'y=2'`),
    `${SIM} --preExec 'EVNTtoHITS:from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="${CH}";simFlags.RunNumber=1' --postExec 'y=2'`);
  t.is(await cmd(`${SIM} --preExec "from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.Strategy='X'"`),
    `${SIM} --preExec "from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel=\\"${CH}\\";jps.AthenaMPFlags.Strategy='X'"`);
});

test('ComponentAccumulator form: ConfigFlags preExec, merged into an existing one', async (t) => {
  t.is(await cmd(`${SIM} --CA`), `${SIM} --CA --preExec 'ConfigFlags.MP.EventRangeChannel="${CH}"'`);
  t.is(await cmd(`${SIM} --CA 'all:True' --preExec='all:flags.Sim.X=1'`), `${SIM} --CA 'all:True' --preExec='all:ConfigFlags.MP.EventRangeChannel="${CH}";flags.Sim.X=1'`);
  t.is(await cmd(`${SIM} --CA=False`), `${SIM} --CA=False --preExec 'from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="${CH}"'`);
});

test('multithreaded CA form: --mtes --mtes-channel inside --athenaopts', async (t) => {
  t.is(await cmd(`${SIM} --CA --multithreaded=True`), `${SIM} --CA --multithreaded=True --athenaopts='--mtes --mtes-channel="${CH}"'`);
  t.is(await cmd(`${SIM} --CA --multithreaded --athenaopts='--threads=8'`), `${SIM} --CA --multithreaded --athenaopts='--mtes --mtes-channel="${CH}" --threads=8'`);
});

test('spliced options reach the transform as the intended arguments (real shell, stand-in Sim_tf.py)', async (t) => {
  // Sim_tf.py is ATLAS software that cannot run here: a stand-in prints the argv it receives.
  const bin = join(dir.path, 'bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'Sim_tf.py'), '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
  const launcher = run.resolver.get<Launcher>(PayloadLauncher, 'direct');
  const argv = async (command: string) => {
    const out = join(dir.path, `argv-${Math.random()}`);
    const p = await launcher.launch({ command, cwd: dir.path, env: { PATH: `${bin}:/usr/bin:/bin` }, stdoutPath: out, stderrPath: out });
    t.is((await p.exit).code, 0);
    return (await readFile(out, 'utf8')).split('\n').slice(0, -1);
  };
  const legacy = await argv(await cmd(`${SIM} --preExec "from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.Strategy='X'"`));
  t.deepEqual(legacy.slice(-2), ['--preExec', `from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="${CH}";jps.AthenaMPFlags.Strategy='X'`]);
  const mtes = await argv(await cmd(`${SIM} --CA --multithreaded --athenaopts='--threads=8'`));
  t.is(mtes.at(-1), `--athenaopts=--mtes --mtes-channel="${CH}" --threads=8`);
});

test('a channel name that cannot sit in a preExec is refused with 1240', async (t) => {
  const err = await t.throwsAsync(atlas.payloadCommand(es(SIM), { workdir: dir.path, queue: queue({ corecount: 8 }), channelName: "a'b" }), { instanceOf: PilotError });
  t.is(err?.code, ErrorCodes.ESMESSAGESERVER);
});

test('rendered ES job: ATHENA_PROC_NUMBER / ATHENA_CORE_NUMBER from the core count', async (t) => {
  const r = await renderPayloadCommand(atlas, es(SIM), { workdir: dir.path, queue: queue({ corecount: 8 }), channelName: CH });
  t.is(r.text, `ATHENA_CORE_NUMBER=8\nATHENA_PROC_NUMBER=8\nPILOT_EVENTRANGECHANNEL=${CH}\n${SIM} --preExec 'from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="${CH}"'`);
});

test('rendered merge job: list file with the option, autoConfiguration dropped, ATHENA_PROC_NUMBER unset', async (t) => {
  const inputs = ['HITS.01._000001.pool.root.1.1-2-3-4-1', 'HITS.01._000001.pool.root.1.1-2-3-5-1'];
  const job = mergeJob({
    transformation: 'HITSMerge_tf.py', coreCount: 8,
    jobParameters: '--inputHITSFile=@inputFor_HITS.01._000001.pool.root.1 --outputHITS_MRGFile=HITS.01._000001.pool.root.1 --autoConfiguration=everything --postExec "x=1"',
  });
  const paths = new Map(inputs.map((l) => [l, join(dir.path, l)]));
  const r = await renderPayloadCommand(atlas, job, { workdir: dir.path, queue: queue(), inputPaths: paths });
  t.is(r.text, 'unset ATHENA_PROC_NUMBER ATHENA_CORE_NUMBER; HITSMerge_tf.py @inputFor_HITS.01._000001.pool.root.1.txt --outputHITS_MRGFile=HITS.01._000001.pool.root.1 --postExec "x=1"');
  t.is(await readFile(join(dir.path, 'inputFor_HITS.01._000001.pool.root.1.txt'), 'utf8'), `--inputHITSFile\n${inputs.map((l) => join(dir.path, l)).join('\n')}\n`);
});

test('merge inputs never become arguments: a bare @inputFor_<name> becomes a list file of paths', async (t) => {
  const work = join(dir.path, 'bare');
  await mkdir(work, { recursive: true });
  const job = mergeJob({ transformation: 'HITSMerge_tf.py', jobParameters: '--inputHITSFile @inputFor_HITS.01._000001.pool.root.1 --autoConfiguration=everything' });
  const pc = await atlas.payloadCommand(job, { workdir: work, queue: queue() });
  t.is(pc.command, 'unset ATHENA_PROC_NUMBER ATHENA_CORE_NUMBER; HITSMerge_tf.py --inputHITSFile @inputFor_HITS.01._000001.pool.root.1.txt');
  t.is(await readFile(join(work, 'inputFor_HITS.01._000001.pool.root.1.txt'), 'utf8'), job.writeToFile[0]!.inputs.map((l) => `${join(work, l)}\n`).join(''));
});
