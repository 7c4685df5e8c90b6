/**
 * One PayloadChannel over the M channels of the payload instances, so the ES engine serves
 * all of them as one payload: messages from every instance in arrival order, replies routed
 * back to the instance they came from. Peer ids are prefixed with the instance number (two
 * bytes), so peers of different instances never collide in the range tracker; every range
 * sent is remembered per instance, to fail exactly a dead instance's ranges.
 */
import {
  ErrorCodes, PilotError, type ChannelAddress, type PayloadChannel, type PayloadMessage, type PeerId,
} from '../../core/index.js';

export class InstanceChannels implements PayloadChannel {
  private readonly sentTo: Set<string>[];
  private readonly lastMessage: number[];
  private readonly heard: boolean[];

  constructor(private readonly channels: readonly PayloadChannel[]) {
    if (channels.length < 1 || channels.length > 0xffff) throw new Error(`InstanceChannels needs 1-65535 channels, got ${channels.length}`);
    this.sentTo = channels.map(() => new Set());
    this.lastMessage = channels.map(() => Date.now());
    this.heard = channels.map(() => false);
  }

  /** The channels are opened one by one by their owner; this composite cannot be opened. */
  open(_address: ChannelAddress): Promise<string> {
    return Promise.reject(new PilotError(ErrorCodes.ESMESSAGESERVER, 'open the instance channels individually', { recoverable: false }));
  }

  async *messages(): AsyncIterable<PayloadMessage> {
    const queue: PayloadMessage[] = [];
    let wake: (() => void) | undefined;
    let open = this.channels.length;
    const pumps = this.channels.map(async (ch, i) => {
      try {
        for await (const m of ch.messages()) {
          this.lastMessage[i] = Date.now();
          this.heard[i] = true;
          queue.push({ peer: tag(i, m.peer), text: m.text });
          wake?.();
        }
      } finally {
        open--;
        wake?.();
      }
    });
    while (open > 0 || queue.length > 0) {
      if (queue.length === 0) {
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
        continue;
      }
      yield queue.shift()!;
    }
    await Promise.all(pumps);
  }

  /** @throws PilotError ESATHENAMPDIED (1227) when the instance's peer is gone. */
  async send(peer: PeerId, text: string): Promise<void> {
    const { instance, inner } = untag(peer);
    const ch = this.channels[instance];
    if (!ch) throw new PilotError(ErrorCodes.ESATHENAMPDIED, `no payload instance ${instance}`, { recoverable: false });
    const id = rangeIdOf(text);
    if (id !== undefined) this.sentTo[instance]!.add(id);
    await ch.send(inner, text);
  }

  async close(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.close()));
  }

  /** Range ids ever sent to one instance. */
  rangesSentTo(instance: number): ReadonlySet<string> {
    return this.sentTo[instance] ?? new Set();
  }

  /** Whether an instance ever said anything (one that never connected holds no range). */
  hasSpoken(instance: number): boolean {
    return this.heard[instance] ?? false;
  }

  /** When an instance last said anything (ms since epoch). */
  lastMessageFrom(instance: number): number {
    return this.lastMessage[instance] ?? 0;
  }
}

function tag(instance: number, peer: PeerId): PeerId {
  const out = new Uint8Array(peer.byteLength + 2);
  out[0] = instance >> 8;
  out[1] = instance & 0xff;
  out.set(peer, 2);
  return out;
}

function untag(peer: PeerId): { instance: number; inner: PeerId } {
  return { instance: (peer[0]! << 8) | peer[1]!, inner: peer.subarray(2) };
}

/** The id of the one range in a reply (`[{"eventRangeID": ...}]`); undefined for `No more events`. */
function rangeIdOf(text: string): string | undefined {
  if (!text.startsWith('[')) return undefined;
  try {
    const id = (JSON.parse(text) as Array<Record<string, unknown>>)[0]?.['eventRangeID'];
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}
