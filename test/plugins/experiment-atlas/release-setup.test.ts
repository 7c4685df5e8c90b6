/**
 * The ATLAS release setup: pilot3's asetup options from swRelease/homepackage, and the setup
 * before a real transform command run against a stand-in CVMFS (ATLASLocalRootBase and AtlasSetup
 * as shell scripts that record what they were given), so the command is proven to source them.
 */
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Experiment, type Experiment as Exp } from '../../../core/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { esJob, queue, sampleJob } from '../../helpers/sample-jobs.js';
import { tempDir } from '../../helpers/temp-dir.js';

const run$ = promisify(execFile);

test('asetup options as pilot3 forms them', async (t) => {
  const { asetupOptions } = await import('../../../plugins/experiment-atlas/release-setup.js');
  t.is(asetupOptions('Atlas-23.0.5', 'AthSimulation/23.0.5'), 'AthSimulation,23.0.5,notest');
  t.is(asetupOptions('Atlas-21.0.15', 'AtlasOffline'), 'AtlasOffline,21.0.15,notest');
  t.is(asetupOptions('Atlas-21.0.15', 'AnalysisTransforms-AtlasDerivation_21.2.1.0'), 'AtlasDerivation,21.2.1.0,notest');
  t.is(asetupOptions('Atlas-22.0', 'AnalysisTransforms'), '22.0,notest');
});

test('a job with a release gets ATLAS_LOCAL_ROOT_BASE, atlasLocalSetup and asetup before its transform; NULL, asetup in jobPars, no CVMFS or never: none', async (t) => {
  const dir = await tempDir('espilot-cvmfs-');
  t.teardown(() => dir.remove());
  const alrb = join(dir.path, 'atlas.cern.ch/repo/ATLASLocalRootBase');
  const atlasSetup = join(dir.path, 'AtlasSetup');
  await mkdir(join(alrb, 'user'), { recursive: true });
  await mkdir(join(atlasSetup, 'scripts'), { recursive: true });
  await writeFile(join(alrb, 'user/atlasLocalSetup.sh'), `echo "alrb $ATLAS_LOCAL_ROOT_BASE $@" >> setup.log\nexport AtlasSetup=${atlasSetup}\n`);
  await writeFile(join(atlasSetup, 'scripts/asetup.sh'), 'echo "asetup $@" >> setup.log\nexport RELEASE_READY=yes\n');
  const run = await makeRun({ cli: { pilot: { pluginOptions: { atlas: { cvmfsRoot: dir.path } } } } });
  t.teardown(() => run.dispose());
  const atlas = run.resolver.get<Exp>(Experiment, 'atlas');
  const ctx = { workdir: dir.path, queue: queue({ corecount: 8 }), channelName: 'ch' };
  const job = esJob({ coreCount: 8, swRelease: 'Atlas-23.0.5', homePackage: 'AthSimulation/23.0.5', cmtConfig: 'x86_64-centos7-gcc11-opt', transformation: 'echo', jobParameters: 'transform $RELEASE_READY $PILOT_EVENTRANGECHANNEL >> setup.log' });
  const { command, env } = await atlas.payloadCommand(job, ctx);
  t.true(command.startsWith(`export ATLAS_LOCAL_ROOT_BASE=${alrb};source \${ATLAS_LOCAL_ROOT_BASE}/user/atlasLocalSetup.sh --quiet;source $AtlasSetup/scripts/asetup.sh AthSimulation,23.0.5,notest --platform x86_64-centos7-gcc11-opt --makeflags='$MAKEFLAGS'; `), command);
  // bash, as /bin/sh is on EL worker nodes (ALRB needs it; Debian's dash has no `source`).
  await run$('/bin/bash', ['-c', command], { cwd: dir.path, env: { PATH: process.env['PATH'], ...env } });
  t.deepEqual((await readFile(join(dir.path, 'setup.log'), 'utf8')).trim().split('\n'), [
    `alrb ${alrb} --quiet`,
    "asetup AthSimulation,23.0.5,notest --platform x86_64-centos7-gcc11-opt --makeflags=$MAKEFLAGS",
    'transform yes ch',
  ]);
  for (const over of [{ swRelease: 'NULL' }, {}, { swRelease: 'Atlas-23.0.5', jobParameters: 'source $AtlasSetup/scripts/asetup.sh 23.0.5; Sim_tf.py' }]) {
    const c = (await atlas.payloadCommand(sampleJob({ transformation: 'Sim_tf.py', ...over }), ctx)).command;
    t.false(c.includes('ATLAS_LOCAL_ROOT_BASE'), JSON.stringify(over));
  }
  const never = await makeRun({ cli: { pilot: { pluginOptions: { atlas: { cvmfsRoot: dir.path, releaseSetup: 'never' } } } } });
  t.teardown(() => never.dispose());
  t.false((await never.resolver.get<Exp>(Experiment, 'atlas').payloadCommand(sampleJob({ swRelease: 'Atlas-23.0.5' }), ctx)).command.includes('asetup'));
  const noCvmfs = await makeRun({ cli: { pilot: { pluginOptions: { atlas: { cvmfsRoot: join(dir.path, 'absent') } } } } });
  t.teardown(() => noCvmfs.dispose());
  t.false((await noCvmfs.resolver.get<Exp>(Experiment, 'atlas').payloadCommand(sampleJob({ swRelease: 'Atlas-23.0.5' }), ctx)).command.includes('asetup'));
});
