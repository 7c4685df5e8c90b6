/**
 * The "done when": `run --dry-run`, `check` and the job report of a real run show the
 * same transfers, because all three read the job's binding. A demo run gives real ES jobs and
 * a real merge job (stage-in from the object store, stage-out, log, log copy) on a file:// site.
 */
import test from 'ava';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobReport, PlannedTransfer } from '../../core/index.js';
import type { DispatcherSnapshot } from '../../plugins/panda-local/index.js';
import { runCli } from '../helpers/run-cli.js';
import { tempDir } from '../helpers/temp-dir.js';

let root: { path: string; remove(): Promise<void> };
let workdir: string;
let reports: JobReport[];
let snapshot: DispatcherSnapshot;

test.before(async () => {
  root = await tempDir('espilot-agree-');
  workdir = join(root.path, 'demo');
  const r = await runCli(['demo', '--events', '4', '--workers', '2', '--workdir', workdir, '--no-progress'], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`demo failed: ${r.stdout}${r.stderr}`);
  const pilot = join(workdir, 'pilot', (await readdir(join(workdir, 'pilot')))[0]!);
  const dirs = (await readdir(pilot)).filter((n) => n.startsWith('PandaJob_')).map((n) => join(pilot, n));
  reports = await Promise.all(dirs.map(async (d) => JSON.parse(await readFile(join(d, 'job-report.json'), 'utf8')) as JobReport));
  snapshot = JSON.parse(await readFile(join(workdir, 'dispatcher-snapshot.json'), 'utf8')) as DispatcherSnapshot;
});

test.after.always(async () => {
  await root?.remove();
});

type Planned = Pick<PlannedTransfer, 'label' | 'activity' | 'url' | 'movers' | 'attempts'> & { optional: boolean };

/** The transfer lines of `run --dry-run` for one job definition. */
async function dryRunTransfers(definition: Record<string, unknown>, experiment: string): Promise<Planned[]> {
  const file = join(root.path, `job-${String(definition['PandaID'])}.json`);
  await writeFile(file, JSON.stringify(definition));
  const r = await runCli(['run', '--dry-run', '--job-file', file, '--queue', join(workdir, 'queuedata.json'), '--experiment', experiment]);
  if (r.code !== 0) throw new Error(`dry run: exit ${r.code}: ${r.stdout}${r.stderr}`);
  const out: Planned[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S.*?)\s{2,}(\S+) via (.+) \(activity (\S+), (\d+) attempt\(s\) each(, optional)?\)$/.exec(line);
    if (m) out.push({ label: m[1]!, url: m[2]!, movers: m[3]!.split(' → '), activity: m[4]! as Planned['activity'], attempts: Number(m[5]), optional: Boolean(m[6]) });
  }
  return out;
}

/** `check`'s list: activity → base, movers, attempts. */
async function checkTransfers(experiment: string): Promise<Map<string, { base: string; movers: string[]; attempts: number }>> {
  const r = await runCli(['check', '--queue', join(workdir, 'queuedata.json'), '--experiment', experiment]);
  if (r.code !== 0) throw new Error(`check: exit ${r.code}: ${r.stdout}${r.stderr}`);
  const out = new Map<string, { base: string; movers: string[]; attempts: number }>();
  for (const line of r.stdout.split('\n')) {
    const m = /^ {2}(\S+): (\S+) via (.+) \((\d+) attempt\(s\) each\)$/.exec(line);
    if (m) out.set(m[1]!, { base: m[2]!, movers: m[3]!.split(' → '), attempts: Number(m[4]) });
  }
  return out;
}

const pattern = (url: string) => new RegExp(`^${url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('<eventRangeID>', '[^/]+')}$`);

test('dry run, check and the report of the real run show the same transfers for the ES jobs and the merge job', async (t) => {
  const kinds = new Set<string>();
  for (const report of reports) {
    const job = snapshot.jobs.find((j) => j.pandaId === report.job.pandaId);
    t.truthy(job, `job ${report.job.pandaId} is the dispatcher's`);
    const experiment = report.plugins['experiment']!;
    kinds.add(report.job.kind);
    const planned = (report.plannedTransfers ?? []).map((p) => ({ label: p.label, url: p.url, movers: [...p.movers], activity: p.activity, attempts: p.attempts, optional: Boolean(p.optional) }));
    t.true(planned.length > 0, `job ${report.job.pandaId}: the report shows its planned transfers`);
    if (report.job.kind === 'event service') t.true(planned.some((p) => p.label === `log ${report.job.log}` && p.activity === 'pl'), 'an ES job plans its log transfer to pl');
    t.log(`${report.job.pandaId} (${report.job.kind}): ${planned.map((p) => p.label).join('; ')}; ${report.transfers.length} transfer(s) done`);
    // 1. The dry run of the same job definition plans exactly what the job's binding planned.
    t.deepEqual(await dryRunTransfers(job!.definition as Record<string, unknown>, experiment), planned, `job ${report.job.pandaId}: dry run = report`);
    // 2. What the run did: every transfer is a planned one, through one of its movers; every required one happened.
    for (const done of report.transfers) {
      const p = planned.find((x) => x.activity === done.activity && pattern(x.url).test(done.url));
      t.truthy(p, `job ${report.job.pandaId}: ${done.direction} ${done.url} (${done.activity}) was planned`);
      if (p) t.true(p.movers.includes(done.mover), `${done.url}: mover ${done.mover} is one of ${p.movers.join(', ')}`);
    }
    for (const p of planned.filter((x) => !x.optional)) {
      t.true(report.transfers.some((d) => d.activity === p.activity && pattern(p.url).test(d.url)), `job ${report.job.pandaId}: planned ${p.label} happened`);
    }
    if (report.job.kind === 'event service') t.true(report.transfers.some((d) => d.name === report.job.log && d.activity === 'pl'), 'the ES log was staged out to pl');
    // 3. check lists each planned activity with the same storage, movers and attempts.
    const checked = await checkTransfers(experiment);
    for (const p of planned) {
      const c = checked.get(p.activity);
      t.truthy(c, `check lists activity ${p.activity}`);
      if (!c) continue;
      t.true(p.url.startsWith(c.base), `${p.label}: ${p.url} is under check's ${c.base}`);
      t.deepEqual(c.movers, p.movers, `${p.label}: check's movers`);
      t.is(c.attempts, p.attempts);
    }
  }
  t.deepEqual([...kinds].sort(), ['event service', 'event service merge'], 'both an ES job and a merge (normal RunJob) job ran');
});
