/**
 * What the pilot-loop tests share: a `file://` site (local-site.ts) holding the task's inputs,
 * the embedded dispatcher serving the task on loopback, a run whose pilot settings point at
 * it, and the PanDA client; all torn down with the test. The tests then call `runPilotLoop`
 * (or `recoverJobs`) themselves with the loop options under test.
 *
 * Server deadlines are scaled by the slowdown factor (slowdown.ts): the dispatcher answers
 * from this very process, so on a starved machine its answers are as slow as the test.
 */
import type { ExecutionContext } from 'ava';
import { PandaClient } from '../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../plugins/panda-local/index.js';
import type { EsJobSetup } from './es-job-harness.js';
import { localSite, type LocalSite } from './local-site.js';
import { makeRun, type TestRun } from './make-run.js';
import { scaled } from './slowdown.js';

/** The task, plus the same overrides as the ES job harness (`server`, `eventService`, `runJob`, `pilot`). */
export interface LoopJobSetup extends Pick<EsJobSetup, 'server' | 'eventService' | 'runJob' | 'pilot'> {
  /** The task the dispatcher serves; its inputs are placed on the site's storage element. */
  readonly task: Record<string, unknown>;
}

export interface LoopJob {
  readonly site: LocalSite;
  readonly dispatcher: DispatcherHandle;
  readonly run: TestRun;
  readonly api: PandaClient;
}

export async function loopJob(t: ExecutionContext, o: LoopJobSetup): Promise<LoopJob> {
  const site = await localSite();
  const dispatcher = await startDispatcher({ task: await site.placeInputs(o.task) });
  const run = await makeRun({
    extraLayers: [site.layer({
      ...o.pilot,
      server: { url: dispatcher.url, retries: 1, requestTimeoutMs: scaled(5000), backoffBaseMs: 10, backoffMaxMs: 50, ...o.server },
      eventService: { reportIntervalMs: 20, payloadGraceS: 30, killGraceS: 1, ...o.eventService },
      pluginOptions: { event: { finalFlushS: 10, settleMs: 150, ...o.runJob } },
    })],
    env: { PATH: process.env['PATH'] },
  });
  const api = PandaClient.fromRun(run, {});
  t.teardown(async () => { api.close(); await run.dispose(); await dispatcher.stop(); await site.remove(); });
  return { site, dispatcher, run, api };
}
