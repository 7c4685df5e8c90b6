/**
 * Keys of a document that its parser never read: typos (`expermient`, `maxSocket`) that
 * would otherwise be ignored in silence. Works from what a FieldRecorder saw, so a parser
 * needs no list of its keys besides the reads it already does; see FieldUse for how a
 * parser accepts free-form values (`raw`) and maps of names (`keys()`).
 */
import { describeValue, type ConfigIssue } from '../errors/config-error.js';
import { closestName } from './closest-name.js';
import { isPlainObject } from './field-reader.js';
import type { FieldRecorder } from './field-recorder.js';

/** JSON has no comments; a `"//"` key is one, at any level (as in package.json). */
export const COMMENT_KEY = '//';

/** Lists of known keys longer than this are left out of the message. */
const MAX_LISTED = 12;

/**
 * An issue for every key of `doc` under an object the parser opened but did not read,
 * with the closest known key. `root` is the path the parser's FieldReader started at.
 * Objects no reader opened (the parser did not use FieldReader there) are not judged, nor
 * `"//"` comment keys.
 */
export function unreadKeyIssues(doc: unknown, root: string, recorder: FieldRecorder): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const walk = (value: unknown, path: string): void => {
    const uses = recorder.usesOf(path);
    if (!isPlainObject(value) || uses.has('whole') || !(uses.has('object') || uses.has('map'))) return;
    for (const [key, child] of Object.entries(value)) {
      if (key === COMMENT_KEY) continue;
      const at = path ? `${path}.${key}` : key;
      if (!uses.has('map') && recorder.usesOf(at).size === 0) issues.push(unknownKey(at, key, child, recorder.keysUnder(path)));
      else walk(child, at);
    }
  };
  walk(doc, root);
  return issues;
}

function unknownKey(path: string, key: string, value: unknown, known: readonly string[]): ConfigIssue {
  const guess = closestName(key, known);
  const hint = guess ? ` (did you mean "${guess}"?)` : known.length && known.length <= MAX_LISTED ? ` (known keys: ${[...known].sort().join(', ')})` : '';
  return { path, expected: 'a known key', got: describeValue(value), message: `unknown key${hint}` };
}
