import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const root = join(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const queue = join(root, 'config/queuedata.local.json');
const esJobFile = join(root, 'test/fixtures/jobs/atlas-es-job.json');
const mergeJobFile = join(root, 'test/fixtures/jobs/atlas-merge-job.json');

/** `run --dry-run` output as step → lines, with the per-run channel name replaced by <CHANNEL>. */
async function dryRun(jobFile: string, experiment = 'atlas'): Promise<Map<string, string[]>> {
  const r = await runCli(['run', '--dry-run', '--job-file', jobFile, '--queue', queue, '--experiment', experiment]);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stdout}${r.stderr}`);
  const steps = new Map<string, string[]>();
  let current = '';
  for (const line of r.stdout.replace(/EventService_EventRanges_\d+_[0-9a-z]+/g, '<CHANNEL>').split('\n')) {
    if (!line.trim()) continue;
    const m = /^(\S.*?)\s{2,}(.*)$/.exec(line);
    if (m && !line.startsWith(' ')) {
      current = m[1]!;
      steps.set(current, [m[2]!]);
    } else steps.get(current)?.push(line.trim());
  }
  return steps;
}

async function withJobPars(t: import('ava').ExecutionContext, jobPars: string): Promise<string> {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const job = JSON.parse(await readFile(esJobFile, 'utf8')) as Record<string, string>;
  const path = join(dir.path, 'job.json');
  await writeFile(path, JSON.stringify({ ...job, jobPars }));
  return path;
}

const ENV = ['ATHENA_CORE_NUMBER=4', 'ATHENA_PROC_NUMBER=4', 'PILOT_EVENTRANGECHANNEL=<CHANNEL>'];

test('dry run of an ATLAS ES job: plugins per step and the command with the channel spliced into the existing --preExec', async (t) => {
  const s = await dryRun(esJobFile);
  t.deepEqual(s.get('experiment'), ['atlas']);
  t.deepEqual(s.get('runjob'), ['event']);
  t.deepEqual(s.get('launcher'), ['direct']);
  t.deepEqual(s.get('channel'), ['zeromq (ipc:///tmp/zmq_<CHANNEL>)']);
  t.deepEqual(s.get('es outputs HITS.12164365._000300.pool.root.1'), ['file:///var/tmp/espilot/objectstore/eventservice/HITS.12164365._000300.pool.root.1.<eventRangeID> via objectstore→local (activity es_events, 2 attempt(s) each)']);
  t.deepEqual(s.get('payload'), [...ENV,
    `Sim_tf.py --inputEVNTFile=EVNT.12164365._000300.pool.root.1 --outputHITSFile=HITS.12164365._000300.pool.root.1 --maxEvents=2000 --preExec 'EVNTtoHITS:from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="<CHANNEL>";simFlags.SimBarcodeOffset.set_Value_and_Lock(200000)' --eventService=True --multiprocess=True`]);
});

const FORMS: ReadonlyArray<[string, string, string]> = [
  ['PILOT_EVENTRANGECHANNEL export', '--inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True --channel=$PILOT_EVENTRANGECHANNEL',
    'export PILOT_EVENTRANGECHANNEL="<CHANNEL>"; Sim_tf.py --inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True --channel=$PILOT_EVENTRANGECHANNEL'],
  ['ComponentAccumulator preExec', '--CA --inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True',
    `Sim_tf.py --CA --inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True --preExec 'ConfigFlags.MP.EventRangeChannel="<CHANNEL>"'`],
  ['multithreaded --mtes in --athenaopts', "--CA --multithreaded=true --inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True --athenaopts='--threads=4'",
    `Sim_tf.py --CA --multithreaded=true --inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True --athenaopts='--mtes --mtes-channel="<CHANNEL>" --threads=4'`],
  ['legacy jobproperties preExec', '--inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True',
    `Sim_tf.py --inputEVNTFile=EVNT.1 --outputHITSFile=HITS.1 --eventService=True --preExec 'from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="<CHANNEL>"'`],
];

for (const [form, jobPars, command] of FORMS) {
  test(`dry run, channel injection form: ${form}`, async (t) => {
    const s = await dryRun(await withJobPars(t, jobPars));
    t.deepEqual(s.get('payload'), [...ENV, command]);
  });
}

test('dry run of an ATLAS merge job: object-store stage-in, the list file, no core count, no --autoConfiguration', async (t) => {
  const s = await dryRun(mergeJobFile);
  t.deepEqual(s.get('runjob'), ['normal']);
  t.deepEqual(s.get('stage-in HITS.12164365._000300.pool.root.1.12164365-4200000001-6391858827-1-10'), ['file:///var/tmp/espilot/objectstore/eventservice/HITS.12164365._000300.pool.root.1.12164365-4200000001-6391858827-1-10 via objectstore→local (activity es_events_read, 2 attempt(s) each)']);
  t.deepEqual(s.get('stage-out HITS.12164365._000300.pool.root.1'), ['file:///var/tmp/espilot/se/HITS.12164365._000300.pool.root.1 via local (activity pw, 2 attempt(s) each)']);
  t.deepEqual(s.get('payload'), ['unset ATHENA_PROC_NUMBER ATHENA_CORE_NUMBER; HITSMerge_tf.py @inputFor_HITS.12164365._000300.pool.root.1.txt --outputHITS_MRGFile=HITS.12164365._000300.pool.root.1']);
});

test('dry run with the generic experiment: <transformation> <jobPars>, runs nothing', async (t) => {
  const s = await dryRun(await withJobPars(t, '--channel=$PILOT_EVENTRANGECHANNEL --x=1'), 'generic');
  t.deepEqual(s.get('payload')?.at(-1), 'export PILOT_EVENTRANGECHANNEL="<CHANNEL>"; Sim_tf.py --channel=$PILOT_EVENTRANGECHANNEL --x=1');
});
