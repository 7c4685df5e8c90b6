import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findJobStates, packageRoot, siteQueuedata } from '../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher, type DispatcherHandle } from '../../plugins/panda-local/index.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

let dir: { path: string; remove(): Promise<void> };
let dispatcher: DispatcherHandle;
let queue: string;

test.before(async () => {
  dir = await tempDir('espilot-run-');
  const demo = loadTaskFile(demoTaskPath(), packageRoot());
  dispatcher = await startDispatcher({
    task: { ...demo, coreCount: 2, inputFiles: demo.inputFiles.map((f) => ({ ...f, events: 3 })), payload: { ...demo.payload, jobPars: demo.payload.jobPars.replace('--workers=4', '--workers=2') } },
  });
  const url = (p: string) => pathToFileURL(p).href;
  for (const d of ['se', 'os/es', 'os/logs']) await mkdir(join(dir.path, d), { recursive: true });
  for (const f of demo.inputFiles) await writeFile(join(dir.path, 'se', f.lfn), `input file ${f.lfn}\n`);
  queue = join(dir.path, 'queuedata.json');
  await writeFile(queue, JSON.stringify(siteQueuedata({
    name: 'RUN_TEST', storageUrl: url(join(dir.path, 'se')), esObjectstoreUrl: url(join(dir.path, 'os/es')), logsObjectstoreUrl: url(join(dir.path, 'os/logs')), coreCount: 2,
  })));
});

test.after.always(async () => {
  await dispatcher?.stop();
  await dir?.remove();
});

test.serial('run --log-format json --log-level debug: every stderr line is one JSON record with its component tag; every job has its report', async (t) => {
  const workdir = join(dir.path, 'work');
  const r = await runCli(['run', '--server', dispatcher.url, '--queue', queue, '--workdir', workdir, '--max-jobs', '5', '--log-format', 'json', '--log-level', 'debug'], { timeoutMs: 60_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /job \d+: finished, nEvents 6/);
  const records = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { time: string; level: string; tag: string; message: string });
  t.true(records.every((x) => /^\d{4}-\d\d-\d\dT/.test(x.time) && typeof x.message === 'string'));
  const levels = new Set(records.map((x) => x.level));
  t.true(levels.has('debug') && levels.has('info'), [...levels].join(','));
  const tags = new Set(records.map((x) => x.tag));
  for (const tag of ['pilot', 'panda', 'run-job:normal']) t.true(tags.has(tag), `tag ${tag} in ${[...tags].join(', ')}`);
  t.true([...tags].some((x) => /^job:\d+$/.test(x)) && [...tags].some((x) => /^run-job:event:job-\d+$/.test(x)));
  const jobs = (await findJobStates(workdir)).map((p) => dirname(p));
  t.is(jobs.length, 2, 'the ES job and the merge job');
  for (const j of jobs) {
    t.true(existsSync(join(j, 'job-report.json')) && existsSync(join(j, 'timeline.html')), j);
  }
});

test.serial('run --log-level warn: info lines are not shown', async (t) => {
  const r = await runCli(['run', '--server', dispatcher.url, '--queue', queue, '--workdir', join(dir.path, 'work2'), '--log-level', 'warn']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /no job available from the server/);
  t.notRegex(r.stderr, / info /);
});

test('run: a bad --log-level or --log-format is named with the values expected, exit 2', async (t) => {
  const level = await runCli(['run', '--server', dispatcher.url, '--queue', queue, '--log-level', 'loud']);
  t.is(level.code, 2);
  t.regex(level.stderr, /config\.logging\.level: expected one of "silent", "error", "warn", "info", "debug", "trace", got "loud"/);
  const format = await runCli(['run', '--server', dispatcher.url, '--queue', queue, '--log-format', 'xml']);
  t.is(format.code, 2);
  t.regex(format.stderr, /config\.logging\.format: expected one of "text", "json", got "xml"/);
});
