/**
 * One fault run's world: the embedded dispatcher (bearer token or client certificate
 * required, getKeyPair serving the canary S3 keys), a fault proxy in front of Swift (or a
 * `file://` store), a fresh bucket, and the queue and site files a pilot process reads.
 *
 * Layout of the run folder: `work/` the pilot's work directory (scanned for secrets),
 * `logs/` every pilot process's stdout and stderr (scanned too), `trace/` the payload's
 * traces, `os/` a file store, `keys/` and `auth/` the credentials (never scanned: they
 * hold the canaries by design).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { siteQueuedata } from '../../core/index.js';
import { startDispatcher, type DispatcherHandle } from '../../plugins/panda-local/index.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { STAGE_OUT_RETRY, WORKERS, faultTimings, siteSettings, type FaultTimings } from './fault-config.js';
import type { FaultWorld } from './fault-world.js';

const SIMULATOR = '${ESPILOT_ROOT}/dist/plugins/payload-simulator/athenamp-simulator.js';

export interface TaskShape {
  readonly taskId: number;
  /** Input files × events per file = ranges (one event each). */
  readonly files?: number;
  readonly events: number;
  /** Extra simulator flags (faults, timing, output size). */
  readonly simulatorArgs?: string;
  /** ES consumer jobs (one per pilot). */
  readonly consumers?: number;
}

export interface RunSiteOptions {
  readonly task: TaskShape;
  readonly store?: 's3' | 'file';
  readonly auth?: 'token' | 'x509';
  readonly s3?: Record<string, unknown>;
  readonly eventService?: Record<string, unknown>;
  readonly runJob?: Record<string, unknown>;
}

export class RunSite {
  private constructor(
    readonly world: FaultWorld,
    readonly dir: string,
    readonly dispatcher: DispatcherHandle,
    /** Absent for a file store. */
    readonly proxy: FaultProxy | undefined,
    readonly bucket: string,
    readonly queuePath: string,
    readonly sitePath: string,
    /** The pilot's timeouts and the checker's bounds for this run (scaled by the slowdown measured as it was set up). */
    readonly timings: FaultTimings,
  ) {}

  get workdir(): string { return join(this.dir, 'work'); }
  get logDir(): string { return join(this.dir, 'logs'); }
  get traceDir(): string { return join(this.dir, 'trace'); }
  get fileStore(): string { return join(this.dir, 'os', 'es'); }

  static async create(world: FaultWorld, name: string, o: RunSiteOptions): Promise<RunSite> {
    const dir = await world.runDir(name);
    for (const d of ['work', 'logs', 'trace', 'keys', 'auth', 'se', join('os', 'es')]) await mkdir(join(dir, d), { recursive: true });
    const { swift, pki, canaries } = world;
    await writeFile(join(dir, 'keys', 'faults.access'), swift.accessKey, { mode: 0o600 });
    await writeFile(join(dir, 'keys', 'faults.secret'), canaries.s3Secret, { mode: 0o600 });
    const tokenFile = join(dir, 'auth', 'token');
    await writeFile(tokenFile, `${canaries.token}\n`, { mode: 0o600 });
    const x509 = o.auth === 'x509';
    const task = faultTask(o.task, join(dir, 'trace'));
    // The inputs ES jobs stage in (activity pr).
    for (const f of task['inputFiles'] as Array<{ lfn: string }>) await writeFile(join(dir, 'se', f.lfn), `input file ${f.lfn}\n`);
    const dispatcher = await startDispatcher({
      task, keysDir: join(dir, 'keys'),
      ...(x509 ? { tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca } } : { token: canaries.token }),
    });
    const store = o.store ?? 's3';
    const proxy = store === 's3' ? await startFaultProxy({ target: swift.endpoint }) : undefined;
    const bucket = `faults-${randomBytes(4).toString('hex')}`;
    const queue = siteQueuedata({
      name: 'ESPILOT_FAULTS', storageUrl: pathToFileURL(join(dir, 'se')).href, coreCount: WORKERS, retries: STAGE_OUT_RETRY,
      esObjectstoreUrl: proxy ? `s3://127.0.0.1:${proxy.port}/${bucket}` : pathToFileURL(join(dir, 'os', 'es')).href,
    }) as { ddmendpoints: Record<string, Record<string, unknown>> };
    Object.assign(queue.ddmendpoints['OS_ES']!, { access_key: 'faults.access', secret_key: 'faults.secret' });
    const timings = faultTimings();
    const queuePath = join(dir, 'queuedata.json');
    const sitePath = join(dir, 'site.json');
    await writeFile(queuePath, JSON.stringify(queue, null, 2));
    await writeFile(sitePath, JSON.stringify(siteSettings({
      timings, serverUrl: dispatcher.url, ...(x509 ? { proxyFile: pki.proxyFile, caPath: pki.caFile } : { tokenFile }),
      ...(o.s3 ? { s3: o.s3 } : {}), ...(o.eventService ? { eventService: o.eventService } : {}), ...(o.runJob ? { runJob: o.runJob } : {}),
    }), null, 2));
    return new RunSite(world, dir, dispatcher, proxy, bucket, queuePath, sitePath, timings);
  }

  /** The first ES job's PandaID (the dispatcher counts up from the jobset ID). */
  esPandaId(n = 0): string {
    return this.dispatcher.snapshot().jobs.filter((j) => j.kind === 'es')[n]!.pandaId;
  }

  async close(): Promise<void> {
    await this.proxy?.stop();
    await this.dispatcher.stop();
  }
}

/** An ES task of one-event ranges whose payload is the simulator, tracing to `traceDir/trace-<PandaID>.jsonl`. */
export function faultTask(t: TaskShape, traceDir: string): Record<string, unknown> {
  const files = t.files ?? 1;
  return {
    taskId: t.taskId, eventService: true, coreCount: WORKERS, consumers: t.consumers ?? 1, eventsPerRange: 1, maxAttempts: 3, scope: 'mc_faults',
    inputFiles: Array.from({ length: files }, (_, i) => ({ lfn: `EVNT.${t.taskId}._${i + 1}.pool.root.1`, guid: `0A1B2C3D-0000-4000-8000-${String(t.taskId).padStart(6, '0')}${String(i + 1).padStart(6, '0')}`, events: t.events })),
    output: { lfn: 'HITS.{taskId}._{serial}.pool.root.1' },
    payload: {
      transformation: 'node',
      jobPars: `${SIMULATOR} --channel=$PILOT_EVENTRANGECHANNEL --workers=${WORKERS} --outputFile={outputLFN} --outputBytes=4096 --trace=${join(traceDir, 'trace-{pandaId}.jsonl')} ${t.simulatorArgs ?? '--timePerEventMs=10'}`,
    },
    merge: { transformation: 'true', jobPars: '' },
  };
}
