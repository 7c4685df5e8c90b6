/**
 * RunJob `hpc-event` end to end: the embedded dispatcher, the real PanDA client, M payload
 * simulator instances started by the launch template (local processes), each on its own
 * loopback TCP channel, mover-local object store. Assertions read the dispatcher's records
 * and the object store.
 */
import test from 'ava';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseHpcEventOptions } from '../../../plugins/runjob-hpc-event/index.js';
import { EsJobHarness, SIMULATOR, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';

const hpcTask = (taskId: number, extra = '') => esTask({
  taskId, files: 2, events: 6, coreCount: 2,
  jobPars: `${SIMULATOR} --endpoint=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=200 --workers=2 --timePerEventMs=40 ${extra}`,
});

test('M instances over TCP share the job: every range finished once, stored and verified', async (t) => {
  const h = await EsJobHarness.start({ task: hpcTask(701), pluginOptions: { 'hpc-event': { instances: 3, settleMs: 150, finalFlushS: 20 } } });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outLfn = job.outputFiles[0]!.lfn;
  const outcome = await h.runJob(job, undefined, 'hpc-event');
  t.like(outcome, { state: 'finished', pilotErrorCode: 0, nEvents: 12, nEventsFailed: 0, transExitCode: 0 });
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 12);
  const reports = finalReports(s);
  for (const id of ids) t.deepEqual(reports.get(id), ['finished'], id);
  t.deepEqual(await h.storedNames(), ids.map((id) => `${outLfn}.${id}`).sort());
  for (const id of ids) t.is(await h.checkObject(`${outLfn}.${id}`, id), undefined);
  // Each instance was started in its own directory; together they made every output. Which
  // instance got how many ranges is the machine's business (a slow start may get none).
  const made = new Set<string>();
  for (let i = 0; i < 3; i++) {
    const files = await readdir(join(h.workdir, `instance-${i}`));
    t.true(files.includes('ES_payload_output.txt'), `instance ${i} was started in its directory: ${files.join(' ')}`);
    for (const f of files) if (f.startsWith(`${outLfn}.`)) made.add(f.slice(outLfn.length + 1));
  }
  t.deepEqual([...made].sort(), [...ids].sort());
  t.true(h.run.lines.some((l) => /serving 3 payload instance\(s\) at tcp:\/\/127\.0\.0\.1:\d+ tcp:\/\/127\.0\.0\.1:\d+ tcp:\/\/127\.0\.0\.1:\d+/.test(l)));
});

test('a dead instance: its in-flight ranges are failed (1227), the others finish the job', async (t) => {
  // The launch template gives instance 1 a crash (SIGKILL on its second range); {instance} is the template's.
  // The others start a second later, so instance 1 has its first ranges (and dies on its second)
  // before they take the whole task on a fast machine.
  const launchTemplate = '[ {instance} = 1 ] || sleep 1; SIM_FAULT=$([ {instance} = 1 ] && echo --crashAfter=1) /bin/sh -c {command}';
  const h = await EsJobHarness.start({ task: hpcTask(702, '$SIM_FAULT'), pluginOptions: { 'hpc-event': { instances: 3, launchTemplate, settleMs: 150, finalFlushS: 20 } } });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outLfn = job.outputFiles[0]!.lfn;
  const outcome = await h.runJob(job, undefined, 'hpc-event');
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  const reports = finalReports(s);
  const failed = ids.filter((id) => reports.get(id)?.[0] === 'failed');
  const finished = ids.filter((id) => reports.get(id)?.[0] === 'finished');
  for (const id of ids) t.is(reports.get(id)?.length, 1, `${id} has exactly one final report`);
  t.true(failed.length >= 1, `the range the instance died with is failed\n${h.run.lines.filter((l) => /instance|payload/.test(l)).join('\n')}`);
  t.is(failed.length + finished.length, ids.length);
  t.true(s.rangeUpdates.filter((u) => u.eventStatus === 'failed').every((u) => u.errorCode === 1227));
  // How many others are still running when instance 1 dies depends on the machine's pace.
  t.true(h.run.lines.some((l) => /payload instance 1 ended holding \d+ range\(s\): reported failed; the other \d instance\(s\) continue/.test(l)), h.run.lines.filter((l) => /instance|payload|1227/.test(l)).join('\n'));
  // The surviving instances got every other range of the task done and stored.
  t.true(finished.length > failed.length);
  t.deepEqual(await h.storedNames(), finished.map((id) => `${outLfn}.${id}`).sort());
  t.like(outcome, { state: 'finished', pilotErrorCode: 0, nEventsFailed: failed.length, transExitCode: 137 });
});

test('bad hpc-event options are reported with their paths', (t) => {
  const err = t.throws(() => parseHpcEventOptions({ instances: 0, launchTemplate: 'srun {cmd}', coresPerInstance: 0, jobNumbers: 'same', settleMs: -1 }));
  for (const field of ['instances', 'launchTemplate', 'coresPerInstance', 'jobNumbers', 'settleMs']) t.regex(err!.message, new RegExp(field));
});
