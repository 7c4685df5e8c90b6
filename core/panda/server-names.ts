/**
 * What the pilot accepts as a name or number from the PanDA server. Every name the server
 * sends ends up as a file name, a path component, an object key or a catalog entry, so it
 * is held to the rules of the systems that made it, checked once at the edge:
 *
 * - LFN: a Rucio DID name under the ATLAS policy (rucio lib/rucio/common/schema atlas.py,
 *   NAME): `^[A-Za-z0-9][A-Za-z0-9._-]*$`, at most 250 characters. So no `/`, no `..` as a
 *   component, no NUL, no leading `-` or `.`: an LFN is one file name.
 * - scope: Rucio SCOPE `^[a-zA-Z_\-.0-9]+$`, at most 25 characters; the pilot also refuses
 *   `.`/`..`-like scopes (leading `.` or `..` inside), since a scope may become a directory.
 * - dataset: an optional `<scope>:` then a Rucio name (the generic schema, which allows `/`
 *   for containers), at most 250 characters, no `..` component.
 * - GUID: Rucio's UUID pattern (optional braces and dashes, 32 hex digits).
 * - eventRangeID: `<jediTaskID>-<PandaID>-<fileID>-<job_processID>-<attemptNr>`, all
 *   decimal (panda-server task_event_module makeEventRangeID; the server splits it on `-`
 *   and refuses anything else as "wrongly formatted").
 * - PandaID, jobsetID, taskID: positive decimal integers no larger than 2^53 − 1.
 */
import { describeValue, type ConfigIssue } from '../errors/config-error.js';

export type ServerNameKind = 'lfn' | 'scope' | 'dataset' | 'guid' | 'eventRangeId' | 'id';

interface Rule {
  readonly expected: string;
  readonly test: (v: string) => boolean;
}

const LFN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const SCOPE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;
const DATASET_NAME = /^[/A-Za-z0-9][/A-Za-z0-9._-]*$/;
const GUID = /^\{?[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\}?$/;
const RANGE_ID = /^\d{1,20}-\d{1,20}-\d{1,20}-\d{1,20}-\d{1,20}$/;

const scopeOk = (v: string): boolean => v.length <= 25 && SCOPE.test(v) && !v.includes('..');

const RULES: Readonly<Record<ServerNameKind, Rule>> = {
  lfn: {
    expected: 'a file name (Rucio DID name: letters, digits, ".", "_", "-", starting with a letter or digit, at most 250 characters)',
    test: (v) => v.length <= 250 && LFN.test(v),
  },
  scope: {
    expected: 'a Rucio scope (letters, digits, ".", "_", "-", at most 25 characters, no leading "." or "..")',
    test: scopeOk,
  },
  dataset: {
    expected: 'a Rucio dataset name ([<scope>:]<name> of letters, digits, ".", "_", "-", "/", at most 250 characters, no ".." component)',
    test: (v) => {
      const colon = v.indexOf(':');
      const name = colon >= 0 ? v.slice(colon + 1) : v;
      if (colon >= 0 && !scopeOk(v.slice(0, colon))) return false;
      return name.length <= 250 && DATASET_NAME.test(name) && !name.split('/').includes('..');
    },
  },
  guid: {
    expected: 'a GUID (32 hex digits as 8-4-4-4-12)',
    test: (v) => GUID.test(v),
  },
  eventRangeId: {
    expected: 'an event range ID <jediTaskID>-<PandaID>-<fileID>-<job_processID>-<attemptNr> (decimal numbers)',
    test: (v) => RANGE_ID.test(v),
  },
  id: {
    expected: 'a positive decimal integer ≤ 2^53 − 1',
    test: (v) => /^\d{1,16}$/.test(v) && Number(v) >= 1 && Number.isSafeInteger(Number(v)),
  },
};

/** True when `value` is an acceptable name of that kind. */
export function isServerName(kind: ServerNameKind, value: string): boolean {
  return RULES[kind].test(value);
}

/**
 * Records an issue at `path` when `value` breaks the rule of `kind`; the found value is
 * shown truncated and JSON-escaped (control characters included).
 * @returns `value` when acceptable, else undefined.
 */
export function checkServerName(kind: ServerNameKind, value: string | undefined, path: string, issues: ConfigIssue[]): string | undefined {
  if (value === undefined) return undefined;
  if (RULES[kind].test(value)) return value;
  issues.push({ path, expected: RULES[kind].expected, got: describeValue(value) });
  return undefined;
}

/**
 * An integer count or event number sent by the server: a number or a decimal string, in
 * [min, 2^53 − 1]. `1e300` is an integer to JavaScript; it is not a safe one.
 */
export function safeCount(v: unknown, min = 0): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{1,16}\s*$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= min ? n : undefined;
}
