/**
 * Where every range of a job is: fetched → sent → output received → stored → final outcome
 * → reported. Each transition is checked and applied in memory at once (so a duplicate
 * arriving a microsecond later is refused), then journaled; callers act only after the
 * returned promise resolves, i.e. once the record is durable.
 *
 * Rules: a range is sent once; only the peer it was sent to may report on it (a peer that
 * never got a range is `unknown-peer`, another worker `wrong-peer`: a confused or foreign
 * client on the channel cannot finish or fail a range a worker holds); a report for a
 * range that is unknown, never sent, already reported or already final is dropped; a
 * range gets exactly one final outcome, and `finished` only after its outputs are stored.
 *
 * Two transitions are journaled without waiting for the disk, because a restarted pilot
 * acts the same with or without them: `sent` (a range with no output record is left to the
 * server whether it was sent or not) and `reported` (repeating an acknowledged final report
 * is a no-op on the server). Waiting would put a disk sync between every `Ready for events`
 * and its reply. They are still written in order, before any later durable record.
 *
 * A range whose report the server answered is done: it leaves the map for a tally, its id
 * and output paths are kept in compact sets (a repeat from the server is still refused, the
 * log still leaves the data out), so memory per done range is a few bytes. The journal's checkpoints
 * hold the tally and the ranges not done.
 */
import type { EventRange } from '../contracts/event-range.js';
import type { PeerId } from '../contracts/payload-channel.js';
import type { Logger } from '../logging/logger.js';
import { CompactStringSet } from './compact-string-set.js';
import { applyJournalRecord, emptyTally, eventsIn, type DoneBook, type JournalRecord, type RangeOutcome, type RangeState, type StoredObject } from './journal-records.js';
import type { JournalSnapshot } from './journal-reader.js';
import type { RangeJournal } from './range-journal.js';

export type ReportVerdict = 'accepted' | 'duplicate' | 'unknown-range' | 'not-sent' | 'unknown-peer' | 'wrong-peer' | 'final';

export interface TrackerSummary {
  readonly fetched: number;
  readonly sent: number;
  readonly finished: number;
  readonly failed: number;
  readonly fatal: number;
  /** Events in ranges finished whose report the server did not refuse. */
  readonly nEvents: number;
  /** Ranges whose final report the server refused (`Returns` false): not counted finished or failed. */
  readonly refused: number;
  /** Events in those ranges. */
  readonly nEventsRefused: number;
  /** Events in ranges failed or fatal. */
  readonly nEventsFailed: number;
  /** Ranges whose outputs the payload produced but the pilot could not store. */
  readonly lostOutputs: number;
  /** Ranges with an outcome the server has not acknowledged yet. */
  readonly unreported: number;
  /** Outputs received or stored with no outcome yet (uploads cut short). */
  readonly pendingOutputs: number;
  /** Sent, nothing came back, no outcome. */
  readonly inFlight: number;
  readonly undispatched: number;
  /** The first `fatal` outcome's code (the job fails with it). */
  readonly fatalCode?: number;
  /** Sum of the CPU seconds the payload reported. */
  readonly cpuSeconds: number;
}

export class RangeTracker {
  private readonly states = new Map<string, RangeState>();
  private readonly knownPeers = new Set<string>();
  /** Per peer, the ranges it holds: sent, no report and no outcome yet. */
  private readonly held = new Map<string, Set<string>>();
  private heldTotal = 0;
  private awaiting = 0;
  private readonly done: Required<DoneBook> = { tally: emptyTally(), ids: new CompactStringSet(), outputPaths: new CompactStringSet() };

  constructor(private readonly journal: RangeJournal, private readonly log: Logger) {
    journal.checkpointFrom({
      tally: this.done.tally,
      unfinished: () => this.states.values(),
      onError: (err) => this.log.warn(`range journal checkpoint not written (replay reads the whole journal): ${err.message}`),
    });
  }

  /** A tracker that continues a journaled job (recovery); peers are not carried over. */
  static fromSnapshot(snapshot: JournalSnapshot, journal: RangeJournal, log: Logger): RangeTracker {
    const t = new RangeTracker(journal, log);
    Object.assign(t.done.tally, snapshot.tally);
    for (const [id, s] of snapshot.ranges) {
      t.states.set(id, { ...s });
      if (s.phase === 'output' && !s.outcome) t.awaiting++;
    }
    return t;
  }

  get(id: string): Readonly<RangeState> | undefined {
    return this.states.get(id);
  }

  /** Records newly fetched ranges; a range id seen before is dropped. @returns the new ones. */
  async addFetched(ranges: readonly EventRange[]): Promise<EventRange[]> {
    const fresh = ranges.filter((r) => {
      if (!this.states.has(r.id) && !this.done.ids.has(r.id)) return true;
      this.log.warn(`the server sent range ${r.id} again; ignoring the repeat`);
      return false;
    });
    if (fresh.length) await this.record({ t: 'fetched', ts: Date.now(), ranges: fresh });
    return fresh;
  }

  /** @throws Error when the range is not waiting to be sent (a programming error). */
  markSent(id: string, peer: PeerId): void {
    const s = this.states.get(id);
    if (s?.phase !== 'fetched') throw new Error(`range ${id} cannot be sent from phase ${s?.phase ?? 'unknown'}`);
    const key = peerKey(peer);
    this.recordLazily({ t: 'sent', ts: Date.now(), id, peer: key });
    this.knownPeers.add(key);
    let ids = this.held.get(key);
    if (!ids) this.held.set(key, (ids = new Set()));
    ids.add(id);
    this.heldTotal++;
  }

  /** How many ranges all peers hold without an answer. */
  get holding(): number {
    return this.heldTotal;
  }

  /** Outputs received and not yet stored or decided (awaiting stage-out). */
  get awaitingUpload(): number {
    return this.awaiting;
  }

  /** How many ranges `peer` holds without an answer. */
  heldBy(peer: PeerId): number {
    return this.held.get(peerKey(peer))?.size ?? 0;
  }

  /** Checks who may report on a range without changing anything. */
  check(id: string | undefined, peer: PeerId | undefined): ReportVerdict {
    const key = peer ? peerKey(peer) : undefined;
    if (key !== undefined && !this.knownPeers.has(key)) return 'unknown-peer';
    const s = id === undefined ? undefined : this.states.get(id);
    if (!s) return id !== undefined && this.done.ids.has(id) ? 'final' : 'unknown-range';
    if (s.phase === 'fetched') return 'not-sent';
    if (s.outcome) return 'final';
    if (s.phase !== 'sent') return 'duplicate';
    if (key !== undefined && s.peer !== undefined && s.peer !== key) return 'wrong-peer';
    return 'accepted';
  }

  /** Takes an output report for a sent range. Anything but `accepted` changes nothing. */
  async acceptOutput(id: string, peer: PeerId | undefined, paths: readonly string[], cpu?: number, wall?: number): Promise<ReportVerdict> {
    const verdict = this.check(id, peer);
    if (verdict !== 'accepted') return verdict;
    const record = this.record({ t: 'output', ts: Date.now(), id, paths, ...(cpu !== undefined ? { cpu } : {}), ...(wall !== undefined ? { wall } : {}) });
    this.release(id);
    this.awaiting++;
    await record;
    return 'accepted';
  }

  /**
   * Stored and finished in one disk write (an upload's only path: the two records never part).
   * @returns false when the range is not waiting for its upload (it was decided meanwhile).
   */
  async finishStored(id: string, objects: readonly StoredObject[]): Promise<boolean> {
    const s = this.states.get(id);
    if (s?.phase !== 'output' || s.outcome) return false;
    const ts = Date.now();
    const recs: JournalRecord[] = [{ t: 'stored', ts, id, objects }, { t: 'final', ts, id, outcome: { status: 'finished' } }];
    this.awaiting--;
    for (const r of recs) applyJournalRecord(this.states, r, this.done);
    await this.journal.appendAll(recs);
    return true;
  }

  /**
   * Fixes a range's one final outcome.
   * @returns false when it already has one (the new one is dropped and logged).
   * @throws Error for `finished` on a range whose outputs are not stored (a programming error).
   */
  async decide(id: string, outcome: RangeOutcome): Promise<boolean> {
    const s = this.states.get(id);
    if (!s) return false;
    if (s.outcome) {
      if (s.outcome.status !== outcome.status) this.log.warn(`range ${id} is already ${s.outcome.status}; not changing it to ${outcome.status}`);
      return false;
    }
    if (outcome.status === 'finished' && s.phase !== 'stored') throw new Error(`range ${id} cannot be finished before its outputs are stored (phase ${s.phase})`);
    if (s.phase === 'output') this.awaiting--;
    const record = this.record({ t: 'final', ts: Date.now(), id, outcome });
    this.release(id);
    await record;
    return true;
  }

  /** Journals a stage-out backpressure episode starting or ending (for the report's timeline). */
  markBacklog(full: boolean, ranges: number, bytes: number): void {
    this.recordLazily({ t: 'backlog', ts: Date.now(), full, ranges, bytes });
  }

  /** Records the server's answer to final reports. */
  markReported(acked: readonly string[], rejected: readonly string[]): void {
    if (acked.length || rejected.length) this.recordLazily({ t: 'reported', ts: Date.now(), acked, rejected });
  }

  /** Every output file the payload reported, for any range (data files the log leaves out). */
  outputPaths(): string[] {
    return [...this.done.outputPaths, ...[...this.states.values()].flatMap((s) => s.outputs?.paths ?? [])];
  }

  /** Ranges sent to the payload with nothing back yet. */
  inFlight(): string[] {
    return this.select((s) => s.phase === 'sent' && !s.outcome);
  }

  /** Ranges with an outcome the server has not acknowledged (for a final flush or recovery). */
  unreported(): Readonly<RangeState>[] {
    return [...this.states.values()].filter((s) => s.outcome && !s.report);
  }

  /** Ranges the tracker holds in full (not done); memory follows this. */
  get unfinished(): number {
    return this.states.size;
  }

  summary(): TrackerSummary {
    const d = this.done.tally;
    let sent = d.ranges, finished = d.finished, failed = d.failed, fatal = d.fatal, nEvents = d.nEvents, nEventsFailed = d.nEventsFailed, lostOutputs = d.lostOutputs, cpuSeconds = d.cpuSeconds;
    let unreported = 0, pendingOutputs = 0, inFlight = 0, undispatched = 0;
    let refused = d.refused, nEventsRefused = d.nEventsRefused;
    let fatalCode: number | undefined = d.fatalCode;
    for (const s of this.states.values()) {
      if (s.phase !== 'fetched') sent++;
      else undispatched++;
      cpuSeconds += s.outputs?.cpu ?? 0;
      const o = s.outcome;
      if (!o) {
        if (s.phase === 'sent') inFlight++;
        else if (s.phase === 'output' || s.phase === 'stored') pendingOutputs++;
        continue;
      }
      if (!s.report) unreported++;
      if (s.report === 'rejected') {
        // The server keeps its own state for the range; the job must not claim it.
        refused++;
        nEventsRefused += eventsIn(s.range);
        continue;
      }
      if (o.status === 'finished') {
        finished++;
        nEvents += eventsIn(s.range);
        continue;
      }
      if (o.status === 'fatal') {
        fatal++;
        fatalCode ??= o.code;
      } else failed++;
      nEventsFailed += eventsIn(s.range);
      if (s.outputs) lostOutputs++;
    }
    return { fetched: d.ranges + this.states.size, sent, finished, failed, fatal, nEvents, nEventsFailed, refused, nEventsRefused, lostOutputs, unreported, pendingOutputs, inFlight, undispatched, ...(fatalCode !== undefined ? { fatalCode } : {}), cpuSeconds };
  }

  /** The range is no longer in its peer's hands (reported on or decided). */
  private release(id: string): void {
    const peer = this.states.get(id)?.peer;
    if (peer !== undefined && this.held.get(peer)?.delete(id)) this.heldTotal--;
  }

  private select(pred: (s: RangeState) => boolean): string[] {
    const out: string[] = [];
    for (const [id, s] of this.states) if (pred(s)) out.push(id);
    return out;
  }

  /** Applies in memory now (so concurrent checks see it), then waits for durability. */
  private record(rec: JournalRecord): Promise<void> {
    applyJournalRecord(this.states, rec, this.done);
    return this.journal.append(rec);
  }

  /**
   * Applies in memory and queues the record without waiting.
   * @throws PilotError FILEHANDLINGFAILURE when the journal has already failed.
   */
  private recordLazily(rec: JournalRecord): void {
    if (this.journal.failed) throw this.journal.failure!;
    applyJournalRecord(this.states, rec, this.done);
    this.journal.appendLazily(rec);
  }
}

function peerKey(peer: PeerId): string {
  return Buffer.from(peer.buffer, peer.byteOffset, peer.byteLength).toString('hex');
}
