/**
 * The endpoint yampl uses for a channel (reference/yampl-interop.md §2, §8.1): the LOCAL
 * context is the socket file `zmq_<name>` in the root `/tmp` (hard-coded: no TMPDIR), the
 * DISTRIBUTED context is `tcp://host:port`.
 */
import { join, sep } from 'node:path';
import { ErrorCodes, PilotError, checkChannelName, type ChannelAddress } from '../../core/index.js';

/** `/tmp/zmq_<name>`: the socket file of a LOCAL channel. */
export function localSocketPath(name: string): string {
  return join(sep, 'tmp', `zmq_${checkChannelName(name)}`);
}

/**
 * The ZeroMQ endpoint to bind. Port 0 asks for a free port (`*`); the bound endpoint is
 * then read back from the socket.
 * @throws PilotError ESMESSAGESERVER (1240) for a bad name, host or port.
 */
export function bindEndpoint(address: ChannelAddress): string {
  if (address.kind === 'local') return `ipc://${localSocketPath(address.name)}`;
  if (address.kind === 'tcp') {
    const { host, port } = address;
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(host) || host.length === 0) throw bad(`tcp host ${JSON.stringify(host)} is not a host name or address`);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw bad(`tcp port ${String(port)} is not 0-65535`);
    return `tcp://${host}:${port === 0 ? '*' : port}`;
  }
  throw bad(`channel address kind ${JSON.stringify((address as { kind: unknown }).kind)} is not "local" or "tcp"`);
}

function bad(message: string): PilotError {
  return new PilotError(ErrorCodes.ESMESSAGESERVER, message, { recoverable: false });
}
