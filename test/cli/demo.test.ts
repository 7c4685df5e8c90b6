import test from 'ava';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adler32, formatAdler32, type JobReport } from '../../core/index.js';
import type { DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import { verifyMergedOutput } from '../../plugins/payload-simulator/index.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const fixtures = join(fileURLToPath(new URL('.', import.meta.url)), '../fixtures/plugins');

/** Every job report of a demo work directory, by PandaID. */
async function reportsOf(workdir: string): Promise<Map<string, { dir: string; report: JobReport }>> {
  const out = new Map<string, { dir: string; report: JobReport }>();
  for (const pilot of await readdir(join(workdir, 'pilot'))) {
    for (const job of (await readdir(join(workdir, 'pilot', pilot))).filter((n) => n.startsWith('PandaJob_'))) {
      const dir = join(workdir, 'pilot', pilot, job);
      const report = JSON.parse(await readFile(join(dir, 'job-report.json'), 'utf8')) as JobReport;
      mustExist(join(dir, 'timeline.html'));
      out.set(report.job.pandaId, { dir, report });
    }
  }
  return out;
}

function mustExist(path: string): void {
  if (!existsSync(path)) throw new Error(`missing ${path}`);
}

test('demo: ES job and merge job end to end, merged output verified, summary and reports written, exit 0', async (t) => {
  const dir = await tempDir('espilot-demo-');
  t.teardown(dir.remove);
  const workdir = join(dir.path, 'demo');
  const r = await runCli(['demo', '--events', '5', '--workers', '2', '--workdir', workdir], { timeoutMs: 60_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /espilot demo: merged output verified ✔/);
  t.regex(r.stdout, /ranges\s+10\/10 finished, 0 failed attempt\(s\), 1 ES job\(s\)/);
  t.regex(r.stdout, /throughput\s+[\d.]+ ranges\/s/);
  t.regex(r.stdout, /time\s+setup [\d.]+ s \| ES job \d+ [\d.]+ s \| merge job \d+ [\d.]+ s \| verify [\d.]+ s \| total [\d.]+ s/);
  // Output is not a terminal: plain progress lines, no bar redraws.
  t.regex(r.stdout, /▶ ES job \d+ started\n/);
  t.notRegex(r.stdout, /\x1b\[2K/);
  const m = /merged output\s+(file:\/\/\S+)\n\s+(\d+) bytes, adler32 ([0-9a-f]{8}), 10 ranges/.exec(r.stdout);
  t.truthy(m, r.stdout);
  const merged = await readFile(fileURLToPath(m![1]!));
  t.is(merged.length, Number(m![2]));
  t.is(formatAdler32(adler32(merged)), m![3]);
  t.true(verifyMergedOutput(merged).ok);

  const summary = JSON.parse(await readFile(join(workdir, 'demo-summary.json'), 'utf8')) as { ok: boolean; stored: { files: number; esObjects: number } };
  t.true(summary.ok);
  t.is(summary.stored.esObjects, 10);
  const snap = JSON.parse(await readFile(join(workdir, 'dispatcher-snapshot.json'), 'utf8')) as DispatcherSnapshot;
  t.is(snap.task.status, 'done');
  const reports = await reportsOf(workdir);
  t.is(reports.size, 2);
  const es = [...reports.values()].find((x) => x.report.job.kind === 'event service')!.report;
  t.is(es.ranges?.total, 10);
  t.is(es.ranges?.finished, 10);
  t.deepEqual(es.plugins, { experiment: 'generic', runJob: 'event', launcher: 'direct', channel: 'zeromq', 'movers.es_events': 'objectstore→local', 'movers.pr': 'local', 'movers.pl': 'local' });
  t.is(es.transfers.filter((x) => x.activity === 'pr').length, 2, 'the ES job staged in its two inputs');
  t.is(es.transfers.filter((x) => x.activity === 'pl' && x.name === es.job.log).length, 1, 'and stored its log');
  t.is(es.workers?.length, 2, 'one lane per simulator worker');
  t.deepEqual(es.ranges?.detail, { file: 'job-ranges.ndjson', ranges: 10, inline: true }, 'a small job lists its ranges in the report too');
  for (const x of es.ranges!.items!) {
    t.truthy(x.worker, `range ${x.id} has its worker`);
    t.true(x.fetchedAt <= x.sentAt! && x.sentAt! <= x.outputAt! && x.outputAt! <= x.storedAt! && x.storedAt! <= x.decidedAt! && x.decidedAt! <= x.reportedAt!, `range ${x.id} phases in order`);
    t.is(x.report, 'acked');
  }
  t.is(es.transfers.filter((x) => x.activity === 'es_events' && /^ad:[0-9a-f]{8}$/.test(x.checksum) && x.size > 0).length, 10);
  const merge = [...reports.values()].find((x) => x.report.job.kind === 'event service merge')!.report;
  t.is(merge.transfers.filter((x) => x.direction === 'in' && x.activity === 'es_events_read').length, 10, 'the merge job read the 10 ES outputs back');
  t.is(merge.transfers.find((x) => x.activity === 'pw')?.checksum, `ad:${m![3]}`);
  // Done and delivered: each job directory is reduced to its report and state file (pilot3 removes it).
  // An ES job's report keeps its per-range detail beside it (job-ranges.ndjson, which job-report.json points at).
  for (const [pandaId, x] of reports) {
    const es = x.report.job.kind !== 'event service merge';
    t.deepEqual((await readdir(x.dir)).sort(), [...(es ? ['job-ranges.ndjson'] : []), 'job-report.json', `jobState-${pandaId}.json`, 'timeline.html'], x.dir);
  }
});

test('demo --error-rate: failed ranges retried by new ES jobs until all are merged; failures in the reports; --log-format json', async (t) => {
  const dir = await tempDir('espilot-demo-');
  t.teardown(dir.remove);
  const workdir = join(dir.path, 'demo');
  const r = await runCli(['demo', '--events', '5', '--workers', '2', '--error-rate', '0.3', '--workdir', workdir, '--log-format', 'json', '--log-level', 'info', '--keep-workdir'], { timeoutMs: 60_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /ranges\s+10\/10 finished, [1-9]\d* failed attempt\(s\) \(retried by the dispatcher in new ES jobs\), [2-9] ES job\(s\)/);
  const lines = r.stderr.trim().split('\n');
  t.true(lines.length > 20);
  for (const line of lines) {
    const rec = JSON.parse(line) as Record<string, unknown>;
    t.deepEqual(Object.keys(rec).sort(), ['level', 'message', 'tag', 'time'], line);
  }
  t.true(lines.some((l) => /"tag":"run-job:event:job-\d+"/.test(l) && /ERR_ATHENAMP_PROCESS/.test(l)), 'range errors logged by the ES RunJob');
  t.true(lines.some((l) => /"level":"info","tag":"panda-local"/.test(l)), 'the dispatcher logs with its own tag');
  // The log file holds the same JSON lines.
  const file = (await readFile(join(workdir, 'espilot.log'), 'utf8')).trim().split('\n');
  t.true(file.length >= lines.length);

  const snap = JSON.parse(await readFile(join(workdir, 'dispatcher-snapshot.json'), 'utf8')) as DispatcherSnapshot;
  const failedReports = snap.rangeUpdates.filter((u) => u.outcome === 'applied' && u.eventStatus === 'failed');
  t.true(failedReports.length > 0);
  const reports = await reportsOf(workdir);
  const esReports = [...reports.values()].filter((x) => x.report.job.kind === 'event service');
  t.true(esReports.length >= 2);
  const failedInReports = esReports.flatMap((x) => x.report.ranges!.items!.filter((i) => i.status === 'failed'));
  t.deepEqual(failedInReports.map((i) => i.id).sort(), failedReports.map((u) => u.eventRangeId!).sort(), 'every failed attempt is in a report');
  for (const i of failedInReports) t.is(i.code, 1220);
  const first = esReports.find((x) => x.report.ranges!.failed > 0)!;
  t.deepEqual(first.report.errors.filter((e) => e.scope === 'range').map((e) => e.name), ['UNKNOWN']);
  const html = await readFile(join(first.dir, 'timeline.html'), 'utf8');
  t.true(esReports.every((x) => existsSync(join(x.dir, 'es-journal.jsonl'))), '--keep-workdir: the journals stay');
  t.regex(html, /<g class="range failed" data-range-id="[^"]+" data-status="failed"/);
  t.regex(html, /Failed ranges \(\d+\)/);
});

test('demo: a bad flag is named with what was expected, all at once, exit 2; nothing runs', async (t) => {
  const dir = await tempDir('espilot-demo-');
  t.teardown(dir.remove);
  const r = await runCli(['demo', '--events', '0', '--error-rate', '1.5', '--log-level', 'loud', '--workers', 'many', '--workdir', join(dir.path, 'w')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--events: expected an integer from 1 to 100000, got "0"/);
  t.regex(r.stderr, /--workers: expected an integer from 1 to 256, got "many"/);
  t.regex(r.stderr, /--error-rate: expected a probability from 0 up to \(not including\) 1, got "1.5"/);
  t.regex(r.stderr, /--log-level: expected silent, error, warn, info, debug, trace, got "loud"/);
  t.false(existsSync(join(dir.path, 'w')));
});

test('demo: a work directory that is not empty is refused (outputs would collide), exit 2', async (t) => {
  const dir = await tempDir('espilot-demo-');
  t.teardown(dir.remove);
  await writeFile(join(dir.path, 'earlier-run.txt'), 'x');
  const r = await runCli(['demo', '--events', '1', '--workdir', dir.path]);
  t.is(r.code, 2);
  t.regex(r.stderr, /--workdir: expected a new or empty directory/);
});

test('demo --objectstore: a scheme no loaded mover handles is a clear error, exit 2', async (t) => {
  const dir = await tempDir('espilot-demo-');
  t.teardown(dir.remove);
  const r = await runCli(['demo', '--events', '1', '--workdir', join(dir.path, 'w'), '--objectstore', 'nosuch://127.0.0.1:9/bucket']);
  t.is(r.code, 2, r.stdout + r.stderr);
  t.regex(r.stderr, /--objectstore: expected a URL scheme that a loaded object-store mover handles \(loaded: local \(file\).*\); load a mover plugin for nosuch:\/\/ with --config/);
});

test('demo --objectstore with a site mover plugin from --config: ES outputs go to that store, found by URL scheme', async (t) => {
  const dir = await tempDir('espilot-demo-');
  t.teardown(dir.remove);
  const store = join(dir.path, 'store', 'es');
  await mkdir(dirname(store), { recursive: true });
  const site = join(dir.path, 'site.json');
  await writeFile(site, JSON.stringify({ plugins: [join(fixtures, 'dirstore-mover.js')] }));
  const workdir = join(dir.path, 'w');
  const r = await runCli(['demo', '--events', '3', '--workers', '2', '--workdir', workdir, '--objectstore', `dirstore://${store}`, '--config', site], { timeoutMs: 60_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.is((await readdir(store)).length, 6, 'the 6 range outputs are in the dirstore');
  t.deepEqual(await readdir(join(workdir, 'storage', 'objectstore', 'es')), [], 'nothing in the local object store');
  const es = [...(await reportsOf(workdir)).values()].find((x) => x.report.job.kind === 'event service')!.report;
  t.is(es.plugins['movers.es_events'], 'objectstore→dirstore');
});
