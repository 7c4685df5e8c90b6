/**
 * The container launcher in a real run: queuedata `container_type` selects it, and an ES job
 * whose payload (the AthenaMP simulator) runs inside a real bubblewrap sandbox reaches the
 * pilot's ZeroMQ channel through the shared /tmp — past the peer check, which sees the
 * payload's host pid although the sandbox has its own pid namespace — and finishes every range.
 * The apptainer runtime, resolved the same way, builds pilot3's command for the queue.
 */
import test from 'ava';
import { realpathSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, PayloadLauncher, launcherNameFor, parseQueueData } from '../../../core/index.js';
import { ContainerLauncher } from '../../../plugins/launcher-container/index.js';
import { EsJobHarness, SIMULATOR, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { makeRun } from '../../helpers/make-run.js';
import { runCli } from '../../helpers/run-cli.js';
import { tempDir } from '../../helpers/temp-dir.js';

const ROOT = process.cwd();
/** What the sandbox must see read-only: the package (simulator) and its dependencies (zeromq). */
const PACKAGE_BINDS = [ROOT, realpathSync(join(ROOT, 'node_modules'))];

test('container_type apptainer:pilot or singularity:pilot selects the container launcher; docker or none keeps direct; glexec wins', async (t) => {
  for (const [queuedata, want] of [
    [{ container_type: 'apptainer:pilot;docker:wrapper' }, 'container'],
    [{ container_type: 'singularity:pilot' }, 'container'],
    [{ container_type: 'docker:pilot' }, 'direct'],
    [{}, 'direct'],
    [{ container_type: 'apptainer:pilot', glexec: 'True' }, 'glexec'],
  ] as const) {
    const run = await makeRun({ cli: { queuedata } });
    t.is(launcherNameFor(run.settings), want, JSON.stringify(queuedata));
    await run.dispose();
  }
  const q = parseQueueData({ container_type: ' apptainer : pilot ; docker:wrapper', container_options: 'none' });
  t.deepEqual(q.containerType, { pilot: 'apptainer', wrapper: 'docker' });
  t.is(q.containerOptions, '');
  const err = t.throws(() => parseQueueData({ container_type: 'apptainer' }), { instanceOf: ConfigError });
  t.regex(err!.message, /queuedata\.container_type.*"<container>:<user>".*"apptainer"/);
});

test('the apptainer runtime builds pilot3\'s command from the queue\'s container_options, without --containall', async (t) => {
  const run = await makeRun({ cli: { queuedata: { container_type: 'apptainer:pilot', container_options: '-B /scratch --containall' }, pilot: { pluginOptions: { container: { image: '/cvmfs/img/x86_64-el9.img' } } } } });
  t.teardown(() => run.dispose());
  const launcher = run.resolver.get<ContainerLauncher>(PayloadLauncher, launcherNameFor(run.settings));
  t.true(launcher instanceof ContainerLauncher);
  const command = launcher.containerCommand({ command: 'Sim_tf.py --maxEvents=10', cwd: '/scratch/job', env: {}, stdoutPath: '/dev/null', stderrPath: '/dev/null' });
  t.is(command, "export workdir=/scratch/job; apptainer --verbose exec -B /scratch,/cvmfs,${workdir},/home /cvmfs/img/x86_64-el9.img /bin/bash -c 'cd $workdir;pwd;Sim_tf.py --maxEvents=10'");
});

test.serial('an ES job whose payload runs inside bubblewrap reaches the channel and finishes every range exactly once', async (t) => {
  // `[ $$ -le 3 ]`: the payload's shell is a low pid only inside the sandbox's own pid namespace.
  const task = esTask({ taskId: 931, files: 1, events: 6, jobPars: `-c '[ $$ -le 3 ] || exit 97; exec node ${SIMULATOR} --channel=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=200 --workers=2'` });
  const h = await EsJobHarness.start({
    task,
    queuedata: (store) => ({
      container_type: 'apptainer:pilot;docker:wrapper',
      ddmendpoints: { OS_ES: { endpoint: `file://${join(store, 'es')}`, id: 4711 } }, astorages: { es_events: ['OS_ES'] },
    }),
    pluginOptions: { container: { runtime: 'bwrap', readOnlyBinds: PACKAGE_BINDS } },
  });
  t.teardown(() => h.dispose());
  t.is(launcherNameFor(h.run.settings), 'container');
  const job = await h.getJob();
  const outcome = await h.runJob({ ...job, transformation: '/bin/sh' });
  t.like(outcome, { state: 'finished', pilotErrorCode: 0, transExitCode: 0, nEvents: 6, nEventsFailed: 0 }, outcome.pilotErrorDiag);
  const s = h.snapshot();
  const ids = dispatchedIds(s, job.pandaId);
  t.is(ids.length, 6);
  const reports = finalReports(s);
  for (const id of ids) t.deepEqual(reports.get(id), ['finished'], id);
  const outLfn = job.outputFiles[0]!.lfn;
  for (const id of ids) t.is(await h.checkObject(`${outLfn}.${id}`, id), undefined);
});

test('config --explain lists container_type and container_options as read', async (t) => {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const q = join(dir.path, 'q.json');
  await writeFile(q, JSON.stringify({ nickname: 'X', container_type: 'apptainer:pilot', container_options: '-B /scratch' }));
  const r = await runCli(['config', '--queue', q, '--explain']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^queuedata\.container_type\s+"apptainer:pilot"\s+queuedata:\S+$/m);
  t.regex(r.stdout, /^queuedata\.container_options\s+"-B \/scratch"\s+queuedata:\S+$/m);
});
