/**
 * An Event Service job's CPU time and memory fields come from its payload's process tree:
 * a real ES job through the job runner (heartbeats, final update) whose payload burns CPU
 * before it becomes the AthenaMP simulator; and an ES payload that keeps its log busy but
 * reports no output is killed as looping.
 */
import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jobUpdateForm, runJob, type JobUpdate, type PandaApi } from '../../../core/index.js';
import { EsJobHarness, SIMULATOR, esTask } from '../../helpers/es-job-harness.js';

const MONITORS = { resourceIntervalS: 0.2, loopingCheckS: 0.2, loopingLimitS: 2, debugHeartbeatS: 0.2 };
const NODE = process.execPath;

function recording(api: PandaApi): { api: PandaApi; forms: Array<Record<string, unknown>> } {
  const forms: Array<Record<string, unknown>> = [];
  const rec = Object.create(api) as PandaApi;
  rec.updateJob = (u: JobUpdate) => { forms.push(jobUpdateForm(u)); return api.updateJob(u); };
  return { api: rec, forms };
}

test.serial('an ES job whose payload burns CPU reports the tree\'s CPU time and memory fields in heartbeats and the final update', async (t) => {
  // The shell burns 1.5 s of CPU in a child it reaps, then execs the simulator: the reaped time stays in the process's cutime.
  const burn = `${NODE} -e "const u = () => { const c = process.cpuUsage(); return c.user + c.system; }; while (u() < 1.5e6);"`;
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 711, files: 1, events: 6, jobPars: `-c '${burn}; exec ${NODE} ${SIMULATOR} --channel=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=200 --workers=2 --timePerEventMs=300'` }),
    // Its first output comes after the burn: a looping limit above that.
    pilot: { monitors: { ...MONITORS, loopingLimitS: 30 }, heartbeatS: 1 },
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const { api, forms } = recording(h.panda);
  const result = await runJob({ run: h.run, api, job: { ...job, transformation: '/bin/sh' }, pilotDir: h.workdir });
  t.is(result.outcome.state, 'finished', result.outcome.pilotErrorDiag);
  t.true(result.outcome.cpuConsumptionTime >= 1, `cpu ${result.outcome.cpuConsumptionTime}`);
  const beats = forms.filter((f) => f['state'] === 'running');
  t.true(beats.some((f) => Number(f['cpuConsumptionTime']) >= 1 && Number(f['maxPSS']) > 0), `heartbeats: ${JSON.stringify(beats.map((f) => [f['cpuConsumptionTime'], f['maxPSS']]))}`);
  const final = forms.find((f) => f['state'] === 'finished')!;
  t.true(Number(final['cpuConsumptionTime']) >= 1);
  for (const k of ['maxRSS', 'maxPSS', 'avgPSS', 'maxVMEM', 'totRCHAR', 'rateWCHAR']) t.true(Number.isInteger(final[k]), `${k} = ${final[k]}`);
});

test.serial('an ES payload that keeps writing its log but reports no output is killed as looping (1150)', async (t) => {
  const h = await EsJobHarness.start({ task: esTask({ taskId: 712, files: 1, events: 2 }), pilot: { monitors: MONITORS, heartbeatS: 1 }, eventService: { killGraceS: 1 } });
  t.teardown(() => h.dispose());
  const script = join(h.store, 'chatty.cjs');
  await writeFile(script, "process.on('SIGTERM', () => {}); setInterval(() => console.log('still busy'), 100);\n");
  const job = await h.getJob();
  const { api, forms } = recording(h.panda);
  const result = await runJob({ run: h.run, api, job: { ...job, transformation: NODE, jobParameters: script }, pilotDir: h.workdir });
  t.is(result.outcome.state, 'failed');
  t.is(result.outcome.pilotErrorCode, 1150, result.outcome.pilotErrorDiag);
  t.regex(result.outcome.pilotErrorDiag, /no output reported for \d+ s/);
  t.is(forms.find((f) => f['state'] === 'failed')?.['pilotErrorCode'], 1150);
});
