/**
 * The PanDA wire encodings: `application/x-www-form-urlencoded` bodies and replies (what
 * Python's `urlencode` writes) and the conversions between wire values and ours. Shared
 * by the client and the embedded dispatcher so both sides agree byte for byte.
 */

/** A value the form encoder accepts; undefined fields are left out. */
export type FormValue = string | number | boolean | null | undefined | readonly unknown[] | Readonly<Record<string, unknown>>;

/**
 * Encodes fields as a form body. Booleans become `True`/`False` and null `None` (as the
 * Python server writes them); lists and objects become JSON text, the way the server
 * embeds `eventRanges` in a form reply. Only characters a form parser would misread are
 * percent-encoded.
 */
export function encodeForm(fields: Readonly<Record<string, FormValue>>): string {
  const parts: string[] = [];
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined) continue;
    parts.push(`${encodeComponent(key)}=${encodeComponent(formText(value))}`);
  }
  return parts.join('&');
}

/** The text of one value as it appears in a form. */
export function formText(value: Exclude<FormValue, undefined>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null) return 'None';
  return JSON.stringify(value);
}

/** Decodes a form body; a repeated key keeps its last value (as `dict(parse_qsl(...))` does). */
export function decodeForm(text: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!text) return out;
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeComponent(eq < 0 ? part : part.slice(0, eq));
    out[key] = eq < 0 ? '' : decodeComponent(part.slice(eq + 1));
  }
  return out;
}

/** True when a wire value means "no value": empty, `NULL` or `None`. */
export function isNullText(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value !== 'string') return false;
  const v = value.trim();
  return v === '' || v === 'NULL' || v === 'None' || v === 'null';
}

/** PanDA's boolean flags: `True`/`true` (also a real boolean in JSON replies). */
export function isTrueText(value: unknown): boolean {
  return value === true || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

// Characters a form parser would misread: separators (& ; =), the escapes (% +), `#`, space,
// controls and anything beyond ASCII. Everything else travels as it is, which keeps JSON
// values (eventRanges) short: Python's parse_qsl, cgi and URLSearchParams all read it so.
const UNSAFE = /[^\x21\x22\x24\x27-\x2a\x2c-\x3a\x3c\x3e-\x7e]/u;
const UNSAFE_ALL = /[^\x21\x22\x24\x27-\x2a\x2c-\x3a\x3c\x3e-\x7e]/gu;

function encodeComponent(text: string): string {
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE_ALL, (c) => {
    if (c === ' ') return '+';
    try {
      return encodeURIComponent(c);
    } catch {
      return '%EF%BF%BD'; // a lone surrogate: send U+FFFD, as a UTF-8 encoder would
    }
  });
}

function decodeComponent(text: string): string {
  const plain = text.includes('+') ? text.replace(/\+/g, ' ') : text;
  if (!plain.includes('%')) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    // A stray `%` is kept as it is, like Python's unquote does.
    return plain.replace(/%([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
  }
}
