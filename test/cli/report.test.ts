import test from 'ava';
import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobReport } from '../../core/index.js';
import type { DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import { runChromium } from '../helpers/chromium.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// One demo run with failures (so there are several ES jobs, failed ranges and a merge job) for every test here.
let root: { path: string; remove(): Promise<void> };
let workdir: string;
let jobDirs: string[];
let snapshot: DispatcherSnapshot;

test.before(async () => {
  root = await tempDir('espilot-report-');
  workdir = join(root.path, 'demo');
  // --keep-workdir: the rebuild reads the journals, which a job directory reduced to its report no longer holds.
  const r = await runCli(['demo', '--events', '6', '--workers', '3', '--error-rate', '0.25', '--workdir', workdir, '--no-progress', '--keep-workdir'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`demo failed: ${r.stdout}${r.stderr}`);
  const pilot = join(workdir, 'pilot', (await readdir(join(workdir, 'pilot')))[0]!);
  jobDirs = (await readdir(pilot)).filter((n) => n.startsWith('PandaJob_')).map((n) => join(pilot, n)).sort();
  snapshot = JSON.parse(await readFile(join(workdir, 'dispatcher-snapshot.json'), 'utf8')) as DispatcherSnapshot;
});

test.after.always(async () => {
  await root?.remove();
});

interface Drawn { id: string; status: string; lane: string; w: number; h: number; inside: boolean; fills: string[] }

/** Measures, in the browser, every element that carries a range: its box inside the SVG and its colours. */
const PROBE = `<script>(() => {
  const box = document.querySelector('svg').getBoundingClientRect();
  const out = [...document.querySelectorAll('[data-range-id]')].map((g) => {
    const b = g.getBoundingClientRect();
    return { id: g.getAttribute('data-range-id'), status: g.getAttribute('data-status'), lane: g.getAttribute('data-lane'), w: b.width, h: b.height,
      inside: b.left >= box.left - 1 && b.right <= box.right + 1 && b.top >= box.top - 1 && b.bottom <= box.bottom + 1,
      fills: [...g.querySelectorAll('rect')].map((r) => getComputedStyle(r).fill) };
  });
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(out); document.body.appendChild(pre);
})();</script>`;

test.serial('timeline.html in headless Chromium: every range the dispatcher gave each ES job is drawn inside the SVG, failures in red', async (t) => {
  const esJobs = snapshot.jobs.filter((j) => j.kind === 'es' && j.dispatchedAt);
  t.true(esJobs.length >= 2, 'the run retried failed ranges in new ES jobs');
  let failedSeen = 0;
  for (const job of esJobs) {
    const dir = jobDirs.find((d) => d.endsWith(`PandaJob_${job.pandaId}`))!;
    const html = await readFile(join(dir, 'timeline.html'), 'utf8');
    t.notRegex(html, /<script|<link|\ssrc=|\shref=|url\(/i, 'self-contained: no scripts, links or external assets');
    const probed = join(dir, 'timeline.probe.html');
    await writeFile(probed, html.replace('</body>', `${PROBE}</body>`));
    const dom = await runChromium(probed, ['--dump-dom']);
    await rm(probed);
    const json = /<pre id="probe">([^<]*)<\/pre>/.exec(dom)?.[1];
    t.truthy(json, 'the probe ran in the page');
    const drawn = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as Drawn[];
    const expected = snapshot.dispatches.filter((d) => d.pandaId === job.pandaId).flatMap((d) => d.eventRangeIds);
    t.deepEqual(drawn.map((d) => d.id).sort(), [...expected].sort(), `job ${job.pandaId}: the ranges drawn are exactly the ranges dispatched`);
    for (const d of drawn) {
      t.true(d.w > 0 && d.h > 0 && d.inside, `range ${d.id} is visible inside the SVG (${JSON.stringify(d)})`);
      const failedHere = snapshot.rangeUpdates.some((u) => u.eventRangeId === d.id && u.eventStatus === 'failed' && u.outcome === 'applied');
      t.is(d.status, failedHere ? 'failed' : 'finished', `range ${d.id} status`);
      if (failedHere) {
        failedSeen++;
        t.true(d.fills.includes('rgb(225, 87, 89)'), `failed range ${d.id} drawn in red`);
      } else t.false(d.fills.includes('rgb(225, 87, 89)'));
    }
    const lanes = new Set(drawn.map((d) => d.lane));
    t.true(lanes.size >= 1 && lanes.size <= 3, 'one lane per simulator worker (3 at most)');
  }
  t.true(failedSeen > 0);
  // A screenshot renders (a person looks at these; the test checks that it is a real image).
  const png = join(root.path, 'timeline.png');
  await runChromium(join(jobDirs[0]!, 'timeline.html'), ['--hide-scrollbars', '--window-size=1300,1100', `--screenshot=${png}`]);
  const head = (await readFile(png)).subarray(0, 8);
  t.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  t.true((await stat(png)).size > 20_000);
});

test.serial('espilot report <workdir> rebuilds every job report and timeline from the journal and state files, identical but for the time', async (t) => {
  const before = new Map<string, { json: string; html: string }>();
  for (const dir of jobDirs) {
    before.set(dir, { json: await readFile(join(dir, 'job-report.json'), 'utf8'), html: await readFile(join(dir, 'timeline.html'), 'utf8') });
    await rm(join(dir, 'job-report.json'));
    await rm(join(dir, 'timeline.html'));
  }
  const r = await runCli(['report', workdir]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout.trim().split('\n').length, jobDirs.length);
  t.regex(r.stdout, /job \d+ \(event service\) finished, \d+\/\d+ ranges finished: .*timeline\.html/);
  t.regex(r.stdout, /job \d+ \(event service merge\) finished: .*timeline\.html/);
  const noTime = (s: string) => s.replace(/"generatedAt": "[^"]+"/, '').replace(/Generated [0-9T:.Z-]+ by/, '');
  for (const dir of jobDirs) {
    const old = before.get(dir)!;
    const json = await readFile(join(dir, 'job-report.json'), 'utf8');
    t.deepEqual(noTime(json), noTime(old.json), `${dir}: job-report.json`);
    t.is(noTime(await readFile(join(dir, 'timeline.html'), 'utf8')), noTime(old.html), `${dir}: timeline.html`);
    t.truthy((JSON.parse(json) as JobReport).outcome);
  }
  const one = await runCli(['report', jobDirs[0]!]);
  t.is(one.code, 0, one.stderr);
  t.is(one.stdout.trim().split('\n').length, 1);
});

test('espilot report: a directory without jobs, or no directory, is a clear error, exit 2', async (t) => {
  const empty = await tempDir();
  t.teardown(empty.remove);
  const r = await runCli(['report', empty.path]);
  t.is(r.code, 2);
  t.regex(r.stderr, /<dir>: expected a job directory or a directory holding job directories \(with jobState-<PandaID>\.json\)/);
  const missing = await runCli(['report', join(empty.path, 'nope')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /<dir>: expected a readable directory, got .*nope: ENOENT/);
});
