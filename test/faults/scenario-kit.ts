/**
 * How a scenario runs: a fresh site, a watch on every process the run starts, the pilot
 * process, the scenario's nemesis acting while the pilot works (`drive`), the wait for its
 * exit, `espilot recover` when the pilot was killed (or when the scenario asks), then the
 * history from outside the pilot and the checker's verdict.
 */
import { watchChildren } from '../helpers/child-watch.js';
import { check, type CheckReport } from './checker.js';
import type { FaultWorld } from './fault-world.js';
import { collectHistory, type CommandSet, type RunHistory } from './history.js';
import { PilotProcess, runRecovery, type PilotRecord } from './pilot-process.js';
import { RunSite, type RunSiteOptions } from './run-site.js';
import type { Seeded } from './seeded-random.js';

/** What a scenario's nemesis can do while the pilot runs. */
export interface Drive {
  readonly site: RunSite;
  readonly pilot: PilotProcess;
  readonly rnd: Seeded;
  /** SIGKILL the pilot and its payload now (recorded as the crash instant). */
  crash(): void;
  /** Queue softkill/tobekilled for the ES job at the dispatcher (recorded). */
  command(command: 'softkill' | 'tobekilled'): void;
  /** Final statuses the dispatcher applied so far. */
  reports(): number;
  /** Resolves when `cond` holds (polled every 20 ms) or the pilot exited; false then. */
  until(cond: () => boolean, timeoutMs?: number): Promise<boolean>;
}

export interface RunOptions {
  readonly site: RunSiteOptions;
  /** Run the pilot under RLIMIT_FSIZE (bytes). */
  readonly fsizeLimit?: number;
  /** Start the pilot under this umask. */
  readonly umask?: number;
  /** Run `espilot recover` after the pilot: `crash` (default: only when it was killed), `always`. */
  readonly recover?: 'crash' | 'always';
  readonly drive?: (d: Drive) => Promise<void>;
  /** After the pilot exited, before any recovery (e.g. the outage ends). */
  readonly afterPilot?: (site: RunSite) => Promise<void> | void;
  /** Scenario-specific expectations; returns the ones that failed. */
  readonly expect?: (h: RunHistory, site: RunSite) => Promise<string[]> | string[];
  /** The instant the pilot lost its footing when it was not killed (e.g. its journal failed), from the history. */
  readonly crashInstant?: (h: RunHistory) => number | undefined;
}

export interface RunResult {
  readonly report: CheckReport;
  readonly history: RunHistory;
}

export async function runScenario(world: FaultWorld, name: string, rnd: Seeded, o: RunOptions): Promise<RunResult> {
  const site = await RunSite.create(world, name, o.site);
  const watch = watchChildren(25, { descendants: true });
  const pilots: PilotRecord[] = [];
  const commands: CommandSet[] = [];
  let crashAt: number | undefined;
  try {
    const pilot = PilotProcess.start(site, { name: 'pilot', ...(o.fsizeLimit ? { fsizeLimit: o.fsizeLimit } : {}), ...(o.umask !== undefined ? { umask: o.umask } : {}) });
    pilots.push(pilot.record);
    let exited = false;
    const exit = pilot.wait().finally(() => { exited = true; });
    const drive: Drive = {
      site, pilot, rnd,
      crash: () => { if (!exited) crashAt = pilot.crash(); },
      command: (command) => {
        const pandaId = site.esPandaId();
        site.dispatcher.command(pandaId, command);
        commands.push({ pandaId, command, at: Date.now() });
      },
      reports: () => site.dispatcher.snapshot().rangeUpdates.filter((u) => u.outcome === 'applied').length,
      until: async (cond, timeoutMs = site.timings.driverWaitMs) => {
        const end = Date.now() + timeoutMs;
        while (!exited && Date.now() < end) {
          if (cond()) return true;
          await new Promise((r) => setTimeout(r, 20));
        }
        return false;
      },
    };
    await o.drive?.(drive);
    await exit;
    await o.afterPilot?.(site);
    // A job the pilot left holding (uploads or reports outlasted finalFlushS, as on a loaded
    // node) is finished by the next pilot's recovery, as on a real site.
    if (crashAt !== undefined || o.recover === 'always' || leftHolding(site)) pilots.push(await runRecovery(site));
    const partial = await collectHistory(site, { pilots, children: watch.stop(), commands, ...(crashAt !== undefined ? { crashAt } : {}) });
    const instant = crashAt ?? o.crashInstant?.(partial);
    const history = instant !== undefined ? { ...partial, crashAt: instant } : partial;
    const report = await check(history, (await o.expect?.(history, site)) ?? []);
    return { report, history };
  } finally {
    watch.stop();
    await site.close();
  }
}

/** Whether a job's last applied update left it unfinished: `holding`, or `transferring` (an ES job's holding). */
function leftHolding(site: RunSite): boolean {
  const last = new Map<string, string>();
  for (const u of site.dispatcher.snapshot().jobUpdates) if (u.outcome === 'applied' && u.state) last.set(u.pandaId, u.state);
  return [...last.values()].some((state) => state === 'holding' || state === 'transferring');
}
