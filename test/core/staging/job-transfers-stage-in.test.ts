/**
 * Stage-in of a job's inputs through the real binding and the real `file://` mover: the
 * concurrency bound, and a second attempt in the same job directory that keeps what it
 * already has and verified, and fetches again what is not the job's file.
 */
import test from 'ava';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  adler32, bindJob, formatAdler32, parseJobDefinition, readStageInRecord, stageInJobInputs,
  type JobBinding, type SiteMover, type TransferRequest,
} from '../../../core/index.js';
import { makeRun } from '../../helpers/make-run.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** `n` inputs of `bytes` bytes each on a `file://` SE, and a job that lists them with their size and checksum. */
async function setup(t: import('ava').ExecutionContext, n: number, bytes: number, pilot: Record<string, unknown> = {}) {
  const dir = await tempDir();
  t.teardown(dir.remove);
  const se = join(dir.path, 'se');
  await mkdir(se);
  const lfns = Array.from({ length: n }, (_, i) => `in.${i + 1}`);
  const content = new Map<string, Buffer>();
  for (const [i, lfn] of lfns.entries()) {
    const b = Buffer.alloc(bytes, i + 1);
    b.write(lfn);
    content.set(lfn, b);
    await writeFile(join(se, lfn), b);
  }
  const job = parseJobDefinition({
    PandaID: '88', prodSourceLabel: 'managed', jobsetID: '8', taskID: '80', transformation: 'run.sh', jobPars: '', attemptNr: '1', coreCount: '1',
    inFiles: lfns.join(','), GUID: lfns.map((_, i) => `0A1B2C3D-0000-4000-8000-${String(i + 1).padStart(12, '0')}`).join(','),
    fsize: lfns.map(() => String(bytes)).join(','), checksum: lfns.map((l) => `ad:${formatAdler32(adler32(content.get(l)!))}`).join(','),
    scopeIn: lfns.map(() => 's').join(','), outFiles: 'out.1', scopeOut: 's',
  });
  const run = await makeRun({
    extraLayers: [{
      source: 'test', pilot: { transfers: { backoffBaseMs: 1, backoffMaxMs: 5 }, ...pilot },
      queuedata: { nickname: 'Q', acopytools: { pr: ['local'] }, astorages: { pr: ['SE'] }, ddmendpoints: { SE: { endpoint: pathToFileURL(se).href } } },
    }],
  });
  t.teardown(() => run.dispose());
  const work = join(dir.path, 'work');
  await mkdir(work);
  return { run, job, work, content, binding: bindJob(run.resolver, job) };
}

/** The binding with each input mover counted: calls, and how many stage-ins run at once. */
function counted(binding: JobBinding) {
  const seen = { now: 0, max: 0, fetched: [] as string[] };
  const wrap = (mover: SiteMover): SiteMover => ({
    stat: (u, s) => mover.stat(u, s), delete: (u, s) => mover.delete(u, s), stageOut: (r) => mover.stageOut(r),
    stageIn: async (r: TransferRequest) => {
      seen.now++;
      seen.max = Math.max(seen.max, seen.now);
      seen.fetched.push(r.url.slice(r.url.lastIndexOf('/') + 1));
      try {
        return await mover.stageIn(r);
      } finally {
        seen.now--;
      }
    },
  });
  const inputs = binding.inputs().map((i) => ({ ...i, destination: { ...i.destination, candidates: i.destination.candidates.map((c) => ({ ...c, mover: wrap(c.mover) })) } }));
  return { seen, binding: { ...binding, inputs: () => inputs } as JobBinding };
}

test('inputs are staged in stageInConcurrency at a time through the local mover, each verified, in the job\'s order', async (t) => {
  const { run, job, work, content, binding } = await setup(t, 12, 2 * 1024 * 1024, { transfers: { stageInConcurrency: 3 } });
  const c = counted(binding);
  const paths = await stageInJobInputs({ binding: c.binding, jobDir: work, log: run.logger, stageInConcurrency: run.settings.pilot.transfers.stageInConcurrency }, job);
  t.is(run.settings.pilot.transfers.stageInConcurrency, 3);
  t.is(c.seen.max, 3, 'three copies ran at once, never more');
  t.deepEqual([...paths.keys()], job.inputFiles.map((f) => f.lfn));
  for (const [lfn, path] of paths) t.true((await readFile(path)).equals(content.get(lfn)!), `${lfn} copied whole`);
  t.deepEqual((await readStageInRecord(work)).map((r) => r.lfn), job.inputFiles.map((f) => f.lfn));
});

test('a second attempt in the same job directory keeps the verified inputs and fetches again a corrupted, a truncated and a missing one', async (t) => {
  const { run, job, work, content, binding } = await setup(t, 6, 4096);
  const ctx = { jobDir: work, log: run.logger, stageInConcurrency: 4 };
  const first = counted(binding);
  await stageInJobInputs({ ...ctx, binding: first.binding }, job);
  t.is(first.seen.fetched.length, 6);
  // Same size, one byte different: only the checksum can tell.
  const bad = Buffer.from(content.get('in.2')!);
  bad[100] = bad[100]! ^ 0xff;
  await writeFile(join(work, 'in.2'), bad);
  await writeFile(join(work, 'in.4'), content.get('in.4')!.subarray(0, 100));
  await rm(join(work, 'in.5'));
  const second = counted(binding);
  const paths = await stageInJobInputs({ ...ctx, binding: second.binding }, job);
  t.deepEqual(second.seen.fetched.sort(), ['in.2', 'in.4', 'in.5']);
  for (const [lfn, path] of paths) t.true((await readFile(path)).equals(content.get(lfn)!), `${lfn} is the job's file`);
  const record = await readStageInRecord(work);
  t.deepEqual(record.filter((r) => r.kept).map((r) => r.lfn), ['in.1', 'in.3', 'in.6']);
  t.true(record.every((r) => r.mover === 'local'), 'a kept input names the mover that fetched it');
  t.true(run.lines.some((l) => /input in\.1 is already in the job directory and verified/.test(l)));
});

test('the first failing input fails the stage-in with the mover\'s code; no new transfer starts after it', async (t) => {
  const { run, job, work, binding } = await setup(t, 10, 1024, { transfers: { stageInConcurrency: 2 } });
  // in.3 is gone from the storage element.
  const se = new URL(binding.inputs()[0]!.url.replace(/in\.1$/, 'in.3'));
  await rm(se);
  const c = counted(binding);
  const e = await t.throwsAsync(stageInJobInputs({ binding: c.binding, jobDir: work, log: run.logger, stageInConcurrency: 2 }, job));
  t.is((e as { code?: number }).code, 1103, 'NOSUCHFILE, as the local mover reports it');
  t.true(c.seen.fetched.length <= 4, `at most the one in flight beside it started after the failure: ${c.seen.fetched.join(' ')}`);
  t.false(c.seen.fetched.includes('in.10'));
});
