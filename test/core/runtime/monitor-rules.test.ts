/**
 * The monitors' rules, each from pilot3: the memory limit from queuedata maxrss per core ×
 * the job's cores × the RSS grace (or minRamCount), the looping limit, the summary fields
 * and their place on the wire.
 */
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError, ResourceSeries, encodeForm, jobUpdateForm, loopingLimitS, memoryExcess, memoryLimitFor, parseQueueData, type ProcessTreeSample,
} from '../../../core/index.js';

const sample = (time: number, over: Partial<ProcessTreeSample> = {}): ProcessTreeSample => ({
  time, nprocs: 2, nthreads: 4, rss: 1000, pss: 800, vmem: 5000, swap: 0, utime: 1, stime: 0.5, rchar: 100, wchar: 50, read_bytes: 10, write_bytes: 20, ...over,
});

test('memory limit: 2 × maxrss per queue core × the job\'s cores, in kB; else minRamCount rounded up to GB; else none', (t) => {
  const q = { coreCount: 8, maxRssMB: 16000 };
  t.is(memoryLimitFor({ coreCount: 1 }, q).pssKb, 2 * 2000 * 1024);
  t.is(memoryLimitFor({ coreCount: 8 }, q).pssKb, 2 * 16000 * 1024);
  t.is(memoryLimitFor({ coreCount: 1, minRamCount: 1500 }, q).pssKb, 2 * 2000 * 1024, 'maxrss wins over minRamCount');
  t.is(memoryLimitFor({ coreCount: 1, minRamCount: 1500 }, { coreCount: 8 }).pssKb, 2 * 2000 * 1024, 'minRamCount 1500 → 2000 MB');
  t.is(memoryLimitFor({ coreCount: 1 }, { coreCount: 8 }).pssKb, undefined);
  const v = memoryLimitFor({ coreCount: 2 }, { coreCount: 8, maxVmemMB: 32000 });
  t.is(v.vmemKb, 2 * 8000 * 1024);
  t.is(v.pssKb, undefined);
  const lim = memoryLimitFor({ coreCount: 1 }, q);
  t.is(memoryExcess(lim, sample(0, { pss: lim.pssKb! })), undefined, 'at the limit is not over it');
  t.regex(memoryExcess(lim, sample(0, { pss: lim.pssKb! + 1 }))!, /PSS 4096001 kB > 4096000 kB \(2 × maxrss 16000 MB \/ 8 queue cores × 1 job cores\)/);
  t.regex(memoryExcess(v, sample(0, { vmem: v.vmemKb! + 1 }))!, /VMEM/);
});

test('queuedata maxrss / maxvmem: MB, 0 is "not set", anything else an error naming the field', (t) => {
  const q = parseQueueData({ maxrss: 16000, maxvmem: '32000', corecount: 8 });
  t.is(q.maxRssMB, 16000);
  t.is(q.maxVmemMB, 32000);
  t.false('maxRssMB' in parseQueueData({ maxrss: 0 }));
  const e = t.throws(() => parseQueueData({ maxrss: 'lots' }), { instanceOf: ConfigError });
  t.regex(e!.message, /queuedata\.maxrss/);
});

test('looping limit: the configured limit, a longer maxCpuCount wins', (t) => {
  t.is(loopingLimitS({}, { limitS: 7200 }), 7200);
  t.is(loopingLimitS({ maxCpuCount: 3600 }, { limitS: 7200 }), 7200);
  t.is(loopingLimitS({ maxCpuCount: 86_400 }, { limitS: 7200 }), 86_400);
});

test('the series: pilot3\'s fields (max, avg, totals, rates), the TSV file, jobMetrics', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'espilot-series-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const s = new ResourceSeries(dir);
  t.deepEqual(s.fields(), {});
  s.add(sample(100, { pss: 800, utime: 1, stime: 0 }));
  s.add(sample(110, { nprocs: 0 }));
  s.add(sample(110, { pss: 1000, rss: 3000, rchar: 1100, utime: 4, stime: 1 }));
  s.add(sample(120, { pss: 1200, rchar: 900, utime: 3, stime: 1 }));
  const f = s.fields();
  t.like(f, { maxPSS: 1200, avgPSS: 1000, maxRSS: 3000, avgRSS: 1667, totRCHAR: 1100, rateRCHAR: 55, totWBYTES: 20, rateWBYTES: 1 });
  t.is(s.cpuSeconds, 5, 'the most CPU the tree was seen to have');
  t.is(s.jobMetrics(), 'actualCoreCount=0.25 leak=20.00');
  const text = await readFile(join(dir, 'memory_monitor_output.txt'), 'utf8');
  const lines = text.trim().split('\n');
  t.is(lines.length, 4, 'a header and one row per sample with a live process');
  t.is(lines[3], '120\t2\t4\t1200\t900\t10\t1000\t1\t0\t3\t5000\t50\t20\t20');
});

test('updateJob form: the memory fields under pilot3\'s names, the debug tail as stdout', (t) => {
  const body = encodeForm(jobUpdateForm({ pandaId: '1', state: 'running', resources: { maxPSS: 1200, avgRSS: 7 }, jobMetrics: 'leak=2.00', stdout: 'payload.stdout\nlast line' }, 'ps-2024', 0));
  const form = new URLSearchParams(body);
  t.is(form.get('maxPSS'), '1200');
  t.is(form.get('avgRSS'), '7');
  t.is(form.get('jobMetrics'), 'leak=2.00');
  t.is(form.get('stdout'), 'payload.stdout\nlast line');
  t.false(new URLSearchParams(encodeForm(jobUpdateForm({ pandaId: '1', state: 'running' }, 'ps-2024', 0))).has('stdout'));
});
