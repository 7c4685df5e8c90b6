/**
 * Faults the dispatcher can be told to produce on its next requests, so tests of the
 * pilot's reliability meet the failures a real server and network produce, at the exact
 * call they care about. Faults act on the transport; the state changes only for `drop-reply`
 * (the server applies the call and the reply is lost), which is what makes a retried
 * update arrive twice.
 */

/**
 * - `http-503`: an HTML error page with status 503 (state untouched);
 * - `status-10`: a reply with StatusCode 10, the server's "try again" (state untouched);
 * - `reset`: the connection is reset before anything is applied;
 * - `stall`: no answer at all, until the client gives up or the dispatcher stops;
 * - `drop-reply`: the call is applied and journalled, then the connection is reset;
 * - `slow`: the call waits `delayMs` (default 30 s), then is applied and answered as usual;
 *   a client that gave up meanwhile retries a call the server applied.
 *
 * Malformed replies (the call is applied as usual, its reply then broken; with getKeyPair
 * they carry the keys, the shapes that once leaked them):
 * - `no-status`: every field of the reply but its StatusCode;
 * - `status-word`: the StatusCode replaced by a word;
 * - `http-500-echo`: status 500 with the reply as a JSON body.
 */
export type FaultKind = 'http-503' | 'status-10' | 'reset' | 'stall' | 'drop-reply' | 'slow' | MalformedReplyKind;

/** The faults that break a reply the dispatcher did compute. */
export type MalformedReplyKind = 'no-status' | 'status-word' | 'http-500-echo';
export const MALFORMED_REPLY_KINDS: readonly MalformedReplyKind[] = ['no-status', 'status-word', 'http-500-echo'];

export interface Fault {
  /** A dispatcher command (`getEventRanges`, `updateEventRanges`, ...) or `*` for any. */
  readonly command: string;
  readonly kind: FaultKind;
  /** How many matching requests get the fault (default 1). */
  readonly times?: number;
  /** `slow` only: how long each request waits before it is handled (ms). */
  readonly delayMs?: number;
}

/** One record per fault produced, for assertions. */
export interface FaultRecord {
  readonly time: string;
  readonly command: string;
  readonly kind: FaultKind;
}

export class FaultInjector {
  private readonly pending: { command: string; kind: FaultKind; left: number; delayMs?: number }[] = [];
  readonly produced: FaultRecord[] = [];

  /** Queues a fault; faults for a command are produced in the order they were added. */
  add(fault: Fault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault times must be an integer ≥ 1, got ${String(fault.times)}`);
    if (fault.delayMs !== undefined && (!Number.isFinite(fault.delayMs) || fault.delayMs < 0)) throw new RangeError(`fault delayMs must be a number ≥ 0, got ${String(fault.delayMs)}`);
    this.pending.push({ command: fault.command, kind: fault.kind, left: times, ...(fault.delayMs !== undefined ? { delayMs: fault.delayMs } : {}) });
  }

  /** Drops every queued fault. */
  clear(): void {
    this.pending.length = 0;
  }

  /** The fault for this request, if one is queued (and counts it). */
  take(command: string, now: number): FaultKind | undefined {
    return this.takeFault(command, now)?.kind;
  }

  /** Like `take`, with the fault's parameters. */
  takeFault(command: string, now: number): { readonly kind: FaultKind; readonly delayMs?: number } | undefined {
    if (this.pending.length === 0) return undefined;
    const i = this.pending.findIndex((f) => f.command === command || f.command === '*');
    if (i < 0) return undefined;
    const f = this.pending[i]!;
    if (--f.left === 0) this.pending.splice(i, 1);
    this.produced.push({ time: new Date(now).toISOString(), command, kind: f.kind });
    return { kind: f.kind, ...(f.delayMs !== undefined ? { delayMs: f.delayMs } : {}) };
  }
}
