/**
 * Journal records as lines on disk. A fetched range is written once, as the server sent it
 * (`wire`, version 2); its parsed fields are rebuilt by the event-range parser when the line
 * is read, so what a reader believes passed the same checks as what the live pilot got.
 * Version 1 lines (`ranges`, the fields and the wire side by side) are still read.
 */
import type { EventRange } from '../contracts/event-range.js';
import { ConfigError } from '../errors/config-error.js';
import { parseEventRanges } from '../panda/event-range-parser.js';
import type { JournalRecord, RangeState } from './journal-records.js';

/** One record as its journal line (newline included). */
export function encodeJournalRecord(rec: JournalRecord): string {
  if (rec.t !== 'fetched') return `${JSON.stringify(rec)}\n`;
  return `${JSON.stringify({ t: 'fetched', ts: rec.ts, wire: rec.ranges.map((r) => r.wire) })}\n`;
}

/** A checkpoint's line for one unfinished range: its state, the range once (as `wire`). */
export function encodeRangeState(s: Readonly<RangeState>): string {
  const { range, ...rest } = s;
  return `${JSON.stringify({ t: 'range', wire: range.wire, ...rest })}\n`;
}

/**
 * Rebuilds ranges from the server's descriptions.
 * @throws ConfigError naming the index and field of every bad entry (as getEventRanges would).
 */
export function rangesFromWire(wire: unknown, field: string): EventRange[] {
  return parseEventRanges(wire, field);
}

/** The first issue of a parser error, for a journal field message. */
export function firstIssue(err: unknown): { path: string; problem: string } | undefined {
  if (!(err instanceof ConfigError)) return undefined;
  const i = err.issues[0];
  return i ? { path: i.path, problem: `expected ${i.expected}, got ${i.got}` } : undefined;
}

/**
 * The ranges of a `fetched` record as a lenient reader (a report) finds it on disk: version 2
 * (`wire`) or 1 (`ranges`). Entries the parser refuses are left out.
 */
export function fetchedRanges(rec: JournalRecord): readonly EventRange[] {
  if (rec.t !== 'fetched') return [];
  const wire = (rec as { wire?: unknown }).wire;
  if (wire === undefined) return rec.ranges ?? [];
  if (!Array.isArray(wire)) return [];
  return wire.flatMap((w, i) => {
    try {
      return rangesFromWire([w], `wire[${i}]`);
    } catch {
      return [];
    }
  });
}
