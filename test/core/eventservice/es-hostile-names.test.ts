/**
 * Issue 13's name and link attacks on a whole ES job (embedded dispatcher, real ZeroMQ
 * channel, payload simulator, mover-local object store). The job definition is edited after
 * the client parsed it, so the core's own checks are what is tested, whatever the parser lets through.
 */
import test from 'ava';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EsJobHarness, SIMULATOR, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('ES output LFN ../../../../tmp/x from the server: the job fails with 1303 before the payload starts; no object, no catalog outside the store, no range done', async (t) => {
  // The store is four folders deep, so the escape would land in the test's own folder.
  const h = await EsJobHarness.start({
    task: esTask({ taskId: 531, files: 1, events: 4 }),
    queuedata: (store) => ({ objectstore: `eventservice^${pathToFileURL(join(store, 'a', 'b', 'c', 'es')).href}` }),
  });
  t.teardown(() => h.dispose());
  const parsed = await h.getJob();
  const job = { ...parsed, outputFiles: [{ ...parsed.outputFiles[0]!, lfn: '../../../../tmp/x' }] };
  const outcome = await h.runJob(job);
  t.is(outcome.state, 'failed');
  t.is(outcome.pilotErrorCode, 1303, outcome.pilotErrorDiag);
  t.regex(outcome.pilotErrorDiag ?? '', /\.\.\/\.\.\/\.\.\/\.\.\/tmp\/x/);
  t.false(existsSync(join(h.store, 'tmp')), 'nothing written outside the object store');
  // `se` is the harness's storage element (the job's input, its log); the object store tree stays empty.
  t.deepEqual((await readdir(h.store)).filter((n) => n !== 'se'), [], 'nothing written in the object store either');
  t.false([...finalReports(h.snapshot()).values()].flat().includes('finished'), 'no range reported finished');
});

test('a hard link in the job dir to a file outside it, reported as an output: every range fails with 1165, nothing is uploaded', async (t) => {
  const outside = await tempDir('espilot-outside-');
  t.teardown(() => outside.remove());
  const secret = join(outside.path, 'secret');
  await writeFile(secret, 'not the payload\'s\n');
  // The payload links the file it reports for every range (--sharedOutput) to a file outside the job.
  const task = esTask({ taskId: 532, files: 1, events: 3, maxAttempts: 1 });
  const h = await EsJobHarness.start({
    task: {
      ...task,
      payload: {
        transformation: '/bin/sh',
        jobPars: `-c 'ln ${secret} {outputLFN}.shared && exec node ${SIMULATOR} --channel=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=200 --workers=1 --sharedOutput'`,
      },
    },
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.not(outcome.state, 'finished');
  const reports = finalReports(h.snapshot());
  t.true(reports.size > 0, 'the payload reported its outputs');
  t.false([...reports.values()].flat().includes('finished'), 'no range reported finished');
  const failed = h.snapshot().rangeUpdates.filter((u) => u.eventStatus === 'failed');
  t.true(failed.length > 0 && failed.every((u) => Number(u.errorCode) === 1165), JSON.stringify(failed.map((u) => u.errorCode)));
  t.deepEqual(await h.storedNames(), [], 'nothing uploaded');
});
