/**
 * A run's history, gathered from outside the pilot once every pilot process has ended: the
 * dispatcher's records (ranges, dispatches, every update with its outcome and time), the
 * fault proxy's request log (with times), the store's contents recomputed from its bytes,
 * the payload's traces, what the driver did to the processes, and every process the run
 * started (argv, environment). The checker sees only this.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { DispatcherSnapshot, FaultRecord } from '../../plugins/panda-local/index.js';
import { readPayloadTrace, type TraceEvent } from '../../plugins/payload-simulator/index.js';
import type { ChildSnapshot } from '../helpers/child-watch.js';
import type { FaultTimings } from './fault-config.js';
import type { ProxiedRequest } from '../helpers/fault-proxy.js';
import type { PilotRecord } from './pilot-process.js';
import type { RunSite } from './run-site.js';
import { readFileStore, readS3Store, type StoreContents } from './store-reader.js';

/** A back-channel command the driver queued at the dispatcher. */
export interface CommandSet {
  readonly pandaId: string;
  readonly command: string;
  readonly at: number;
}

export interface RunHistory {
  readonly snapshot: DispatcherSnapshot;
  readonly dispatcherFaults: readonly FaultRecord[];
  readonly proxyLog: readonly ProxiedRequest[];
  readonly store: StoreContents;
  /** The S3 bucket of the ES outputs (absent for a file store). */
  readonly bucket?: string;
  /** Payload events per trace file (one file per ES job: `trace-<PandaID>.jsonl`). */
  readonly traces: ReadonlyMap<string, readonly TraceEvent[]>;
  readonly pilots: readonly PilotRecord[];
  /** When the driver killed the pilot mid-job, if it did. */
  readonly crashAt?: number;
  readonly commands: readonly CommandSet[];
  /** Every process below the test process while the run lasted. */
  readonly children: readonly ChildSnapshot[];
  /** Folders whose every file must be free of secrets: the pilot's work directory and the logs. */
  readonly scanDirs: readonly string[];
  readonly canaries: readonly string[];
  /** The run's configured timeouts and the bounds derived from them. */
  readonly timings: FaultTimings;
}

export interface HistoryExtras {
  readonly pilots: readonly PilotRecord[];
  readonly crashAt?: number;
  readonly commands?: readonly CommandSet[];
  readonly children: readonly ChildSnapshot[];
}

export async function collectHistory(site: RunSite, x: HistoryExtras): Promise<RunHistory> {
  const traces = new Map<string, TraceEvent[]>();
  for (const name of (await readdir(site.traceDir)).sort()) {
    const m = /^trace-(\d+)\.jsonl$/.exec(name);
    if (m) traces.set(m[1]!, await readPayloadTrace(join(site.traceDir, name)));
  }
  const { canaries } = site.world;
  return {
    snapshot: site.dispatcher.snapshot(),
    dispatcherFaults: site.dispatcher.faultsProduced(),
    proxyLog: site.proxy ? site.proxy.requests.map((r) => ({ ...r })) : [],
    store: site.proxy ? await readS3Store(site.world.s3, site.bucket) : await readFileStore(site.fileStore),
    ...(site.proxy ? { bucket: site.bucket } : {}),
    traces,
    pilots: x.pilots,
    ...(x.crashAt !== undefined ? { crashAt: x.crashAt } : {}),
    commands: x.commands ?? [],
    children: x.children,
    scanDirs: [site.workdir, site.logDir],
    canaries: [canaries.s3Secret, canaries.token, canaries.proxyKeyLine],
    timings: site.timings,
  };
}
