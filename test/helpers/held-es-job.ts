/**
 * An ES job that ends `holding`: a real pilot loop against the loopback dispatcher with
 * updateEventRanges black-holed, so every range is stored and finished in the journal but
 * none is acknowledged. The fault stays until the test clears it (`dispatcher.clearFaults()`).
 * Shared by the tests of what a recovery makes of such a job.
 */
import type { ExecutionContext } from 'ava';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, runPilotLoop, type PandaClient } from '../../core/index.js';
import type { DispatcherHandle } from '../../plugins/panda-local/index.js';
import { esTask } from './es-job-harness.js';
import type { LocalSite } from './local-site.js';
import { loopJob } from './loop-job.js';
import type { TestRun } from './make-run.js';
import { scaled } from './slowdown.js';

export interface HeldEsJob {
  readonly site: LocalSite;
  readonly dispatcher: DispatcherHandle;
  readonly run: TestRun;
  readonly api: PandaClient;
  readonly result: Awaited<ReturnType<typeof runPilotLoop>>;
  /** The job's range journal. */
  readonly journalPath: string;
}

export async function heldEsJob(t: ExecutionContext, o: { taskId: number; events: number; eventService?: Record<string, unknown> }): Promise<HeldEsJob> {
  // retries 0: a stalled report must not be sent again once the test clears the fault (it
  // would reach the server after the job ended holding). Its deadline is scaled like the rest.
  const { site, dispatcher, run, api } = await loopJob(t, {
    task: esTask({ taskId: o.taskId, files: 1, events: o.events, simulatorArgs: '--workers=1' }),
    server: { retries: 0, requestTimeoutMs: scaled(3000) },
    eventService: { reportIntervalMs: 60_000, payloadGraceS: 10, ...o.eventService },
    runJob: { finalFlushS: 1.5 },
  });
  dispatcher.injectFault({ command: 'updateEventRanges', kind: 'stall', times: 1000 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  const journalPath = (await readdir(site.workdir, { recursive: true })).map((p) => join(site.workdir, String(p))).find((p) => p.endsWith(JOURNAL_FILE)) ?? '';
  return { site, dispatcher, run, api, result, journalPath };
}
