import { describeValue, type ConfigIssue } from '../errors/config-error.js';
import type { ObjectstorePaths } from '../contracts/queue-data.js';

export type { ObjectstorePaths } from '../contracts/queue-data.js';


const EXPECTED = '"<url>|eventservice^<path>|logs^<path>" or "eventservice^<url>|logs^<url>"';

/**
 * Parses both forms (reference §4.4): single-store `<base url>|<type>^<path>|...` (URL + path)
 * and multi-store `<type>^<url>|...`. Returns undefined and records an issue when malformed.
 */
export function parseObjectstoreString(text: string, path: string, issues: ConfigIssue[]): ObjectstorePaths | undefined {
  const fields = text.split('|').map((f) => f.trim()).filter(Boolean);
  const bad = (why: string) => {
    issues.push({ path, expected: `${EXPECTED} (${why})`, got: describeValue(text) });
    return undefined;
  };
  if (fields.length === 0) return bad('empty');
  const byType: Record<string, string> = {};
  let base = '';
  let entries = fields;
  if (!fields[0]!.includes('^')) {
    base = fields[0]!;
    if (!hasScheme(base)) return bad(`base URL "${base}" has no scheme`);
    entries = fields.slice(1);
    if (entries.length === 0) return bad('no <type>^<path> entry after the base URL');
  }
  for (const entry of entries) {
    const caret = entry.indexOf('^');
    if (caret <= 0) return bad(`entry "${entry}" is not <type>^<location>`);
    const type = entry.slice(0, caret).trim();
    const location = entry.slice(caret + 1).trim();
    if (!location) return bad(`entry "${type}" has an empty location`);
    const url = base ? base + location : location;
    if (!hasScheme(url)) return bad(`entry "${type}" gives "${url}", which is not a URL`);
    byType[type] = url;
  }
  return Object.freeze({
    ...(byType['eventservice'] ? { eventservice: byType['eventservice'] } : {}),
    ...(byType['logs'] ? { logs: byType['logs'] } : {}),
    byType: Object.freeze(byType),
  });
}

function hasScheme(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/./i.test(url);
}
