/**
 * Launched the way pilot wrappers launch pilot3: `espilot run -q QUEUE -r SCORE -s SITE -j managed
 * --queuedata-url … --storagedata-url …` against `espilot serve-panda` (the demo task), the queue
 * and its endpoints served by a loopback CRIC as CRIC serves them, every copy through the `rucio`
 * copytool. The queue's timefloor keeps the pilot taking jobs (the ES job, then its merge job)
 * until the server has none. What the server got is read from its own state and debug log.
 */
import test from 'ava';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import { rucioPath } from '../../core/index.js';
import { startCricServer } from '../helpers/cric-server.js';
import { runCli } from '../helpers/run-cli.js';
import { servePanda } from '../helpers/serve-panda.js';
import { tempDir } from '../helpers/temp-dir.js';

const QUEUE = 'ESPILOT_CRIC_E2E';
const SITE = 'ESPILOT-SITE';
/** The demo task's inputs (config/demo-task.json). */
const INPUTS = ['EVNT.9001._000001.pool.root.1', 'EVNT.9001._000002.pool.root.1'];

/** The scope of serve-panda's default task (config/demo-task.json), its outputs' scope. */
const TASK_SCOPE = (JSON.parse(readFileSync(join(fileURLToPath(new URL('.', import.meta.url)), '../../../config/demo-task.json'), 'utf8')) as { scope: string }).scope;

function endpoint(name: string, id: number, url: string): Record<string, unknown> {
  const protocol = [{ endpoint: url.replace(/^(file:\/\/).*/, '$1'), flavour: 'POSIX', id: id * 10, path: url.replace(/^file:\/\//, '') }];
  return { name, id, type: name.endsWith('_ES') ? 'OS_ES' : 'DATADISK', is_deterministic: true, arprotocols: { read_lan: protocol, write_lan: protocol }, rprotocols: { [String(id * 10)]: { ...protocol[0], settings: {} } } };
}

test('espilot run -q QUEUE -r SCORE -s SITE -j managed --queuedata-url --storagedata-url: the demo task runs against serve-panda', async (t) => {
  const dir = await tempDir('espilot-pilot3-cli-');
  t.teardown(() => dir.remove());
  const se = join(dir.path, 'se');
  const os = join(dir.path, 'os-es');
  await mkdir(se, { recursive: true });
  await mkdir(os, { recursive: true });
  for (const lfn of INPUTS) await writeFile(join(se, lfn), `input ${lfn}\n`);

  const cric = await startCricServer({
    [`/cache/schedconfig/${QUEUE}.json`]: {
      [QUEUE]: {
        name: QUEUE, nickname: QUEUE, panda_resource: QUEUE, atlas_site: SITE, siteid: QUEUE, status: 'online', state: 'ACTIVE', type: 'production',
        copytools: { rucio: { setup: '$ATLAS_LOCAL_ROOT_BASE/user/atlasLocalSetup.sh --quiet; lsetup rucio' } },
        acopytools: { pr: ['rucio'], pw: ['rucio'], pl: ['rucio'], es_events: ['rucio'], es_events_read: ['rucio'] },
        astorages: { pr: ['E2E_DATADISK'], pw: ['E2E_DATADISK'], pl: ['E2E_DATADISK'], es_events: ['E2E_ES'], es_events_read: ['E2E_ES'] },
        aprotocols: {}, params: { pilot_rss_grace: 100 }, catchall: '', container_type: '', container_options: 'none',
        corecount: 4, maxrss: 0, maxwdir: 0, maxtime: 0, glexec: false, direct_access_lan: false, direct_access_wan: false,
        // Minutes: long enough for both jobs, so the pilot asks again until the server has no job.
        timefloor: 30,
      },
    },
    '/cache/ddmendpoints.json': { E2E_DATADISK: endpoint('E2E_DATADISK', 11, pathToFileURL(se).href), E2E_ES: endpoint('E2E_ES', 12, pathToFileURL(os).href) },
  });
  t.teardown(() => cric.stop());

  const server = servePanda(['--log-level', 'debug']);
  t.teardown(() => { server.child.kill('SIGKILL'); });
  const url = await server.url;
  const sitePath = join(dir.path, 'site.json');
  await writeFile(sitePath, JSON.stringify({ disk: { freeSpaceLimitMB: 16, freeSpaceLimitRunningMB: 8 } }));

  const workdir = join(dir.path, 'pilot-home');
  const r = await runCli([
    'run', '-q', QUEUE, '-r', 'SCORE', '-s', SITE, '-j', 'managed',
    '--queuedata-url', `${cric.url}/cache/schedconfig/{pandaqueue}.json`, '--storagedata-url', `${cric.url}/cache/ddmendpoints.json`,
    '--url', url, '-a', workdir, '--resource-type', 'SCORE', '--job-type', 'managed', '--pilot-user', 'generic', '-w', 'generic', '-i', 'PR', '-t',
    '--config', sitePath, '--log-level', 'info',
  ], { timeoutMs: 110_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  const snap = (await (await fetch(`${url}/espilot/state`)).json()) as DispatcherSnapshot;
  await server.stop();

  // Both jobs of the task, one after the other in one pilot (timefloor), each finished once.
  t.is(snap.task.status, 'done', r.stderr);
  const finals = snap.jobUpdates.filter((u) => u.outcome === 'applied' && u.state !== 'running' && u.state !== 'starting');
  t.deepEqual(finals.map((u) => u.state), ['finished', 'finished'], r.stderr);
  t.regex(r.stderr, /timefloor 1800 s, \d+ s since the start: asking for another job/);
  t.regex(r.stdout, /no job available|job \d+: finished/);

  // getJob as pilot3 sends it: the queue, the site, the label, the resource type and the worker node.
  const getJob = /getJob (.*)/.exec(server.output())?.[1] ?? '';
  for (const want of [`siteName=${SITE}`, `computingElement=${QUEUE}`, 'prodSourceLabel=managed', 'resourceType=SCORE', 'jobType=managed', 'getProxyKey=False']) t.true(getJob.includes(want), `${want} in ${getJob}`);
  for (const field of ['cpu', 'mem', 'diskSpace', 'node']) t.regex(getJob, new RegExp(`(^| )${field}=[^ ]+`), `${field} sent`);

  // The endpoints came from the storage data: outputs through the rucio copytool into them, their URLs in the xml.
  const outputs = snap.files.filter((f) => f.type === 'output');
  t.true(outputs.length > 0, JSON.stringify(snap.files));
  // E2E_DATADISK is is_deterministic: each output at Rucio's path of its scope and name, as pilot3 writes it.
  for (const f of outputs) t.is(f.surl, `${pathToFileURL(se).href}/${rucioPath(TASK_SCOPE, f.lfn)}`, JSON.stringify(f));
  for (const f of outputs) t.true(existsSync(join(se, rucioPath(TASK_SCOPE, f.lfn))), `${f.lfn} stored at its Rucio path`);

  // pilot3's log file in the work directory, with the lines of the run.
  const pilotlog = await readFile(join(workdir, 'pilotlog.txt'), 'utf8');
  t.regex(pilotlog, /asking for another job/);
  t.regex(pilotlog, new RegExp(`loaded ${cric.url.replace(/[.]/g, '\\.')}/cache/schedconfig/${QUEUE}\\.json`));
  // The last good CRIC copies, for when CRIC is down.
  t.truthy(JSON.parse(await readFile(join(workdir, 'queuedata.json'), 'utf8'))[QUEUE]);
  t.truthy(JSON.parse(await readFile(join(workdir, 'cric_ddmendpoints.json'), 'utf8')).E2E_ES);
});
