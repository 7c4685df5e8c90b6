/**
 * The yampl channel name of a job. pilot3's default is `EventService_EventRanges_<pid>`;
 * a random suffix makes it unique per job (two jobs of one pilot, two pilots after a pid
 * wrap) and hard to guess for other local users (reference §6.3 defect 6, §7 IPC).
 */
import { randomBytes } from 'node:crypto';
import { ErrorCodes } from '../errors/error-codes.js';
import { PilotError } from '../errors/pilot-error.js';

export const CHANNEL_PREFIX = 'EventService_EventRanges';
/** `/tmp/zmq_<name>` must fit a Unix socket path (108 bytes with the NUL). */
export const MAX_CHANNEL_NAME_BYTES = 98;
const NAME = /^[A-Za-z0-9_.-]+$/;

/** `EventService_EventRanges_<pid>_<8 hex>`: 42 bytes or so. */
export function newChannelName(pid: number = process.pid): string {
  return `${CHANNEL_PREFIX}_${pid}_${randomBytes(4).toString('hex')}`;
}

/**
 * @throws PilotError ESMESSAGESERVER (1240) when the name is empty, too long for a socket
 *   path, or has characters other than letters, digits, `_`, `.` and `-`.
 */
export function checkChannelName(name: string): string {
  if (!NAME.test(name) || Buffer.byteLength(name) > MAX_CHANNEL_NAME_BYTES) {
    throw new PilotError(
      ErrorCodes.ESMESSAGESERVER,
      `channel name ${JSON.stringify(name.slice(0, 120))} must be 1-${MAX_CHANNEL_NAME_BYTES} characters of A-Z a-z 0-9 _ . -`,
      { recoverable: false },
    );
  }
  return name;
}
