import { contractToken } from './token.js';
/** The payload's routing id: opaque bytes (a 5-byte libzmq id, 1 byte for python clients). */
export type PeerId = Uint8Array;

export interface PayloadMessage {
  readonly peer: PeerId;
  /** UTF-8 text with trailing NULs removed. */
  readonly text: string;
}

/** Where the channel listens: yampl's LOCAL context (ipc socket named after the channel) or TCP. */
export type ChannelAddress =
  | { readonly kind: 'local'; readonly name: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number };

/**
 * The pilot's end of the payload conversation (yampl ServerSocket semantics).
 */
export interface PayloadChannel {
  /**
   * Binds the channel. Must complete before the payload starts.
   * @returns the endpoint (`ipc:///tmp/zmq_<name>` or `tcp://host:port`).
   * @throws PilotError ESMESSAGESERVER (1240) when the endpoint cannot be bound.
   */
  open(address: ChannelAddress): Promise<string>;

  /**
   * Messages in arrival order until `close()`. Garbage, oversized and malformed frames are
   * logged and dropped here, never delivered and never thrown.
   */
  messages(): AsyncIterable<PayloadMessage>;

  /**
   * Sends exact bytes (no NUL, no newline) to one peer.
   * @throws PilotError ESATHENAMPDIED (1227) when the peer is gone (EHOSTUNREACH).
   */
  send(peer: PeerId, text: string): Promise<void>;

  /** Unbinds and ends `messages()`. Idempotent. */
  close(): Promise<void>;
}

export const PayloadChannel: unique symbol = contractToken('PayloadChannel') as never;
