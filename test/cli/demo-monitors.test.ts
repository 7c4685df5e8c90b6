/**
 * The demo (ES job + merge job, real pilot processes) with every monitor on at short
 * intervals (heartbeats with a lost-heartbeat window, a pilot lifetime) and a memory limit: nothing is killed, every job directory holds the resource
 * series, and each job's recorded outcome carries the tree's memory fields and CPU time.
 */
import test from 'ava';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

test('demo with every monitor on (0.2 s samples, looping checks, memory limit): all jobs finish untouched and record their resource use', async (t) => {
  const dir = await tempDir('espilot-demo-mon-');
  t.teardown(dir.remove);
  const site = join(dir.path, 'site.json');
  // 2 × 8000 MB per core: far above the simulator; looping limit well above a range's time;
  // heartbeats every second with a 20 s lost-heartbeat window; a lifetime with room for the demo.
  await writeFile(site, JSON.stringify({
    monitors: { resourceIntervalS: 0.2, loopingCheckS: 0.2, loopingLimitS: 20 }, heartbeatS: 1, lostHeartbeatS: 20,
    lifetime: { limitS: 600, marginS: 60, minJobTimeS: 30 }, queuedata: { maxrss: 16000, maxvmem: 10_000_000 },
  }));
  const workdir = join(dir.path, 'demo');
  const r = await runCli(['demo', '--events', '5', '--workers', '2', '--workdir', workdir, '--config', site, '--log-level', 'info', '--keep-workdir'], { timeoutMs: 90_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /merged output verified ✔/);
  t.notRegex(r.stdout + r.stderr, /killing the payload|still running after the payload ended|declared the job lost|draining the job|no new job: pilot lifetime/);
  t.regex(r.stdout + r.stderr, /memory limit 16384000 kB PSS/, 'the limit was on: 2 × 16000 / 2 cores × 2 cores');
  let jobs = 0;
  for (const pilot of await readdir(join(workdir, 'pilot'))) {
    for (const name of (await readdir(join(workdir, 'pilot', pilot))).filter((n) => n.startsWith('PandaJob_'))) {
      const jobDir = join(workdir, 'pilot', pilot, name);
      const series = (await readFile(join(jobDir, 'memory_monitor_output.txt'), 'utf8')).trim().split('\n');
      t.true(series.length >= 2, `${name}: ${series.length - 1} samples`);
      const stateFile = (await readdir(jobDir)).find((n) => n.startsWith('jobState-'))!;
      const state = JSON.parse(await readFile(join(jobDir, stateFile), 'utf8')) as { outcome: { state: string; cpuConsumptionTime: number; resources?: { fields: Record<string, number> } } };
      t.is(state.outcome.state, 'finished');
      t.true(state.outcome.resources!.fields['maxPSS']! > 0, `${name} maxPSS`);
      t.true(state.outcome.cpuConsumptionTime > 0, `${name} cpu ${state.outcome.cpuConsumptionTime}`);
      jobs++;
    }
  }
  t.is(jobs, 2);
});
