/**
 * The payload outlives a SIGKILLed pilot (it runs in its own process groups) and nobody
 * serves it any more. The runner records every group it started; a recovery stops them.
 */
import { readFile, readlink, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logging/logger.js';
import { processTree } from '../util/process-table.js';
import type { PayloadGroup } from './es-payload-seams.js';

/** One line per process group: `<pid> <cwd>` (a bare pid: the job's directory). */
export const PAYLOAD_PID_FILE = 'payload.pid';

/** Best effort: a job whose record is missing leaves its payload to the batch system. */
export async function recordPayloadGroups(workdir: string, groups: readonly PayloadGroup[]): Promise<void> {
  await writeFile(join(workdir, PAYLOAD_PID_FILE), groups.map((g) => `${g.pid} ${g.cwd}\n`).join('')).catch(() => undefined);
}

/**
 * SIGKILLs every recorded group that still has a member working in the recorded directory.
 * The group leader may be gone while its workers run on (AthenaMP's forked workers outlive
 * a dead mother process), so the group's members are looked at, not only its leader.
 * @returns how many groups were stopped.
 */
export async function stopLeftoverPayload(workdir: string, log: Logger): Promise<number> {
  const text = await readFile(join(workdir, PAYLOAD_PID_FILE), 'utf8').catch(() => '');
  let stopped = 0;
  for (const line of text.split('\n')) {
    const m = /^(\d+)(?: (.+))?$/.exec(line.trim());
    const pid = Number(m?.[1]);
    if (!m || !Number.isInteger(pid) || pid <= 1) continue;
    const want = m[2] ?? workdir;
    // The pid may have been reused since: only a group with a member in the recorded directory is ours.
    if (!(await groupWorksIn(pid, await realpath(want).catch(() => want)))) continue;
    try {
      process.kill(-pid, 'SIGKILL');
      stopped++;
      log.warn(`killed the payload process group ${pid} the dead pilot left running`);
    } catch {
      // Already gone.
    }
  }
  return stopped;
}

async function groupWorksIn(pgid: number, dir: string): Promise<boolean> {
  const inDir = (cwd: string | undefined) => cwd !== undefined && (cwd === dir || cwd.startsWith(`${dir}/`));
  for (const p of processTree(new Set([pgid]))) {
    if (inDir(await readlink(`/proc/${p.pid}/cwd`).catch(() => undefined))) return true;
  }
  return false;
}
