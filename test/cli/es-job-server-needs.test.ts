/**
 * A real ATLAS-shaped Event Service job as a site runs it: `espilot serve-panda` (panda-local
 * with the server's parameter names and its Adder) and `espilot run` as two processes. The
 * payload reads every range's input through the PFN the pilot gives it (`--requirePfn`). The
 * server must get what it needs: inputs staged with a PoolFileCatalog, the ES job's log stored
 * and in the final `xml`, `objstoreID` on every finished range, and the merge job's output
 * registered by the Adder from its `xml`. Everything is read from the dispatcher's own state
 * (`GET /espilot/state`), not from the pilot.
 */
import test from 'ava';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { siteQueuedata } from '../../core/index.js';
import type { DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import { runCli } from '../helpers/run-cli.js';
import { servePanda } from '../helpers/serve-panda.js';
import { tempDir } from '../helpers/temp-dir.js';

const TASK = {
  taskId: 7401, eventService: true, prodSourceLabel: 'managed', processingType: 'simul', coreCount: 2, consumers: 1, eventsPerRange: 1, maxAttempts: 3, scope: 'mc_e2e',
  inputFiles: [
    { lfn: 'EVNT.7401._000001.pool.root.1', guid: '6F0B9E3A-5C1D-4E2F-8A7B-1C2D3E4F7401', events: 4 },
    { lfn: 'EVNT.7401._000002.pool.root.1', guid: '6F0B9E3A-5C1D-4E2F-8A7B-1C2D3E4F7402', events: 4 },
  ],
  output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1', log: 'log.{taskId}._{pandaId}.job.log.tgz', dataset: 'mc_e2e.{taskId}.simul.HITS', logDataset: 'mc_e2e.{taskId}.simul.log' },
  payload: { transformation: 'node', jobPars: '${ESPILOT_ROOT}/dist/plugins/payload-simulator/athenamp-simulator.js --channel=$PILOT_EVENTRANGECHANNEL --workers=2 --outputFile={outputLFN} --timePerEventMs=0 --requirePfn' },
  merge: { transformation: 'node', jobPars: '${ESPILOT_ROOT}/dist/plugins/payload-simulator/merge-simulator.js --inputFile=@inputFor_{outputLFN} --outputFile={outputLFN}' },
};

test('serve-panda + run: inputs staged and read through the PFN, ES log and merge output registered from xml, objstoreID on every range', async (t) => {
  const dir = await tempDir('espilot-e2e-');
  t.teardown(() => dir.remove());
  const se = join(dir.path, 'se');
  const os = join(dir.path, 'os');
  await mkdir(se, { recursive: true });
  await mkdir(join(os, 'es'), { recursive: true });
  for (const f of TASK.inputFiles) await writeFile(join(se, f.lfn), `input ${f.lfn}\n`);
  const taskPath = join(dir.path, 'task.json');
  await writeFile(taskPath, JSON.stringify(TASK));
  const queue = siteQueuedata({ name: 'E2E_QUEUE', storageUrl: pathToFileURL(se).href, esObjectstoreUrl: pathToFileURL(join(os, 'es')).href, coreCount: 2 });
  const queuePath = join(dir.path, 'queuedata.json');
  await writeFile(queuePath, JSON.stringify(queue));
  const sitePath = join(dir.path, 'site.json');
  await writeFile(sitePath, JSON.stringify({ disk: { freeSpaceLimitMB: 16, freeSpaceLimitRunningMB: 8 } }));

  const server = servePanda(['--task', taskPath]);
  t.teardown(() => { server.child.kill('SIGKILL'); });
  const url = await server.url;

  const workdir = join(dir.path, 'work');
  const r = await runCli(['run', '--server', url, '--queue', queuePath, '--config', sitePath, '--workdir', workdir, '--max-jobs', '2', '--log-level', 'warn', '--keep-workdir'], { timeoutMs: 110_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  const snap = (await (await fetch(`${url}/espilot/state`)).json()) as DispatcherSnapshot;
  await server.stop();

  const es = snap.jobs.find((j) => j.kind === 'es')!;
  const merge = snap.jobs.find((j) => j.kind === 'merge')!;
  const finalOf = (pandaId: string) => snap.jobUpdates.filter((u) => u.pandaId === pandaId && u.outcome === 'applied' && u.state !== 'running').map((u) => u.state);
  t.deepEqual(finalOf(es.pandaId), ['finished'], r.stderr);
  t.deepEqual(finalOf(merge.pandaId), ['finished'], r.stderr);

  // Inputs staged: the PoolFileCatalog of the ES job names each input by GUID and its local copy.
  const esDir = (await readdir(workdir, { recursive: true })).map(String).find((p) => p.endsWith(`PandaJob_${es.pandaId}`))!;
  const pfc = await readFile(join(workdir, esDir, 'PoolFileCatalog.xml'), 'utf8');
  for (const f of TASK.inputFiles) {
    t.true(pfc.includes(f.guid), `PoolFileCatalog lists ${f.guid}`);
    // pilot3 lists a staged copy by its name in the work directory (the payload's cwd).
    t.true(pfc.includes(`name="${f.lfn}"`), `PoolFileCatalog points at the staged ${f.lfn}`);
    t.is(await readFile(join(workdir, esDir, f.lfn), 'utf8'), `input ${f.lfn}\n`, `${f.lfn} was staged in`);
  }

  // Every range finished once, read its input through the PFN (the payload fails a range otherwise), and names its store.
  const finished = snap.rangeUpdates.filter((u) => u.outcome === 'applied' && u.eventStatus === 'finished');
  t.is(new Set(finished.map((u) => u.eventRangeId)).size, 8);
  t.true(snap.rangeUpdates.filter((u) => u.outcome === 'applied').every((u) => u.eventStatus === 'finished'));
  const osId = (queue['ddmendpoints'] as Record<string, { id: number }>)['OS_ES']!.id;
  t.true(finished.every((u) => Number(u.objstoreId) === osId), JSON.stringify(finished.map((u) => u.objstoreId)));

  // What the Adder registered from the final xml: the ES job's log, the merge job's output and log.
  const registered = (pandaId: string, type: string) => snap.files.filter((f) => f.pandaId === pandaId && f.type === type);
  const esLog = registered(es.pandaId, 'log');
  t.is(esLog.length, 1);
  t.is(esLog[0]!.lfn, es.definition['logFile']);
  const mergeOut = registered(merge.pandaId, 'output');
  t.is(mergeOut.length, 1);
  t.is(mergeOut[0]!.lfn, String(merge.definition['outFiles']).split(',')[0]);
  t.regex(mergeOut[0]!.checksum ?? '', /^ad:[0-9a-f]{8}$/);
  t.true(mergeOut[0]!.surl?.startsWith(pathToFileURL(se).href));
  t.is(registered(merge.pandaId, 'log').length, 1);
});
