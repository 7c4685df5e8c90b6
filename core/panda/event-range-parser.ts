/**
 * getEventRanges' `eventRanges` → frozen EventRange objects (reference/pilot-anchors.md
 * §2.1). The wire keys are kept as sent, because the payload receives each range exactly
 * as the server described it.
 */
import type { EventRange } from '../contracts/event-range.js';
import { ConfigError, describeValue, type ConfigIssue } from '../errors/config-error.js';
import { ErrorCodes } from '../errors/error-codes.js';
import { isPlainObject } from '../config/field-reader.js';
import { checkServerName, safeCount } from './server-names.js';

/**
 * @param value the parsed `eventRanges` value (a list).
 * @param where the name used in messages, e.g. `getEventRanges.eventRanges`.
 * Names are held to server-names.ts (an LFN is one file name, the ID is the server's
 * five-number form), event numbers to safe integers.
 * @throws ConfigError CONVERSIONFAILURE (1302) naming the index and field of every bad
 *   entry, e.g. `getEventRanges.eventRanges[3].LFN: expected a non-empty string, got nothing`.
 */
export function parseEventRanges(value: unknown, where = 'eventRanges'): EventRange[] {
  if (!Array.isArray(value)) {
    throw new ConfigError([{ path: where, expected: 'a list of event ranges', got: describeValue(value) }], ErrorCodes.CONVERSIONFAILURE, 'bad event ranges');
  }
  const issues: ConfigIssue[] = [];
  const ranges: EventRange[] = [];
  const seen = new Set<string>();
  value.forEach((entry, i) => {
    const at = `${where}[${i}]`;
    if (!isPlainObject(entry)) {
      issues.push({ path: at, expected: 'an object', got: describeValue(entry) });
      return;
    }
    const before = issues.length;
    const id = checkServerName('eventRangeId', text(entry, 'eventRangeID', at, issues), `${at}.eventRangeID`, issues);
    const start = eventNumber(entry, 'startEvent', at, issues);
    const last = eventNumber(entry, 'lastEvent', at, issues);
    const lfn = checkServerName('lfn', text(entry, 'LFN', at, issues), `${at}.LFN`, issues);
    const guid = checkServerName('guid', text(entry, 'GUID', at, issues), `${at}.GUID`, issues);
    const scope = checkServerName('scope', optionalText(entry['scope']), `${at}.scope`, issues);
    const pfn = optionalText(entry['PFN']);
    if (pfn !== undefined && (pfn.length > 4096 || pfn.includes('\0'))) issues.push({ path: `${at}.PFN`, expected: 'a path of at most 4096 characters without NUL', got: describeValue(pfn) });
    if (start !== undefined && last !== undefined && last < start) {
      issues.push({ path: `${at}.lastEvent`, expected: `a number ≥ startEvent (${start})`, got: describeValue(entry['lastEvent']) });
    }
    if (id && seen.has(id)) issues.push({ path: `${at}.eventRangeID`, expected: 'an ID not repeated in the reply', got: describeValue(id) });
    if (issues.length > before) return;
    seen.add(id!);
    const wire: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(entry)) wire[k] = typeof v === 'string' || typeof v === 'number' ? v : JSON.stringify(v);
    ranges.push(Object.freeze({
      id: id!, startEvent: start!, lastEvent: last!, lfn: lfn!, guid: guid!,
      ...(scope ? { scope } : {}), ...(pfn ? { pfn } : {}),
      wire: Object.freeze(wire),
    }));
  });
  if (issues.length) throw new ConfigError(issues, ErrorCodes.CONVERSIONFAILURE, 'bad event ranges');
  return ranges;
}

function text(entry: Record<string, unknown>, key: string, at: string, issues: ConfigIssue[]): string | undefined {
  const v = entry[key];
  if (typeof v === 'string' && v.trim()) return v;
  if (typeof v === 'number') return String(v);
  issues.push({ path: `${at}.${key}`, expected: 'a non-empty string', got: describeValue(v) });
  return undefined;
}

function eventNumber(entry: Record<string, unknown>, key: string, at: string, issues: ConfigIssue[]): number | undefined {
  const v = entry[key];
  const n = safeCount(v);
  if (n !== undefined) return n;
  issues.push({ path: `${at}.${key}`, expected: 'an integer from 0 to 2^53 − 1', got: describeValue(v) });
  return undefined;
}

function optionalText(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() && v !== 'NULL' ? v : undefined;
}
