/**
 * The forms AthenaMP understands for the event-range channel name (reference pilot-anchors.md
 * §3.5, yampl-interop.md §4), chosen from the command:
 * - it refers to PILOT_EVENTRANGECHANNEL → `export PILOT_EVENTRANGECHANNEL="<ch>"; ` prefix;
 * - ComponentAccumulator + multithreaded (`--CA`, `--multithreaded`) → `--mtes --mtes-channel="<ch>"`
 *   inside `--athenaopts`;
 * - ComponentAccumulator → `--preExec 'ConfigFlags.MP.EventRangeChannel="<ch>"'`;
 * - legacy → `--preExec 'from AthenaMP.AthenaMPFlags import jobproperties as jps;jps.AthenaMPFlags.EventRangeChannel="<ch>"'`.
 * An existing `--preExec` / `--athenaopts` is extended rather than a second one added.
 */
import { ErrorCodes, PilotError, shellExport } from '../../core/index.js';
import { CHANNEL_VARIABLE } from '../experiment-generic/index.js';
import { findOption, flagIsSet, insertIntoOption } from './shell-option.js';

const JPS_IMPORT = 'from AthenaMP.AthenaMPFlags import jobproperties as jps';
/** Channel names that can sit inside a Python string inside shell quotes without escaping. */
const PLAIN_CHANNEL = /^[A-Za-z0-9_.:/@+-]+$/;

export type ChannelForm = 'env' | 'mtes' | 'ca-preexec' | 'legacy-preexec';

export function channelFormFor(command: string): ChannelForm {
  if (command.includes(CHANNEL_VARIABLE)) return 'env';
  if (flagIsSet(command, 'CA')) return flagIsSet(command, 'multithreaded') ? 'mtes' : 'ca-preexec';
  return 'legacy-preexec';
}

/** @throws PilotError ESMESSAGESERVER (1240) for a channel name that cannot be put in a preExec. */
export function injectAthenaChannel(command: string, channel: string): string {
  const form = channelFormFor(command);
  if (form === 'env') return `${shellExport(CHANNEL_VARIABLE, channel)}${command}`;
  if (!PLAIN_CHANNEL.test(channel)) {
    throw new PilotError(ErrorCodes.ESMESSAGESERVER, `channel name ${JSON.stringify(channel)} cannot be passed through ${form === 'mtes' ? '--athenaopts' : '--preExec'} (allowed: ${PLAIN_CHANNEL})`, { recoverable: false });
  }
  if (form === 'mtes') return withAthenaopts(command, `--mtes --mtes-channel="${channel}"`);
  if (form === 'ca-preexec') return withPreExec(command, `ConfigFlags.MP.EventRangeChannel="${channel}"`);
  return withPreExec(command, `${JPS_IMPORT};jps.AthenaMPFlags.EventRangeChannel="${channel}"`, `jps.AthenaMPFlags.EventRangeChannel="${channel}"`);
}

function withAthenaopts(command: string, opts: string): string {
  const v = findOption(command, 'athenaopts');
  if (!v) return `${command} --athenaopts='${opts}'`;
  return insertIntoOption(command, v, 0, v.text.trim() ? `${opts} ` : opts);
}

/**
 * Splices `statement` into the first `--preExec` value: after an existing jobproperties import
 * (then only `afterImport` is needed), else at the front, after a substep prefix (`EVNTtoHITS:`).
 */
function withPreExec(command: string, statement: string, afterImport?: string): string {
  const v = findOption(command, 'preExec');
  if (!v) return `${command} --preExec '${statement}'`;
  const importAt = afterImport ? v.text.indexOf(`${JPS_IMPORT};`) : -1;
  if (importAt >= 0) return insertIntoOption(command, v, importAt + JPS_IMPORT.length + 1, `${afterImport};`);
  const prefix = /^[A-Za-z0-9_]+:/.exec(v.text)?.[0].length ?? 0;
  const rest = v.text.slice(prefix).trim();
  return insertIntoOption(command, v, prefix, rest ? `${statement};` : statement);
}
