/**
 * Reports of large jobs: job-report.json stays a summary (every range goes to the NDJSON
 * detail file), timeline.html switches to heat strips whose size does not grow with the
 * ranges and opens in real Chromium, pauses are drawn, and lanes are right however many.
 */
import test from 'ava';
import { createReadStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  INLINE_RANGES_MAX, RANGES_DETAIL_FILE, TIMELINE_RANGES_MAX, assignLanes, journalTimelineOf, maxOverlap, readJournalTimeline, renderTimelineHtml, buildJobReport,
  writeReportFiles, type JobReport, type RangeTiming,
} from '../../../core/index.js';
import { runChromium } from '../../helpers/chromium.js';
import { SYNTHETIC_T0, syntheticReportSources } from '../../helpers/synthetic-report.js';
import { tempDir } from '../../helpers/temp-dir.js';

const PAUSES = [{ kind: 'backpressure', startMs: SYNTHETIC_T0 + 30_000, endMs: SYNTHETIC_T0 + 45_000, detail: '64 outputs awaiting stage-out' }] as const;

async function written(t: import('ava').ExecutionContext, ranges: number) {
  const dir = await tempDir('espilot-report-scale-');
  t.teardown(dir.remove);
  const src = syntheticReportSources({ ranges, workers: 16, failEvery: 101, events: PAUSES, jobDir: dir.path });
  const w = await writeReportFiles(src, { now: SYNTHETIC_T0 });
  const json = await readFile(w.jsonPath, 'utf8');
  return { dir: dir.path, src, w, json, report: JSON.parse(json) as JobReport, htmlBytes: (await stat(w.htmlPath)).size };
}

async function ndjson(path: string): Promise<RangeTiming[]> {
  const out: RangeTiming[] = [];
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) out.push(JSON.parse(line) as RangeTiming);
  return out;
}

test('a large job: job-report.json is a summary of a few kB, every range is in the NDJSON detail file', async (t) => {
  const n = 20_000;
  const { w, json, report, src } = await written(t, n);
  t.true(n > INLINE_RANGES_MAX);
  t.true(json.length < 20_000, `job-report.json is ${json.length} bytes`);
  t.is(report.ranges?.items, undefined, 'no per-range list');
  t.deepEqual(report.ranges?.detail, { file: RANGES_DETAIL_FILE, ranges: n, inline: false });
  t.is(w.detailPath, join(src.jobDir, RANGES_DETAIL_FILE));
  t.false(report.transfers.some((x) => x.activity === 'es_events'), 'the per-range objects are not listed');
  const failed = Math.floor(n / 101);
  t.like(report.ranges, { total: n, finished: n - failed, failed });
  t.deepEqual(report.totals, { filesStored: n - failed, bytesStored: (n - failed) * 1000, filesRead: 0, bytesRead: 0 }, 'totals count every stored object');
  t.is(report.workers?.length, 16);
  t.like(report.ranges?.latency.payload, { count: n - failed, p50: 0.04, p99: 0.04, max: 0.04 });
  t.like(report.ranges?.latency.stageOut, { count: n - failed, p50: 0.015 });
  t.deepEqual(report.events, PAUSES);
  const lines = await ndjson(w.detailPath!);
  t.is(lines.length, n);
  t.deepEqual(lines[0], JSON.parse(JSON.stringify(src.journal!.ranges[0])));
  t.deepEqual(lines.map((r) => r.id), src.journal!.ranges.map((r) => r.id), 'every range once, in fetch order');
});

test('a small job keeps its ranges in job-report.json too, and the same detail file', async (t) => {
  const { w, report } = await written(t, 50);
  t.is(report.ranges?.items?.length, 50);
  t.true(report.ranges!.detail.inline);
  t.is(report.transfers.filter((x) => x.activity === 'es_events').length, 50 - 0);
  t.is((await ndjson(w.detailPath!)).length, 50);
  const html = await readFile(w.htmlPath, 'utf8');
  t.is((html.match(/data-range-id=/g) ?? []).length, 50, 'one group per range');
  t.regex(html, /<g class="pauses" data-count="1"><rect class="pause" data-kind="backpressure"/, 'the pause is drawn over the lanes');
  t.regex(html, /<h2>Range latency<\/h2>/);
});

test('past a few thousand ranges timeline.html aggregates: its size does not grow with the ranges', async (t) => {
  const small = await written(t, TIMELINE_RANGES_MAX + 1);
  const large = await written(t, 100_000);
  for (const x of [small, large]) {
    const html = await readFile(x.w.htmlPath, 'utf8');
    const cells = (html.match(/<rect /g) ?? []).length;
    t.true(cells <= 16 * 300 * 2 + 200, `${cells} rects: at most two strips of 300 columns per worker row, whatever the ranges`);
    t.false(html.includes('data-range-id='), 'no group per range');
    t.regex(html, /<g class="heat" data-bins="300" data-rows="16"/);
    t.notRegex(html, /<script|<link|\ssrc=|\shref=|url\(/i, 'self-contained');
    t.regex(html, /class="pause" data-kind="backpressure"/);
  }
  t.true(large.htmlBytes < 1024 * 1024, `${small.htmlBytes} bytes at ${TIMELINE_RANGES_MAX + 1} ranges, ${large.htmlBytes} at 100,000`);
});

/** Measures, in the browser, the heat rows and the pause band: their boxes inside the SVG. */
const PROBE = `<script>(() => {
  const box = document.querySelector('svg').getBoundingClientRect();
  const inside = (b) => b.width > 0 && b.height > 0 && b.left >= box.left - 1 && b.right <= box.right + 1 && b.top >= box.top - 1 && b.bottom <= box.bottom + 1;
  const rows = [...document.querySelectorAll('.heat-row')].map((g) => ({
    ranges: Number(g.getAttribute('data-ranges')), failed: Number(g.getAttribute('data-failed')),
    cells: g.querySelectorAll('rect.busy').length, fails: g.querySelectorAll('rect.fail').length,
    inside: [...g.querySelectorAll('rect')].every((r) => inside(r.getBoundingClientRect())),
    fill: getComputedStyle(g.querySelector('rect.busy')).fill,
  }));
  const pause = [...document.querySelectorAll('rect.pause')].map((r) => inside(r.getBoundingClientRect()));
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify({ rows, pause }); document.body.appendChild(pre);
})();</script>`;

test('the aggregated timeline of 100,000 ranges opens in headless Chromium: every worker row drawn inside the SVG, failures and the pause shown', async (t) => {
  const { w, dir } = await written(t, 100_000);
  const probed = join(dir, 'timeline.probe.html');
  await writeFile(probed, (await readFile(w.htmlPath, 'utf8')).replace('</body>', `${PROBE}</body>`));
  const dom = await runChromium(probed, ['--dump-dom']);
  const json = /<pre id="probe">([^<]*)<\/pre>/.exec(dom)?.[1];
  t.truthy(json, 'the page loaded and the probe ran');
  const { rows, pause } = JSON.parse(json!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as { rows: Array<{ ranges: number; failed: number; cells: number; fails: number; inside: boolean; fill: string }>; pause: boolean[] };
  t.is(rows.length, 16);
  t.is(rows.reduce((n, r) => n + r.ranges, 0), 100_000, 'every range counted in a row');
  for (const r of rows) {
    t.true(r.cells > 0 && r.inside, JSON.stringify(r));
    t.is(r.fill, 'rgb(78, 121, 167)', 'payload blue');
    t.is(r.fails > 0, r.failed > 0, 'failures drawn where there are some');
  }
  t.deepEqual(pause, [true], 'the backpressure band is visible');
});

test('workers past the row limit are grouped; lanes inferred for old journals never hold two ranges at once', (t) => {
  const src = syntheticReportSources({ ranges: 12_000, workers: 200 });
  const html = renderTimelineHtml(buildJobReport(src), src.journal!.ranges);
  t.regex(html, /data-rows="(\d+)"/);
  const rows = Number(/data-rows="(\d+)"/.exec(html)![1]);
  t.true(rows <= 48, `${rows} rows`);
  t.regex(html, /workers 1–5/);
  // Without recorded workers: 200 workers, each range overlapping the other 199 of its round.
  const anonymous = src.journal!.ranges.map(({ worker: _w, ...r }) => r);
  const { lanes, laneOf } = assignLanes(anonymous);
  t.is(lanes.length, maxOverlap(anonymous.map((r) => [r.sentAt!, r.outputAt!])), 'as few lanes as ranges ever overlap');
  const byLane = new Map<string, RangeTiming[]>();
  for (const r of anonymous) byLane.set(laneOf.get(r.id)!, [...(byLane.get(laneOf.get(r.id)!) ?? []), r]);
  for (const [lane, list] of byLane) {
    for (let i = 1; i < list.length; i++) t.true(list[i]!.sentAt! >= list[i - 1]!.outputAt!, `${lane}: ${list[i]!.id} starts after ${list[i - 1]!.id} ends`);
  }
});

test('the journal is read as a stream: the same timeline as from its whole text, a torn last line skipped', async (t) => {
  const dir = await tempDir('espilot-report-journal-');
  t.teardown(dir.remove);
  const recs = [
    { t: 'job', v: 1, job: { pandaId: '1', outputLfns: ['HITS'], workdir: '/w', createdAt: SYNTHETIC_T0 } },
    { t: 'fetched', ts: SYNTHETIC_T0 + 1, ranges: Array.from({ length: 500 }, (_, i) => ({ id: `r${i}`, startEvent: i, lastEvent: i, lfn: 'E', guid: 'G', wire: {} })) },
    ...Array.from({ length: 500 }, (_, i) => ({ t: 'sent', ts: SYNTHETIC_T0 + 2 + i, id: `r${i}`, peer: 'aa' })),
  ];
  const text = `${recs.map((r) => JSON.stringify(r)).join('\n')}\n{"t":"output","ts`;
  const path = join(dir.path, 'journal.jsonl');
  await writeFile(path, text);
  const streamed = await readJournalTimeline(path);
  t.deepEqual(streamed, journalTimelineOf(path, text));
  t.is(streamed!.ranges.length, 500);
  t.is(streamed!.skippedLines, 1);
  t.is(await readJournalTimeline(join(dir.path, 'none.jsonl')), undefined);
});
