/**
 * Recovery trusts the journal only as far as it can check it (issue 13). A real pilot runs
 * an ES job against the loopback dispatcher with updateEventRanges black-holed, so it ends
 * `holding` with every range stored and finished in its journal but unacknowledged. Then the
 * journal or the object store is tampered with, and `recoverJobs` (the `recover` command)
 * runs: a range is reported finished only when its object is in the store as recorded; a
 * journal with a forged, malformed or foreign record is refused with the line and field
 * named, the job failed (FILEHANDLINGFAILURE 1303) and nothing reported from it.
 */
import test from 'ava';
import { appendFile, copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { adler32, formatAdler32, readRangeJournal, recoverJobs } from '../../../core/index.js';
import { finalReports } from '../../helpers/es-job-harness.js';
import { heldEsJob } from '../../helpers/held-es-job.js';

const EVENTS = 5;
/** The local mover's checksum catalog beside file:// objects. */
const CATALOG = '.espilot-checksums';

/** A job that ended holding: all ranges stored and finished in the journal, none acknowledged. */
async function heldJob(t: import('ava').ExecutionContext, taskId: number) {
  const { site, dispatcher, run, api, result, journalPath } = await heldEsJob(t, { taskId, events: EVENTS });
  const job = result.jobs[0]!;
  t.like(job.outcome, { state: 'holding', nEvents: EVENTS });
  dispatcher.clearFaults();
  const snap = await readRangeJournal(journalPath);
  const ids = [...snap.ranges.keys()];
  t.is(ids.length, EVENTS);
  t.true([...snap.ranges.values()].every((s) => s.phase === 'final' && s.outcome?.status === 'finished' && s.stored?.length === 1));
  const objectOf = (id: string) => join(site.osDir, 'es', `${snap.job.outputLfns[0]}.${id}`);
  const lines = async () => (await readFile(journalPath, 'utf8')).split('\n').slice(0, -1);
  const recover = async () => {
    const [r] = await recoverJobs(run, api, site.workdir);
    return { r: r!, s: dispatcher.snapshot(), after: await readRangeJournal(journalPath).catch((e: Error) => e) };
  };
  return { site, run, job, journalPath, ids, objectOf, lines, recover };
}

const appliedFinal = (s: ReturnType<typeof finalReports>, id: string) => s.get(id) ?? [];

test.serial('objects deleted, truncated or replaced after the pilot died are not reported finished; the rest are', async (t) => {
  const h = await heldJob(t, 961);
  const [gone, shorter, replaced, ...intact] = h.ids as [string, string, string, ...string[]];
  await rm(h.objectOf(gone));
  await writeFile(h.objectOf(shorter), 'x');
  // Another object of the same name and size, recorded as such (someone stored over it).
  const old = await readFile(h.objectOf(replaced));
  const other = Buffer.alloc(old.length, 0x41);
  await writeFile(h.objectOf(replaced), other);
  await writeFile(join(h.site.osDir, 'es', CATALOG, `${h.objectOf(replaced).split('/').pop()}.json`), JSON.stringify({ size: other.length, checksums: [{ type: 'adler32', value: formatAdler32(adler32(other)) }] }));

  const { r, s, after } = await h.recover();
  t.is(r.action, 'recovered');
  t.like(r.outcome, { state: 'failed', pilotErrorCode: 1137 });
  t.regex(r.outcome?.pilotErrorDiag ?? '', /3 output\(s\) could not be stored \(3 no longer verifiable/);
  const reports = finalReports(s);
  for (const id of [gone, shorter, replaced]) t.deepEqual(appliedFinal(reports, id), ['failed'], id);
  for (const id of intact) t.deepEqual(appliedFinal(reports, id), ['finished'], id);
  const failed = s.rangeUpdates.filter((u) => u.eventStatus === 'failed');
  t.true(failed.every((u) => Number(u.errorCode) === 1137));
  t.is(r.outcome?.nEvents, intact.length);
  // The journal says what was reported: the finished outcome revoked before the failed one went out.
  if (after instanceof Error) return t.fail(after.message);
  t.true(after.closed);
  for (const id of [gone, shorter, replaced]) t.like(after.ranges.get(id), { phase: 'reported', outcome: { status: 'failed', code: 1137 } });
  t.regex(after.ranges.get(gone)?.outcome?.diag ?? '', /stored object file:.* is missing/);
  t.regex(after.ranges.get(shorter)?.outcome?.diag ?? '', /has 1 bytes, the journal recorded/);
  t.regex(after.ranges.get(replaced)?.outcome?.diag ?? '', /has checksum ad:[0-9a-f]{8}, the journal recorded ad:/);
  t.true(h.run.lines.some((l) => l.includes(`range ${gone} is not reported finished`)));
});

test.serial('a forged stored + final finished for a range with no output: the journal is refused, nothing reported', async (t) => {
  const h = await heldJob(t, 962);
  const victim = h.ids[0]!;
  // The range never produced anything: its output, stored and final records and its object are gone ...
  const lines = await h.lines();
  const mine = (l: string, type: string) => l.includes(`"t":"${type}"`) && l.includes(`"id":"${victim}"`);
  const forged = lines.filter((l) => mine(l, 'stored') || mine(l, 'final'));
  const kept = lines.filter((l) => !mine(l, 'output') && !mine(l, 'stored') && !mine(l, 'final'));
  await rm(h.objectOf(victim));
  // ... and someone appends a stored + final finished for it.
  await writeFile(h.journalPath, [...kept, ...forged].join('\n') + '\n');

  const { r, s } = await h.recover();
  t.like(r.outcome, { state: 'failed', pilotErrorCode: 1303 });
  t.regex(r.outcome?.pilotErrorDiag ?? '', new RegExp(`line ${kept.length + 1}: field t: expected "stored" only for a range in phase output, got range ${victim} in phase sent`));
  t.is(s.rangeUpdates.length, 0, 'nothing is reported from a journal that does not check out');
  t.is(s.jobUpdates.filter((u) => u.state === 'failed').length, 1);
});

test.serial('a stored URL outside the job\'s ES destination is refused, not looked up', async (t) => {
  const h = await heldJob(t, 964);
  const victim = h.ids[2]!;
  const lines = await h.lines();
  const elsewhere = join(h.site.root, 'elsewhere');
  // The forged URL points at a copy of the real object (same bytes, recorded checksum): only its place is wrong.
  const name = h.objectOf(victim).split('/').pop()!;
  await mkdir(join(elsewhere, CATALOG), { recursive: true });
  await copyFile(h.objectOf(victim), join(elsewhere, name));
  await copyFile(join(h.site.osDir, 'es', CATALOG, `${name}.json`), join(elsewhere, CATALOG, `${name}.json`));
  await writeFile(h.journalPath, lines.map((l) => (l.includes('"t":"stored"') && l.includes(victim) ? l.replace(/"url":"file:\/\/[^"]*\/es\//, `"url":"file://${elsewhere}/`) : l)).join('\n') + '\n');
  const { r, s, after } = await h.recover();
  t.like(r.outcome, { state: 'failed', pilotErrorCode: 1137 });
  t.deepEqual(appliedFinal(finalReports(s), victim), ['failed']);
  if (after instanceof Error) return t.fail(after.message);
  t.regex(after.ranges.get(victim)?.outcome?.diag ?? '', /is not .* under the job's ES destination; not trusted/);
});

test.serial('a record of the wrong shape (acked not a list) is an error naming line and field, not a crash', async (t) => {
  const h = await heldJob(t, 965);
  const n = (await h.lines()).length;
  await appendFile(h.journalPath, `${JSON.stringify({ t: 'reported', ts: 1, acked: 5, rejected: [] })}\n${JSON.stringify({ t: 'closed', ts: 2 })}\n`);
  const { r, s } = await h.recover();
  t.like(r.outcome, { state: 'failed', pilotErrorCode: 1303 });
  t.regex(r.outcome?.pilotErrorDiag ?? '', new RegExp(`line ${n + 1}: field acked: expected a list, got number 5`));
  t.notRegex(r.outcome?.pilotErrorDiag ?? '', /not iterable/);
  t.is(s.rangeUpdates.length, 0);
});

test.serial('a journal whose header names another job is refused', async (t) => {
  const h = await heldJob(t, 966);
  const [first, ...rest] = await h.lines();
  await writeFile(h.journalPath, [first!.replace(`"pandaId":"${h.job.pandaId}"`, '"pandaId":"4242"'), ...rest].join('\n') + '\n');
  const { r, s } = await h.recover();
  t.like(r.outcome, { state: 'failed', pilotErrorCode: 1303 });
  t.regex(r.outcome?.pilotErrorDiag ?? '', new RegExp(`line 1 is the header of another job: job.pandaId: expected ${h.job.pandaId}, got "4242"`));
  t.is(s.rangeUpdates.length, 0);
});

test.serial('a torn last line is ignored with a warning naming it; everything else recovers as before', async (t) => {
  const h = await heldJob(t, 967);
  const n = (await h.lines()).length;
  await appendFile(h.journalPath, `{"t":"reported","ts":1,"acked":["${h.ids[0]}"`);
  const { r, s, after } = await h.recover();
  t.like(r.outcome, { state: 'finished', pilotErrorCode: 0, nEvents: EVENTS });
  const reports = finalReports(s);
  for (const id of h.ids) t.deepEqual(appliedFinal(reports, id), ['finished'], id);
  t.true(h.run.lines.some((l) => l.includes(`line ${n + 1} was cut short when the pilot died; ignored`)));
  if (after instanceof Error) return t.fail(after.message);
  t.false(after.tornTail, 'reopening the journal cut the torn line');
  t.true(after.closed);
});
