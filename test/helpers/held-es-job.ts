/**
 * An ES job that ends `holding`: a real pilot loop against the loopback dispatcher with
 * updateEventRanges black-holed, so every range is stored and finished in the journal but
 * none is acknowledged. The fault stays until the test clears it (`dispatcher.clearFaults()`).
 * Shared by the tests of what a recovery makes of such a job.
 */
import type { ExecutionContext } from 'ava';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { JOURNAL_FILE, PandaClient, runPilotLoop } from '../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../plugins/panda-local/index.js';
import { esTask } from './es-job-harness.js';
import { localSite, type LocalSite } from './local-site.js';
import { makeRun } from './make-run.js';

export interface HeldEsJob {
  readonly site: LocalSite;
  readonly dispatcher: DispatcherHandle;
  readonly run: Awaited<ReturnType<typeof makeRun>>;
  readonly api: PandaClient;
  readonly result: Awaited<ReturnType<typeof runPilotLoop>>;
  /** The job's range journal. */
  readonly journalPath: string;
}

export async function heldEsJob(t: ExecutionContext, o: { taskId: number; events: number; eventService?: Record<string, unknown> }): Promise<HeldEsJob> {
  const site = await localSite();
  const dispatcher = await startDispatcher({ task: await site.placeInputs(esTask({ taskId: o.taskId, files: 1, events: o.events, simulatorArgs: '--workers=1' })) });
  const run = await makeRun({
    extraLayers: [site.layer({
      server: { url: dispatcher.url, retries: 0, requestTimeoutMs: 300, backoffBaseMs: 10, backoffMaxMs: 50 },
      eventService: { reportIntervalMs: 60_000, payloadGraceS: 10, killGraceS: 1, ...o.eventService },
      pluginOptions: { event: { finalFlushS: 1.5, settleMs: 150 } },
    })],
    env: { PATH: process.env['PATH'] },
  });
  const api = PandaClient.fromRun(run, {});
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  dispatcher.injectFault({ command: 'updateEventRanges', kind: 'stall', times: 1000 });
  const result = await runPilotLoop({ run, api, request: { siteName: 'TEST_LOCAL' }, maxJobs: 1, handleSignals: false });
  const journalPath = (await readdir(site.workdir, { recursive: true })).map((p) => join(site.workdir, String(p))).find((p) => p.endsWith(JOURNAL_FILE)) ?? '';
  return { site, dispatcher, run, api, result, journalPath };
}
