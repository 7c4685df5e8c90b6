/**
 * Parses what the payload (AthenaMP) sends over the event-range channel
 * (reference/pilot-anchors.md §3.2, yampl-interop.md §5). Pure and total: every input gives
 * one of the variants below; nothing here throws.
 */

/** The request for one event range. The pilot (like pilot3) checks containment. */
export const READY_FOR_EVENTS = 'Ready for events';
/** The stop reply; AthenaMP compares it byte for byte, so it is sent exactly like this. */
export const NO_MORE_EVENTS = 'No more events';

export interface ReadyMessage {
  readonly kind: 'ready';
}

/** `<path>[,<path>...],ID:<id>,CPU:<s>,WALL:<s>` or the old `<path>,<id>,CPU:<s>,WALL:<s>`. */
export interface OutputMessage {
  readonly kind: 'output';
  readonly rangeId: string;
  readonly paths: readonly string[];
  /** Seconds; undefined for `N/A` (AthenaMP MT mode) or when absent. */
  readonly cpu?: number;
  readonly wall?: number;
}

/** `ERR_<ACRONYM> <id>: <diagnostics>`; `rangeId` is undefined when none could be found. */
export interface ErrorMessage {
  readonly kind: 'error';
  readonly acronym: string;
  readonly rangeId?: string;
  readonly diagnostics: string;
}

/** Anything else: logged by the caller and dropped. */
export interface InvalidMessage {
  readonly kind: 'invalid';
  readonly reason: string;
}

export type PayloadReport = ReadyMessage | OutputMessage | ErrorMessage | InvalidMessage;

const READY: ReadyMessage = Object.freeze({ kind: 'ready' });
const RANGE_ID = /^[0-9A-Za-z._\-]+$/;
const ERR_GENERAL = /^(ERR_[A-Z0-9_]+) ([0-9A-Za-z._\-]+):\s?([\s\S]*)$/;
const ERR_PREFIX = /^(ERR_[A-Z0-9_]+)(?:\s+([\s\S]*))?$/;
/** The id inside a repr'd or JSON range (`'eventRangeID': u'1-2-3'` / `"eventRangeID":"1-2-3"`). */
const EMBEDDED_ID = /eventRangeID['"]?\s*:\s*u?['"]?([0-9A-Za-z._\-]+)/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Classifies one message from the payload. Never throws. */
export function parsePayloadMessage(text: string): PayloadReport {
  try {
    if (text.includes(READY_FOR_EVENTS)) return READY;
    const trimmed = text.trim();
    if (trimmed.startsWith('ERR_')) return parseError(trimmed);
    return parseOutput(trimmed);
  } catch (err) {
    return invalid(`unparsable message (${(err as Error).message})`);
  }
}

function parseError(text: string): PayloadReport {
  const prefix = ERR_PREFIX.exec(text);
  if (!prefix) return invalid('ERR_ message without an acronym of capitals and underscores');
  const acronym = prefix[1]!;
  const rest = prefix[2] ?? '';
  if (acronym === 'ERR_ATHENAMP_PARSE') {
    // `ERR_ATHENAMP_PARSE <whole range text>: <diag>`: the id must be dug out of the range text.
    const id = EMBEDDED_ID.exec(rest)?.[1];
    const cut = rest.lastIndexOf(': ');
    const diagnostics = (cut >= 0 ? rest.slice(cut + 2) : rest).trim();
    return freeze({ kind: 'error', acronym, ...(id ? { rangeId: id } : {}), diagnostics: diagnostics || 'no diagnostics' });
  }
  const m = ERR_GENERAL.exec(text);
  if (m) return freeze({ kind: 'error', acronym, rangeId: m[2]!, diagnostics: m[3]!.trim() || 'no diagnostics' });
  const id = EMBEDDED_ID.exec(rest)?.[1];
  return freeze({ kind: 'error', acronym, ...(id ? { rangeId: id } : {}), diagnostics: rest.trim() || 'no diagnostics' });
}

function parseOutput(text: string): PayloadReport {
  if (!text) return invalid('empty message');
  if (CONTROL.test(text)) return invalid('control characters in a text message');
  const parts = text.split(',').map((p) => p.trim());
  const idIndex = parts.findIndex((p) => /^ID:/i.test(p));
  let paths: string[];
  let rangeId: string;
  let fields: string[];
  if (idIndex >= 0) {
    paths = parts.slice(0, idIndex);
    rangeId = parts[idIndex]!.slice(3).trim();
    fields = parts.slice(idIndex + 1);
  } else {
    // pilot1 form: the last token before the name:value fields is the range id.
    const firstField = parts.findIndex((p) => /^(CPU|WALL):/i.test(p));
    const head = firstField >= 0 ? parts.slice(0, firstField) : parts;
    if (head.length < 2) return invalid('neither "Ready for events", an ERR_ message nor an output report');
    rangeId = head[head.length - 1]!;
    paths = head.slice(0, -1);
    fields = firstField >= 0 ? parts.slice(firstField) : [];
  }
  if (!RANGE_ID.test(rangeId)) return invalid(`output report with a bad range id ${JSON.stringify(rangeId.slice(0, 80))}`);
  if (paths.length === 0 || paths.some((p) => p.length === 0)) return invalid(`output report for ${rangeId} without a file path`);
  let cpu: number | undefined;
  let wall: number | undefined;
  for (const f of fields) {
    const colon = f.indexOf(':');
    if (colon <= 0) return invalid(`output report for ${rangeId} has a field "${f.slice(0, 40)}" that is not name:value`);
    const name = f.slice(0, colon).trim().toUpperCase();
    const value = seconds(f.slice(colon + 1));
    if (name === 'CPU') cpu = value;
    else if (name === 'WALL') wall = value;
  }
  return freeze({
    kind: 'output',
    rangeId,
    paths: Object.freeze(paths),
    ...(cpu !== undefined ? { cpu } : {}),
    ...(wall !== undefined ? { wall } : {}),
  });
}

/** `N/A` and anything that is not a finite non-negative number mean "unknown". */
function seconds(text: string): number | undefined {
  const v = text.trim();
  if (!v || v.toUpperCase() === 'N/A') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function invalid(reason: string): InvalidMessage {
  return Object.freeze({ kind: 'invalid', reason });
}

function freeze<T extends PayloadReport>(m: T): T {
  return Object.freeze(m);
}
