import test from 'ava';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PandaClient, adler32, formatAdler32, runPilotLoop } from '../../../core/index.js';
import { startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';
import { startXrootd, type XrootdServer } from '../../helpers/xrootd-server.js';

let xrootd: XrootdServer;
test.before(async () => { xrootd = await startXrootd(); });
test.after.always(async () => { await xrootd?.stop(); });

const INPUT = Buffer.from('EVNT bytes for a normal job through gfal2 and xrootd\n'.repeat(4000));
const LFN = 'EVNT.7002._000001.pool.root.1';

test('a normal job whose storage element is xrootd, through the gfal2 mover: stage-in verified, output and log stored with server checksums', async (t) => {
  const site = await localSite();
  const se = `${xrootd.url}//se-${Date.now()}`;
  // Put the input on the SE with the real xrootd client, as a previous job would have.
  const local = join(site.root, LFN);
  await writeFile(local, INPUT);
  const put = spawnSync('xrdcp', ['-f', '--path', local, `${se}/${LFN}`], { env: { ...process.env, XRD_CONNECTIONRETRY: '1' }, encoding: 'utf8' });
  t.is(put.status, 0, put.stderr);
  const dispatcher = await startDispatcher({
    task: {
      taskId: 7002, eventService: false, coreCount: 1, maxAttempts: 1, scope: 'test', firstPandaId: 7002001,
      inputFiles: [{ lfn: LFN, guid: 'B1B2C3D4-0000-0000-0000-000000000001', events: 10, size: INPUT.length, checksum: `ad:${formatAdler32(adler32(INPUT))}` }],
      output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1', log: 'log.{taskId}._{pandaId}.job.log.tgz' },
      payload: { transformation: '/bin/sh', jobPars: `-c 'cp ${LFN} HITS.7002._000001.pool.root.1'` },
    },
  });
  const run = await makeRun({
    extraLayers: [site.layer(
      { server: { url: dispatcher.url, retries: 1, backoffBaseMs: 10, backoffMaxMs: 50, requestTimeoutMs: 5000 } },
      { acopytools: { pr: ['gfal-copy'], pw: ['gfal-copy'], pl: ['gfal-copy'] }, astorages: { pr: ['XRD_SE'], pw: ['XRD_SE'], pl: ['XRD_SE'] }, ddmendpoints: { XRD_SE: { endpoint: se } } },
    )],
  });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });

  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, handleSignals: false });
  const job = result.jobs[0]!;
  t.is(job.outcome.state, 'finished', job.outcome.pilotErrorDiag);
  t.true(job.finalUpdateSent);
  // The server's own checksum of the stored output equals the input's (cp): queried with the real client.
  const q = spawnSync('xrdfs', [`localhost:${xrootd.port}`, 'query', 'checksum', `${new URL(se).pathname}/HITS.7002._000001.pool.root.1`], { encoding: 'utf8' });
  t.is(q.status, 0, q.stderr);
  t.regex(q.stdout, new RegExp(`adler32 ${formatAdler32(adler32(INPUT))}`));
  const ls = spawnSync('xrdfs', [`localhost:${xrootd.port}`, 'ls', new URL(se).pathname], { encoding: 'utf8' });
  t.regex(ls.stdout, /log\.7002\._7002\d+\.job\.log\.tgz/);
  t.true(run.lines.some((l) => /staged in EVNT\.7002.*gfal2/.test(l)), 'the input came through gfal2');
});
