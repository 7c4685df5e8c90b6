/**
 * Payload `ERR_<ACRONYM> <rangeId>: <diagnostics>` → range status and pilot error code
 * (reference pilot-anchors.md §3.4, pilot1 HEAD listener).
 *
 * Status: an acronym containing FATAL says retrying cannot help (bad Token Extractor URL,
 * unknown GUID, ...), so the range is `fatal` (the server never retries it). Any other error
 * (ERR_ATHENAMP_PROCESS, ERR_ATHENAMP_PARSE, ERR_TE_RANGE) is `failed` with 1220, so the server
 * can hand the range out again while attempts remain: pilot3 reports these as `failed`;
 * pilot1 HEAD marked them `fatal` too, which throws away ranges a second attempt would
 * process.
 */
import { ErrorCodes, type PayloadErrorClass } from '../../core/index.js';

const TE_DIAGNOSTICS: ReadonlyArray<readonly [RegExp, number]> = [
  [/URL Error/i, ErrorCodes.TEBADURL],
  [/resolve host name/i, ErrorCodes.TEHOSTNAME],
  [/Invalid GUID length/i, ErrorCodes.TEINVALIDGUID],
  [/No tokens for GUID/i, ErrorCodes.TEWRONGGUID],
];

/** Classifies an acronym given with or without its `ERR_` prefix. */
export function classifyPayloadError(acronym: string, diagnostics: string): PayloadErrorClass {
  const name = acronym.trim().toUpperCase().replace(/^(ERR_)?/, 'ERR_');
  if (name === 'ERR_TE_FATAL') {
    const specific = TE_DIAGNOSTICS.find(([re]) => re.test(diagnostics));
    return Object.freeze({ code: specific ? specific[1] : ErrorCodes.TEFATAL, status: 'fatal' });
  }
  if (name.includes('FATAL')) return Object.freeze({ code: ErrorCodes.ESFATAL, status: 'fatal' });
  return Object.freeze({ code: ErrorCodes.UNKNOWN, status: 'failed' });
}
