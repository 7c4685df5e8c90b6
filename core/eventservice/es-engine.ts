/**
 * The Event Service conversation: reads the payload's messages from the channel and answers
 * every `Ready for events` with exactly one reply (one range as `[range]`, or `No more
 * events`), takes output reports to the stage-out and `ERR_*` messages to the reporter.
 * Messages are handled concurrently so a slow upload or server never delays a reply; the
 * tracker's checks keep the bookkeeping exact whatever the interleaving. With a backlog
 * bound, a `Ready for events` that would exceed it is parked (answered late, not with
 * `No more events`) until stage-out catches up (stage-out-backlog.ts).
 */
import { stat } from 'node:fs/promises';
import type { EventRange } from '../contracts/event-range.js';
import type { PayloadErrorClass } from '../contracts/experiment.js';
import type { PayloadChannel, PeerId } from '../contracts/payload-channel.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { toPilotError, type PilotError } from '../errors/pilot-error.js';
import type { Logger } from '../logging/logger.js';
import { sleep } from '../staging/transfer-service.js';
import type { EventRangeSource } from './event-range-source.js';
import { rangeUpdateOf, type StorageIdOf } from './range-update.js';
import type { RangeOutcome, StoredObject } from './journal-records.js';
import type { OutputNamer } from './output-namer.js';
import { NO_MORE_EVENTS, parsePayloadMessage, type ErrorMessage, type OutputMessage } from './payload-message.js';
import type { RangeReporter } from './range-reporter.js';
import type { RangeTracker, ReportVerdict } from './range-tracker.js';
import type { OutputStager } from './stage-out-queue.js';
import { StageOutBacklog, type BacklogLimits } from './stage-out-backlog.js';

export interface StagerHooks {
  readonly onStored: (rangeId: string, objects: readonly StoredObject[]) => Promise<void>;
  readonly onFailed: (rangeId: string, error: PilotError) => Promise<void>;
}

export interface EsEngineOptions {
  readonly channel: PayloadChannel;
  readonly source: EventRangeSource;
  readonly tracker: RangeTracker;
  readonly reporter: RangeReporter;
  readonly namer: OutputNamer;
  /** Builds the stage-out with the engine's completion hooks. */
  readonly createStager: (hooks: StagerHooks) => OutputStager;
  /** `Experiment.classifyPayloadError`. */
  readonly classify: (acronym: string, diagnostics: string) => PayloadErrorClass;
  readonly maxConsecutiveStageOutFailures: number;
  /** The endpoint id of the store an output URL is under (a finished range's `objstoreID`). */
  readonly storageIdOf?: StorageIdOf;
  /**
   * How many ranges one peer may hold without an answer. AthenaMP's range scatterer holds
   * about one per worker, and may ask again before a worker's report is booked; a peer asking
   * beyond this waits for its answer until it reports on a range it holds, so a runaway
   * client cannot drain the task and a real payload is only slowed, never stopped.
   */
  readonly maxRangesPerPeer: number;
  /** Bound on ranges in flight or awaiting stage-out, and on the bytes awaiting it; none: unbounded. */
  readonly backlog?: BacklogLimits;
  readonly log: Logger;
  /** Called once, when the first `No more events` goes out. */
  readonly onNoMoreEvents?: () => void;
  /** Called once when the job cannot continue safely (its journal failed). */
  readonly onFatal?: (error: PilotError) => void;
}

export interface EngineCounters {
  ready: number;
  rangesSent: number;
  noMoreEvents: number;
  /** `Ready for events` from a peer already holding `maxRangesPerPeer` ranges, answered only once it reported. */
  overLimit: number;
  /** `Ready for events` parked because the stage-out backlog was at its bound. */
  backpressured: number;
  invalid: number;
  dropped: Partial<Record<Exclude<ReportVerdict, 'accepted'> | 'no-id', number>>;
}

export class EsEngine {
  readonly stager: OutputStager;
  readonly counters: EngineCounters = { ready: 0, rangesSent: 0, noMoreEvents: 0, overLimit: 0, backpressured: 0, invalid: 0, dropped: {} };
  readonly backlog: StageOutBacklog | undefined;
  /** When the payload last said anything (ms since epoch); the stuck-payload watchdog reads it. */
  lastMessageAt = Date.now();
  /** When the payload last reported an output (ms since epoch; the looping check reads it). */
  lastOutputAt = Date.now();
  failure: PilotError | undefined;
  private consecutiveStageOutFailures = 0;
  private readonly tasks = new Set<Promise<void>>();
  private readonly deferred: Array<() => Promise<void>> = [];
  /** Peers over their limit, with how many of their `Ready for events` wait for an answer. */
  private readonly parked = new Map<string, { peer: PeerId; asks: number }>();

  constructor(private readonly o: EsEngineOptions) {
    this.stager = o.createStager({ onStored: (id, objs) => this.stored(id, objs), onFailed: (id, err) => this.stageOutFailed(id, err) });
    this.backlog = o.backlog && new StageOutBacklog(o.backlog, () => o.tracker.holding + o.tracker.awaitingUpload, o.log, (e) => {
      try {
        o.tracker.markBacklog(e.full, e.ranges, e.bytes);
      } catch (err) {
        this.fatal(err);
      }
    });
  }

  /** Serves the channel until it is closed. */
  async run(): Promise<void> {
    for await (const msg of this.o.channel.messages()) {
      this.lastMessageAt = Date.now();
      const m = parsePayloadMessage(msg.text);
      switch (m.kind) {
        case 'ready':
          this.counters.ready++;
          this.onReady(msg.peer);
          break;
        case 'output':
          this.lastOutputAt = this.lastMessageAt;
          this.later(() => this.onOutput(msg.peer, m));
          break;
        case 'error':
          // A fatal error stops the dispatch as it arrives, before a `Ready` right behind it is
          // answered; its bookkeeping (onError) runs later like every report's.
          if (m.rangeId !== undefined && this.o.tracker.check(m.rangeId, msg.peer) === 'accepted' && this.o.classify(m.acronym, m.diagnostics).status === 'fatal') {
            this.stopDispatching(`fatal payload error ${m.acronym} on range ${m.rangeId}`);
          }
          this.later(() => this.onError(msg.peer, m));
          break;
        default:
          if (++this.counters.invalid <= 20 || this.counters.invalid % 1000 === 0) {
            this.o.log.warn(`dropped a payload message (${this.counters.invalid} so far): ${m.reason}: ${JSON.stringify(msg.text.slice(0, 120))}`);
          }
      }
    }
  }

  /** Softkill, too many failures, payload gone: later `Ready` messages get `No more events`. */
  stopDispatching(reason: string): void {
    this.o.source.stop(reason);
    // Asks parked on the backlog get their `No more events` now.
    this.serveParked();
  }

  /**
   * Marks every range the payload holds without an answer as failed (payload died or was
   * killed); with `only`, just those it selects (one dead instance of an HPC payload).
   */
  async failInFlight(code: number, diag: string, only?: (rangeId: string) => boolean): Promise<number> {
    const ids = only ? this.o.tracker.inFlight().filter(only) : this.o.tracker.inFlight();
    await Promise.all(ids.map((id) => this.decide(id, { status: 'failed', code, diag })));
    return ids.length;
  }

  /** Waits until the channel was quiet for `quietMs` (messages still buffered after the payload exited) and every handler finished. */
  async settle(quietMs: number, maxMs: number): Promise<void> {
    const end = Date.now() + maxMs;
    for (;;) {
      const now = Date.now();
      const quiet = now - this.lastMessageAt;
      if (quiet >= quietMs || now >= end) break;
      await sleep(Math.min(quietMs - quiet, end - now));
    }
    await this.quiesce();
  }

  /** Waits for every message handler in progress. */
  async quiesce(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  /**
   * Runs report handling after the messages already received: a worker sends its report
   * and its next `Ready for events` back to back, and the reply must not wait for the
   * report's bookkeeping.
   */
  private later(fn: () => Promise<void>): void {
    this.deferred.push(fn);
    if (this.deferred.length === 1) {
      // One tracked promise per batch, not per message: this runs for every range.
      this.track(new Promise<void>((resolve) => setImmediate(() => {
        resolve(Promise.all(this.deferred.splice(0).map((f) => f().catch((err) => this.fatal(err)))).then(() => this.serveParked()));
      })));
    }
  }

  private track(p: Promise<void>): void {
    const t = p.catch((err) => this.fatal(err)).finally(() => this.tasks.delete(t));
    this.tasks.add(t);
  }

  private onReady(peer: PeerId): void {
    if (this.heldBack()) {
      this.counters.backpressured++;
      return this.park(peer);
    }
    const held = this.o.tracker.heldBy(peer);
    if (held >= this.o.maxRangesPerPeer) return this.overLimit(peer, held);
    const range = this.o.source.take();
    if (range) return this.dispatch(peer, range);
    this.track(this.o.source.next().then((r) => (r ? this.dispatch(peer, r) : this.sendStop(peer))));
  }

  /** The hot path: synchronous up to the send, nothing between the request and the reply. */
  private dispatch(peer: PeerId, range: EventRange): void {
    if (this.failure) return this.track(this.sendStop(peer));
    try {
      this.o.tracker.markSent(range.id, peer);
    } catch (err) {
      this.fatal(err);
      return this.track(this.sendStop(peer));
    }
    this.counters.rangesSent++;
    this.o.channel.send(peer, JSON.stringify([range.wire])).catch((err: unknown) => {
      this.counters.rangesSent--;
      this.track(this.undelivered(range, err));
    });
  }

  private async undelivered(range: EventRange, err: unknown): Promise<void> {
    const e = toPilotError(err, ErrorCodes.ESATHENAMPDIED);
    this.o.log.warn(`range ${range.id} could not be delivered: ${e.message}`);
    await this.decide(range.id, { status: 'failed', code: ErrorCodes.ESATHENAMPDIED, diag: `not delivered to the payload: ${e.message}` });
  }

  /** The ask waits (the request/reply protocol allows a late reply) until the peer reports. */
  private overLimit(peer: PeerId, held: number): void {
    const n = ++this.counters.overLimit;
    if (n <= 20 || n % 1000 === 0) this.o.log.info(`a payload peer holding ${held} range(s) (limit ${this.o.maxRangesPerPeer}) asked for more; answered when it reports (${n} so far)`);
    this.park(peer);
  }

  /** True while the backlog bound holds ranges back (never once the source has ended: those asks get `No more events`). */
  private heldBack(): boolean {
    return this.backlog !== undefined && this.o.source.end === undefined && !this.backlog.admit();
  }

  private park(peer: PeerId): void {
    const key = Buffer.from(peer).toString('hex');
    const p = this.parked.get(key);
    if (p) p.asks++;
    else this.parked.set(key, { peer, asks: 1 });
  }

  /** After reports were booked: answers the waiting asks of peers back under their limit. */
  private serveParked(): void {
    for (const [key, p] of this.parked) {
      if (this.heldBack()) return;
      // Slots counted once: a reply that waits for the server does not take its slot at once.
      for (let free = this.o.maxRangesPerPeer - this.o.tracker.heldBy(p.peer); free > 0 && p.asks > 0; free--) {
        p.asks--;
        this.onReady(p.peer);
      }
      if (p.asks === 0) this.parked.delete(key);
    }
  }

  private async sendStop(peer: PeerId): Promise<void> {
    if (this.counters.noMoreEvents++ === 0) this.o.onNoMoreEvents?.();
    try {
      await this.o.channel.send(peer, NO_MORE_EVENTS);
    } catch (err) {
      this.o.log.debug(`"${NO_MORE_EVENTS}" not delivered: ${(err as Error).message}`);
    }
  }

  private async onOutput(peer: PeerId, m: OutputMessage): Promise<void> {
    const verdict = await this.o.tracker.acceptOutput(m.rangeId, peer, m.paths, m.cpu, m.wall);
    if (verdict !== 'accepted') return this.dropped(verdict, m.rangeId, 'output report');
    let files;
    try {
      files = await this.o.namer.filesFor(m.rangeId, m.paths);
    } catch (err) {
      const e = toPilotError(err, ErrorCodes.MISSINGOUTPUTFILE);
      this.o.log.error(e.message);
      return this.decide(m.rangeId, { status: 'failed', code: e.code, diag: e.diagnostic });
    }
    if (this.backlog) {
      const sizes = await Promise.all(files.map((f) => stat(f.localPath).then((st) => st.size, () => 0)));
      this.backlog.add(m.rangeId, sizes.reduce((a, b) => a + b, 0));
    }
    this.stager.push({ rangeId: m.rangeId, files });
  }

  private async onError(peer: PeerId, m: ErrorMessage): Promise<void> {
    if (m.rangeId === undefined) {
      this.counters.dropped['no-id'] = (this.counters.dropped['no-id'] ?? 0) + 1;
      this.o.log.warn(`payload error without a range id: ${m.acronym}: ${m.diagnostics.slice(0, 200)}`);
      return;
    }
    const verdict = this.o.tracker.check(m.rangeId, peer);
    if (verdict !== 'accepted') return this.dropped(verdict, m.rangeId, m.acronym);
    const cls = this.o.classify(m.acronym, m.diagnostics);
    this.o.log.warn(`range ${m.rangeId}: ${m.acronym} ${m.diagnostics.slice(0, 200)} -> ${cls.status} ${cls.code}`);
    // A fatal range fails the job (es-job-outcome), and the server never retries it: handing
    // out more ranges would only burn them. Fatal reports are thus bounded by the ranges
    // already out, and only the peers holding them can send them (check above).
    if (cls.status === 'fatal') this.stopDispatching(`fatal payload error ${m.acronym} on range ${m.rangeId}`);
    await this.decide(m.rangeId, { status: cls.status, code: cls.code, diag: `${m.acronym}: ${m.diagnostics}`.slice(0, 250) });
  }

  private async stored(rangeId: string, objects: readonly StoredObject[]): Promise<void> {
    this.consecutiveStageOutFailures = 0;
    const fresh = await this.o.tracker.finishStored(rangeId, objects);
    this.uploaded(rangeId);
    if (fresh) this.report(rangeId, { status: 'finished' });
  }

  /** An upload ended: its bytes leave the backlog, and parked asks may be answered. */
  private uploaded(rangeId: string): void {
    if (!this.backlog) return;
    this.backlog.remove(rangeId);
    if (this.parked.size === 0) return;
    // The payload waits on us, not the other way round: the stuck-payload and looping clocks hold.
    if (this.backlog.full) this.lastMessageAt = this.lastOutputAt = Date.now();
    this.serveParked();
  }

  private async stageOutFailed(rangeId: string, err: PilotError): Promise<void> {
    this.o.log.error(`stage-out of range ${rangeId} failed: ${err.codeName} ${err.message}`);
    await this.decide(rangeId, { status: 'failed', code: ErrorCodes.STAGEOUTFAILED, diag: `${err.codeName} ${err.diagnostic}`.slice(0, 250) });
    this.uploaded(rangeId);
    if (++this.consecutiveStageOutFailures === this.o.maxConsecutiveStageOutFailures) {
      this.stopDispatching(`${this.consecutiveStageOutFailures} consecutive stage-out failures`);
    }
  }

  /** Fixes the outcome (journaled), then queues its report. A second outcome is dropped. */
  private async decide(id: string, outcome: RangeOutcome): Promise<void> {
    let fresh: boolean;
    try {
      fresh = await this.o.tracker.decide(id, outcome);
    } catch (err) {
      return this.fatal(err);
    }
    if (fresh) this.report(id, outcome);
  }

  private report(id: string, outcome: RangeOutcome): void {
    this.o.reporter.enqueue(rangeUpdateOf(id, outcome, this.o.tracker.get(id), this.o.storageIdOf));
  }

  private dropped(verdict: ReportVerdict, id: string, what: string): void {
    const key = verdict as Exclude<ReportVerdict, 'accepted'>;
    const n = (this.counters.dropped[key] = (this.counters.dropped[key] ?? 0) + 1);
    if (n <= 20 || n % 1000 === 0) this.o.log.warn(`dropped ${what} for range ${id}: ${verdict}${n > 20 ? ` (${n} so far)` : ''}`);
  }

  private fatal(err: unknown): void {
    if (this.failure) return;
    this.failure = toPilotError(err, ErrorCodes.FILEHANDLINGFAILURE);
    this.o.log.error(`event service bookkeeping failed, stopping the job: ${this.failure.message}`);
    this.stopDispatching('bookkeeping failure');
    this.o.onFatal?.(this.failure);
  }
}
