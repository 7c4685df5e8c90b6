/**
 * The Token Extractor hook wired through RunJobEvent: an ES job with the ATLAS experiment,
 * the payload simulator and a Token Extractor stand-in (TokenExtractor is ATLAS software
 * that cannot run here; the stand-in records its input list, then dies). Its death stops the
 * payload and fails the job with TEFATAL (1229); the ranges still held are failed.
 */
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes } from '../../../core/index.js';
import { EsJobHarness, inputBytes, SIMULATOR, dispatchedIds, esTask, finalReports } from '../../helpers/es-job-harness.js';
import { tempDir } from '../../helpers/temp-dir.js';

test('an ATLAS ES job asking for the Token Extractor starts it with its input list; its death fails the job with 1229', async (t) => {
  const bin = await tempDir('espilot-te-');
  t.teardown(() => bin.remove());
  const te = join(bin.path, 'TokenExtractor');
  await writeFile(te, '#!/bin/sh\ncp "$3" te-list-seen.txt\nsleep 0.4\nexit 3\n', { mode: 0o755 });
  // `# UseTokenExtractor=True` is a shell comment: the job's setup asks for the TE without the simulator seeing it.
  const task = esTask({
    taskId: 801, files: 2, events: 20, coreCount: 2,
    jobPars: `${SIMULATOR} --channel=$PILOT_EVENTRANGECHANNEL --outputFile={outputLFN} --outputBytes=100 --workers=2 --timePerEventMs=100 # UseTokenExtractor=True`,
  });
  const h = await EsJobHarness.start({
    task,
    experiment: 'atlas',
    pluginOptions: { atlas: { tokenExtractor: te } },
    queuedata: (store) => ({ objectstore: `eventservice^${pathToFileURL(join(store, 'es')).href}`, corecount: 2 }),
  });
  t.teardown(() => h.dispose());
  const job = await h.getJob();
  const outcome = await h.runJob(job);
  t.like(outcome, { state: 'failed', pilotErrorCode: ErrorCodes.TEFATAL });
  t.regex(outcome.pilotErrorDiag, /token-extractor ended: Token Extractor .* exit code 3/);
  const list = await readFile(join(h.workdir, 'te-list-seen.txt'), 'utf8');
  t.regex(list, /^0A1B2C3D-0000-4000-8000-000801000001,PFN:\S+EVNT\.801\._1\.pool\.root\.1$/m, 'input list lines are <GUID>,PFN:<file>');
  // The list points at what was staged in.
  for (const [, path] of list.matchAll(/^[^,]+,PFN:(.+)$/gm)) t.is(await readFile(path!, 'utf8'), inputBytes(basename(path!)), `${path} is the staged input`);
  const s = h.snapshot();
  const reports = finalReports(s);
  for (const id of dispatchedIds(s, job.pandaId)) t.true((reports.get(id)?.length ?? 0) <= 1, `${id} reported at most once`);
});

