/**
 * The server names a file with a path in it. The embedded dispatcher hands such names out as
 * panda-server would (it does not judge LFNs), so what is tested is the pilot's own check:
 * the job is rejected at the edge, reported failed with 1302, and nothing is read or written
 * for it, outside the site or inside.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { ErrorCodes, PandaClient, packageRoot, runPilotLoop } from '../../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { makeRun } from '../../helpers/make-run.js';

const CANARY = 'planted-outside-canary-5d1f0c';

async function tree(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.set(relative(dir, p), (await stat(p)).size);
    }
  };
  await walk(dir);
  return out;
}

async function dirsUnder(dir: string): Promise<string[]> {
  const out = [dir];
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) out.push(...(await dirsUnder(join(dir, e.name))));
  return out;
}

async function attack(t: import('ava').ExecutionContext, shape: { eventService: boolean; inputLfn?: string; outputLfn?: string }, lfn: string) {
  const site = await localSite();
  // A file the payload never made, where a traversing output name would find it.
  await mkdir(join(site.root, 'outside'), { recursive: true });
  await writeFile(join(site.root, 'outside', 'secret.txt'), CANARY);
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  const task = {
    ...demo, eventService: shape.eventService, coreCount: 1,
    inputFiles: demo.inputFiles.slice(0, 1).map((f) => ({ ...f, events: 2, ...(shape.inputLfn ? { lfn: shape.inputLfn } : {}) })),
    output: { ...demo.output, ...(shape.outputLfn ? { lfn: shape.outputLfn } : {}) },
  };
  const dispatcher = await startDispatcher({ task });
  const run = await makeRun({ extraLayers: [site.layer({ server: { url: dispatcher.url, retries: 0 } })] });
  const api = PandaClient.fromRun(run);
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  const before = await tree(site.root);
  t.false(existsSync('/tmp/x'), 'precondition: /tmp/x does not exist');

  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });

  t.is(result.jobs.length, 0, 'the job never ran');
  t.is(result.rejected.length, 1);
  t.is(result.rejected[0]!.code, ErrorCodes.CONVERSIONFAILURE);
  t.true(result.rejected[0]!.diagnostic.includes(JSON.stringify(lfn)), `the diagnostic names what was found: ${result.rejected[0]!.diagnostic}`);
  const job = dispatcher.snapshot().jobs.find((j) => j.pandaId === result.rejected[0]!.pandaId)!;
  t.is(job.reportedState, 'failed');
  t.is(job.pilotErrorCode, ErrorCodes.CONVERSIONFAILURE);
  t.regex(job.pilotErrorDiag ?? '', /expected a file name/);
  t.is(dispatcher.snapshot().dispatches.length, 0, 'no event range was asked for');

  // Nothing inside: the only new file is the pilot's pid file; no job directory, no stage-in, no output.
  const after = await tree(site.root);
  const added = [...after.keys()].filter((k) => !before.has(k));
  t.deepEqual(added.map((k) => k.replace(/pilot-\d+-\d+/, 'pilot-*')), ['work/pilot-*/pilot.pid']);
  for (const [k, size] of before) t.is(after.get(k), size, `${k} unchanged`);
  // Nothing outside: the name resolved from every directory of the site points at nothing new.
  for (const base of await dirsUnder(site.root)) {
    const target = resolve(base, lfn);
    if (!target.startsWith(site.root)) t.false(existsSync(target), `${target} was not written`);
  }
  t.false(existsSync('/tmp/x'));
  for (const file of after.keys()) {
    if (file !== join('outside', 'secret.txt')) t.false((await readFile(join(site.root, file), 'utf8')).includes(CANARY), `${file} holds no planted bytes`);
  }
}

test('a normal job with output LFN ../../../outside/secret.txt: rejected with 1302, nothing read or written', async (t) => {
  await attack(t, { eventService: false, outputLfn: '../../../outside/secret.txt' }, '../../../outside/secret.txt');
});

test('a normal job with input LFN ../../../planted/evil.sh: rejected with 1302, nothing staged in', async (t) => {
  await attack(t, { eventService: false, inputLfn: '../../../planted/evil.sh' }, '../../../planted/evil.sh');
});

test('an ES job with output LFN ../../../../tmp/x: rejected with 1302 before any range is fetched', async (t) => {
  await attack(t, { eventService: true, outputLfn: '../../../../tmp/x' }, '../../../../tmp/x');
});
