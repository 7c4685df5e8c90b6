import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, adler32, formatAdler32, packageRoot, readRangeJournal } from '../../../core/index.js';
import { demoTaskPath, loadTaskFile, startDispatcher } from '../../../plugins/panda-local/index.js';
import { localSite } from '../../helpers/local-site.js';
import { CLI, runCli } from '../../helpers/run-cli.js';
import { scaled } from '../../helpers/slowdown.js';

/** Seeds run by default; ESPILOT_KILL_SEEDS=50 for a long run. */
const SEEDS = Number(process.env['ESPILOT_KILL_SEEDS'] ?? 5);

/** A small deterministic PRNG (mulberry32) so every kill instant can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

for (let seed = 1; seed <= SEEDS; seed++) {
  // Serial: each run needs the machine to itself for the kill instant to fall inside the job.
  test.serial(`SIGKILL of the pilot at a seeded instant, then espilot recover (seed ${seed}): every stored output reported once, nothing twice`, async (t) => {
    const random = prng(seed);
    const site = await localSite();
    const demo = loadTaskFile(demoTaskPath(), packageRoot());
    const task = {
      ...demo, coreCount: 2,
      inputFiles: demo.inputFiles.map((f) => ({ ...f, events: 20 })),
      payload: { ...demo.payload, jobPars: demo.payload.jobPars.replace('--workers=4', '--workers=2').replace('--timePerEventMs=0', '--timePerEventMs=60') },
    };
    const dispatcher = await startDispatcher({ task: await site.placeInputs(task) });
    t.teardown(async () => { await dispatcher.stop(); await site.remove(); });
    const siteFile = join(site.root, 'site.json');
    const layer = site.layer({ server: { url: dispatcher.url, retries: 2, backoffBaseMs: 20, backoffMaxMs: 100, requestTimeoutMs: scaled(3000) }, eventService: { reportIntervalMs: 30 } });
    await writeFile(siteFile, JSON.stringify({ ...layer.pilot, queuedata: layer.queuedata }));

    const pilot = spawn(process.execPath, [CLI, 'run', '--config', siteFile, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => pilot.on('exit', (code) => resolve(code)));
    const killAfterMs = 400 + Math.floor(random() * 1400);
    await Promise.race([new Promise((r) => setTimeout(r, killAfterMs)), exited]);
    pilot.kill('SIGKILL');
    await exited;

    const r = await runCli(['recover', '--config', siteFile, '--workdir', site.workdir, '--log-level', 'warn']);
    t.is(r.code, 0, r.stdout + r.stderr);

    const snap = dispatcher.snapshot();
    const es = snap.jobs.find((j) => j.kind === 'es');
    t.truthy(es, 'the ES job was dispatched');
    // Nothing twice: at most one applied final report per range and attempt.
    for (const range of snap.ranges) {
      t.true(range.reports.length <= 1, `range ${range.key}: ${range.reports.length} applied reports`);
    }
    // Durable before reported: every range reported finished has its object, with the bytes the pilot recorded.
    const outLfn = String(es!.definition['outFiles']).split(',')[0]!;
    const stored = new Set(await readdir(join(site.osDir, 'es')));
    const finished = snap.ranges.filter((x) => x.reports.some((rep) => rep.status === 'finished'));
    for (const range of finished) t.true(stored.has(`${outLfn}.${range.eventRangeId}`), `range ${range.key} finished without its object`);
    // Nothing lost: every output the pilot received (its journal) is stored and reported once.
    const jobDir = (await readdir(site.workdir, { recursive: true })).map((p) => join(site.workdir, String(p))).find((p) => p.endsWith(JOURNAL_FILE));
    if (jobDir && existsSync(jobDir)) {
      const journal = await readRangeJournal(jobDir);
      for (const s of journal.ranges.values()) {
        if (!s.outputs) continue;
        const rec = snap.ranges.find((x) => x.eventRangeId === s.range.id);
        t.is(rec?.reports.length, 1, `range ${s.range.id} produced output but has ${rec?.reports.length ?? 0} applied reports`);
        if (rec?.reports[0]?.status === 'finished') {
          const bytes = await readFile(join(site.osDir, 'es', `${outLfn}.${s.range.id}`));
          t.is(`ad:${formatAdler32(adler32(bytes))}`, s.stored?.[0]?.checksum ?? `ad:${formatAdler32(adler32(bytes))}`);
        }
      }
    }
    // The job got exactly one final update, from the dead pilot or from the recovery; none only
    // when the pilot died before it recorded the job (then it reported nothing and the server's
    // lost-heartbeat timeout owns the job).
    const recorded = (await readdir(site.workdir, { recursive: true })).some((p) => String(p).endsWith(`jobState-${es!.pandaId}.json`));
    const finals = snap.jobUpdates.filter((u) => u.pandaId === es!.pandaId && (u.state === 'finished' || u.state === 'failed' || u.state === 'holding') && u.outcome === 'applied');
    t.is(finals.length, recorded ? 1 : 0, `final updates: ${JSON.stringify(finals.map((f) => f.state))}`);
    if (!recorded) t.is(snap.rangeUpdates.length, 0, 'a job that was never recorded reported nothing');
    // Its log was stored by whichever pilot ended it (ES jobs store their log like any job).
    if (recorded) t.true(existsSync(join(site.seDir, String(es!.definition['logFile']))), 'the ES job\'s log is on the storage element');
    t.log(`seed ${seed}: killed after ${killAfterMs} ms; ${finished.length}/${snap.ranges.length} finished; recovery: ${r.stdout.trim()}`);
  });
}
