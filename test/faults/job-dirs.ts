/**
 * Where a pilot put its job directories (`<workdir>/pilot-<pid>-<time>/PandaJob_<id>`):
 * for drivers that need a real file inside one, and for the R12 checks of the journal and
 * the job report, which that scenario is about.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

export async function jobDirs(workdir: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of (await readdir(workdir).catch(() => [] as string[])).filter((n) => n.startsWith('pilot-'))) {
    for (const j of (await readdir(join(workdir, p)).catch(() => [] as string[])).filter((n) => n.startsWith('PandaJob_'))) out.push(join(workdir, p, j));
  }
  return out.sort();
}
