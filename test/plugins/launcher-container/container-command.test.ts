/**
 * The container commands: apptainer's is pilot3's `container_wrapper` form for the same job
 * and queue (pilot/user/atlas/container.py), with the containment options that would hide the
 * host's /tmp (the channel's socket) dropped; bubblewrap's shares /tmp and the work dir.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { apptainerCommand, bwrapArgv, bwrapCommand, parseContainerOptions } from '../../../plugins/launcher-container/index.js';

const run = promisify(execFile);
const WORKDIR = '/scratch/PanDA_Pilot-6401537770';
const IMAGE = '/cvmfs/atlas.cern.ch/repo/containers/images/apptainer/x86_64-centos7.img';
const PAYLOAD = 'export ATHENA_PROC_NUMBER=8; Sim_tf.py --inputEVNTFile=EVNT.01._000001.pool.root.1 --outputHITSFile=HITS.pool.root';

test('apptainer: pilot3 command for a queue without container_options', (t) => {
  const c = apptainerCommand({ executable: 'apptainer', containerOptions: '', workdir: WORKDIR, image: IMAGE, command: PAYLOAD });
  t.is(c.command, 'export workdir=/scratch/PanDA_Pilot-6401537770; apptainer --verbose exec -B /cvmfs,${workdir},/home '
    + '/cvmfs/atlas.cern.ch/repo/containers/images/apptainer/x86_64-centos7.img /bin/bash -c '
    + "'cd $workdir;pwd;export ATHENA_PROC_NUMBER=8; Sim_tf.py --inputEVNTFile=EVNT.01._000001.pool.root.1 --outputHITSFile=HITS.pool.root'");
  t.deepEqual(c.dropped, []);
});

test('apptainer: container_options come first, the pilot\'s binds appended after a comma', (t) => {
  const c = apptainerCommand({ executable: 'singularity', containerOptions: '-B /scratch', workdir: WORKDIR, image: IMAGE, command: 'run.sh' });
  t.is(c.command, `export workdir=${WORKDIR}; singularity --verbose exec -B /scratch,/cvmfs,\${workdir},/home ${IMAGE} /bin/bash -c 'cd $workdir;pwd;run.sh'`);
});

test('apptainer: -C, --containall, -c and --contain are dropped (the payload must share /tmp); a quote in the payload survives', (t) => {
  const c = apptainerCommand({ executable: 'apptainer', containerOptions: '-B /scratch --containall -C', workdir: WORKDIR, image: IMAGE, command: "echo 'x'" });
  t.deepEqual(c.dropped, ['--containall', '-C']);
  t.false(/ -C | --contain/.test(c.command));
  t.true(c.command.includes(`exec -B /scratch,/cvmfs,\${workdir},/home ${IMAGE} `));
  t.true(c.command.endsWith(`/bin/bash -c 'cd $workdir;pwd;echo '\\''x'\\'''`));
  t.is(apptainerCommand({ executable: 'apptainer', containerOptions: '--contain', workdir: WORKDIR, image: IMAGE, command: 'a' }).command.split(' ')[5], '-B');
});

test('bwrap: system dirs read-only, /tmp and the work dir writable after the read-only binds, no user/net/ipc namespace', (t) => {
  const argv = bwrapArgv({ executable: 'bwrap', workdir: '/work/job', readOnlyBinds: ['/work'], command: 'run.sh' });
  const pairs = argv.join(' ');
  t.true(pairs.includes('--ro-bind /usr /usr') && pairs.includes('--ro-bind /etc /etc'));
  t.true(argv.indexOf('/work') < argv.lastIndexOf('/work/job'), 'the work dir is bound after the read-only /work');
  t.true(pairs.includes('--bind /tmp /tmp --bind /work/job /work/job --chdir /work/job'));
  for (const opt of ['--unshare-user', '--unshare-net', '--unshare-ipc', '--unshare-all', '--clearenv']) t.false(argv.includes(opt), opt);
  t.deepEqual(argv.slice(-3), ['/bin/sh', '-c', 'run.sh']);
});

test('bwrap: the real sandbox runs the command in its own pid namespace, writes the work dir and /tmp, cannot write /usr, keeps the env', async (t) => {
  const wd = await mkdtemp(join(tmpdir(), 'espilot-bwrap-'));
  t.teardown(() => rm(wd, { recursive: true, force: true }));
  const cmd = bwrapCommand({ executable: 'bwrap', workdir: wd, readOnlyBinds: [], command: `echo pid=$$ tag=$TAG; touch ${wd}/w /tmp/$(basename ${wd}).t && echo wrote; touch /usr/x 2>/dev/null || echo ro; rm /tmp/$(basename ${wd}).t` });
  const { stdout } = await run('/bin/sh', ['-c', cmd], { cwd: wd, env: { PATH: '/usr/bin:/bin', TAG: 'kept' } });
  t.deepEqual(stdout.trim().split('\n'), ['pid=2 tag=kept', 'wrote', 'ro']);
});

test('options: runtime is apptainer or bwrap, binds absolute', (t) => {
  t.is(parseContainerOptions({}).runtime, 'apptainer');
  t.is(parseContainerOptions({ runtime: 'bwrap', readOnlyBinds: ['/cvmfs'] }).readOnlyBinds[0], '/cvmfs');
  t.throws(() => parseContainerOptions({ runtime: 'docker' }), { message: /runtime/ });
  t.throws(() => parseContainerOptions({ readOnlyBinds: ['cvmfs'] }), { message: /readOnlyBinds\[0\].*absolute/ });
});
