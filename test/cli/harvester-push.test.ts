/**
 * `espilot run --harvester-submit-mode PUSH` as Harvester launches it: no PanDA server, the
 * job and ranges through the access point (HARVESTER_WORKDIR here), served by the Harvester
 * peer from the embedded dispatcher; the demo task with the demo's file:// object stores.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PandaClient, packageRoot, siteQueuedata } from '../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../plugins/panda-local/index.js';
import { finalReports } from '../helpers/es-job-harness.js';
import { HarvesterPeer } from '../helpers/harvester-peer.js';
import { makeRun } from '../helpers/make-run.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

test('run in push mode: the demo ES job through Harvester\'s files, every range reported once, the kill file at exit', async (t) => {
  const dir = await tempDir('espilot-push-');
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  const dispatcher = await startDispatcher({
    task: { ...demo, coreCount: 2, inputFiles: demo.inputFiles.map((f) => ({ ...f, events: 3 })), payload: { ...demo.payload, jobPars: demo.payload.jobPars.replace('--workers=4', '--workers=2') } },
  });
  // Harvester's own PanDA connection.
  const harvesterSide = await makeRun({ cli: { pilot: { server: { url: dispatcher.url } } } });
  const panda = PandaClient.fromRun(harvesterSide);
  let peer: HarvesterPeer | undefined;
  t.teardown(async () => { await peer?.stop(); panda.close(); await harvesterSide.dispose(); await dispatcher.stop(); await dir.remove(); });

  const url = (p: string) => pathToFileURL(p).href;
  const access = join(dir.path, 'access');
  for (const d of ['se', 'os/es', 'os/logs', 'access']) await mkdir(join(dir.path, d), { recursive: true });
  for (const f of demo.inputFiles) await writeFile(join(dir.path, 'se', f.lfn), `input file ${f.lfn}\n`);
  const queue = join(dir.path, 'queuedata.json');
  await writeFile(queue, JSON.stringify(siteQueuedata({
    name: 'PUSH_TEST', storageUrl: url(join(dir.path, 'se')), esObjectstoreUrl: url(join(dir.path, 'os/es')), logsObjectstoreUrl: url(join(dir.path, 'os/logs')), coreCount: 2,
  })));
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ eventService: { reportIntervalMs: 50 }, pluginOptions: { harvester: { pollMs: 50, files: { killWorker: 'kill_worker.json' } } } }));

  peer = await HarvesterPeer.start({ accessPoint: access, panda, siteName: 'PUSH_TEST', monitorMs: 300, feederMs: 50 });
  const r = await runCli(['run', '-c', site, '--queue', queue, '--workdir', join(dir.path, 'work'), '--harvester-submit-mode', 'push', '-z'], { env: { HARVESTER_WORKDIR: access }, timeoutMs: 90_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, new RegExp(`job ${peer.jobsPlaced[0]}: finished, nEvents 6`));
  await peer.stop();
  await peer.finalCycle();

  t.deepEqual(peer.problems, []);
  t.true(peer.killRequested);
  t.true(existsSync(join(access, 'kill_worker.json')));
  const reports = finalReports(dispatcher.snapshot());
  t.is(reports.size, 6);
  for (const [id, list] of reports) t.deepEqual(list, ['finished'], id);
  t.is(peer.forwarded.length, 6);
  t.like(peer.attributes.at(-1), { jobStatus: 'finished' });
});

test('run --harvester-submit-mode other than PULL or PUSH: refused, naming the flag', async (t) => {
  const r = await runCli(['run', '--harvester-submit-mode', 'pushy']);
  t.not(r.code, 0);
  t.regex(r.stderr, /--harvester-submit-mode: expected PULL or PUSH, got "pushy"/);
});

test('run in PUSH mode without an access point: refused, naming the option and where it comes from', async (t) => {
  const r = await runCli(['run', '--harvester-submit-mode', 'PUSH'], { env: { HARVESTER_WORKDIR: '' } });
  t.not(r.code, 0);
  t.regex(r.stderr, /pluginOptions\.harvester\.workdir: expected Harvester's access point \(--harvester-workdir or HARVESTER_WORKDIR\)/);
});
