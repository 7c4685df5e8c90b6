import { Dealer } from 'zeromq';

/** A bare ZeroMQ DEALER as AthenaMP creates it: no routing id, single-frame messages, exact bytes. */
export interface RawDealer {
  send(bytes: string | Uint8Array): Promise<void>;
  /** The next message's exact bytes; rejects after `timeoutMs`. */
  receive(timeoutMs?: number): Promise<Buffer>;
  close(): void;
}

export function rawDealer(endpoint: string): RawDealer {
  const sock = new Dealer({ linger: 0 });
  sock.connect(endpoint);
  return {
    send: (bytes) => sock.send(bytes),
    async receive(timeoutMs = 5000) {
      sock.receiveTimeout = timeoutMs;
      const frames = await sock.receive();
      if (frames.length !== 1) throw new Error(`expected one frame, got ${frames.length}`);
      return frames[0]!;
    },
    close: () => sock.close(),
  };
}
