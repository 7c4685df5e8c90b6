/**
 * R12: the disk fills up under the pilot: it runs with RLIMIT_FSIZE (`prlimit --fsize`, a
 * seeded limit of a few dozen KiB), so once its range journal reaches the limit every write
 * fails with EFBIG. The pilot must stop acting on ranges it cannot record, fail the job with
 * a clear code, and leave a journal a restarted pilot can read; `espilot recover` (without
 * the limit, as on a node with space again) then finishes what was recorded. The instant the
 * pilot lost its journal is taken from the payload's side: the last range it was given.
 */
import { join } from 'node:path';
import { JOURNAL_FILE, readRangeJournal } from '../../../core/index.js';
import { runCli } from '../../helpers/run-cli.js';
import { runScenario } from '../scenario-kit.js';
import { esJobs, expectThat, finalJobUpdate, jobDirs, type Scenario } from '../scenario.js';
import { Seeded } from '../seeded-random.js';
import { readFile } from 'node:fs/promises';

export const R12: Scenario = {
  id: 'R12',
  title: 'disk full (RLIMIT_FSIZE) while the journal grows, then espilot recover',
  async run(world, seed) {
    const rnd = new Seeded(seed, 'R12');
    const limit = rnd.pick([16, 24, 32, 48]) * 1024;
    const r = await runScenario(world, `r12-s${seed}`, rnd, {
      site: { task: { taskId: 9112, events: 150, simulatorArgs: `--timePerEventMs=${rnd.int(5, 15)}` } },
      fsizeLimit: limit,
      recover: 'always',
      // Only when the journal did fail (the job reported FILEHANDLINGFAILURE); else the run is held to a graceful end.
      crashInstant: (h) => (h.snapshot.jobUpdates.some((u) => u.pilotErrorCode === 1303)
        ? Math.max(...[...h.traces.values()].flat().filter((e) => e.e === 'received').map((e) => e.t)) : undefined),
      expect: async (h, site) => {
        const out: string[] = [];
        for (const id of esJobs(h.snapshot)) {
          const f = finalJobUpdate(h.snapshot, id);
          out.push(...expectThat(f !== undefined && (f.state === 'finished' || f.code !== undefined), `R12: job ${id} ended ${JSON.stringify(f)}: no final state or no error code`));
        }
        for (const dir of await jobDirs(site.workdir)) {
          await readRangeJournal(join(dir, JOURNAL_FILE)).catch((err: Error) => out.push(`R12: the journal of ${dir} cannot be read: ${err.message}`));
          // A report the pilot managed to write must be whole; then it must be possible to rebuild it.
          const parses = (what: string) => readFile(join(dir, 'job-report.json'), 'utf8').then((t) => JSON.parse(t) as unknown).catch((err: NodeJS.ErrnoException) => {
            if (err.code !== 'ENOENT' || what === 'rebuilt') out.push(`R12: the ${what} job-report.json of ${dir} does not parse: ${err.message}`);
          });
          await parses('written');
          const res = await runCli(['report', dir], { timeoutMs: 60_000 });
          out.push(...expectThat(res.code === 0, `R12: espilot report ${dir} failed: ${res.stderr.slice(-300)}`));
          await parses('rebuilt');
        }
        return out;
      },
    });
    return { reports: [r.report], note: `RLIMIT_FSIZE ${limit / 1024} KiB` };
  },
};
