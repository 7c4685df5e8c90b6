/**
 * Credentials in dispatcher replies. A reply may carry keys (getKeyPair), a proxy or
 * secrets (getJob) or a token whatever its shape: with or without a StatusCode, JSON or
 * form, cut short, inside an HTML error page or a 500 body. So the raw body is searched
 * for them and every value found is registered BEFORE the body is parsed or judged; and
 * any text built from a body goes through `replyExcerpt`, which masks key fields by name
 * as well as every registered secret, and is bounded.
 */
import type { SecretRegistry } from '../logging/secret-registry.js';

/** Reply fields that carry credentials; never shown, whatever the log level. */
export const SECRET_REPLY_FIELDS: ReadonlySet<string> = new Set([
  'userProxy', 'privateKey', 'publicKey', 'pandaProxySecretKey', 'secrets', 'pilotSecrets', 'token', 'access_token',
  'refresh_token', 'id_token',
]);

const MASK = '********';
const MIN_SECRET = 8;
const FIELD_ALT = [...SECRET_REPLY_FIELDS].join('|');
// `<field>` then up to a few quote/colon/equals/space characters, then the value: a quoted
// string (to its closing quote or the end of a truncated body) or a bare token.
const FIELD_VALUE = new RegExp(
  `(["']?\\b(?:${FIELD_ALT})\\b["']?\\s{0,3}[:=]\\s{0,3})(?:"((?:[^"\\\\]|\\\\.)*)(?:"|$)|'((?:[^'\\\\]|\\\\.)*)(?:'|$)|([^\\s&,;}<"']+))`,
  'g',
);
const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;

/**
 * Registers every credential `text` may carry: values of SECRET_REPLY_FIELDS in any of the
 * encodings a reply can use (JSON-escaped, form-encoded, bare), at any depth, and every PEM
 * block. Call it on the raw body before anything else looks at it.
 */
export function registerBodySecrets(text: string, secrets: SecretRegistry): void {
  if (!text) return;
  for (const m of text.matchAll(FIELD_VALUE)) {
    const value = m[2] ?? m[3] ?? m[4];
    if (value) registerValue(value, secrets);
  }
  for (const m of text.matchAll(PEM_BLOCK)) registerValue(m[0], secrets);
  const body = text.trim();
  if (body.startsWith('{') || body.startsWith('[')) {
    try {
      registerParsedSecrets(JSON.parse(body), secrets);
    } catch { /* not JSON: the patterns above did the work */ }
  }
}

/** Registers the values of secret fields found anywhere in a parsed reply (objects, lists, JSON text). */
export function registerParsedSecrets(value: unknown, secrets: SecretRegistry, depth = 0): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_REPLY_FIELDS.has(key)) registerAll(inner, secrets, depth);
    else if (typeof inner === 'string' && /^\s*[[{]/.test(inner)) {
      try {
        registerParsedSecrets(JSON.parse(inner), secrets, depth + 1);
      } catch { /* plain text */ }
    } else registerParsedSecrets(inner, secrets, depth + 1);
  }
}

/** Every string below a secret field is a secret (`secrets` is a map of name → value). */
function registerAll(value: unknown, secrets: SecretRegistry, depth: number): void {
  if (typeof value === 'string') {
    registerValue(value, secrets);
    if (/^\s*[[{]/.test(value)) {
      try {
        registerAll(JSON.parse(value), secrets, depth + 1);
      } catch { /* plain text */ }
    }
  } else if (value && typeof value === 'object' && depth <= 8) {
    for (const inner of Object.values(value)) registerAll(inner, secrets, depth + 1);
  }
}

/** A value, trimmed, in the forms it may be written again: JSON-unescaped, form-decoded, PEM body. */
function registerValue(raw: string, secrets: SecretRegistry): void {
  // `NULL`, `None`, short words: placeholders, not credentials (they would mask every log line).
  if (raw.trim().length < MIN_SECRET || /^\s*(null|none|true|false)\s*$/i.test(raw)) return;
  const forms = new Set<string>([raw, raw.trim()]);
  try {
    forms.add(JSON.parse(`"${raw}"`) as string);
  } catch { /* not JSON-escaped */ }
  try {
    forms.add(decodeURIComponent(raw.replace(/\+/g, ' ')));
  } catch { /* not form-encoded */ }
  for (const f of [...forms]) {
    forms.add(f.trim());
    if (f.includes('-----BEGIN')) {
      const inner = f.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '');
      forms.add(inner.replace(/\s+/g, ''));
      for (const line of inner.split(/\s+/)) if (line.length >= 16) forms.add(line);
    }
  }
  for (const f of forms) if (f.length >= MIN_SECRET) secrets.register(f);
}

/** `text` with the values of secret fields replaced by `********` (no registry needed). */
export function maskKeyFields(text: string): string {
  return text.replace(FIELD_VALUE, (_m, head: string) => `${head}${MASK}`).replace(PEM_BLOCK, MASK);
}

/**
 * A bounded, escaped, masked view of (part of) a reply for an error message: secret fields
 * and registered secrets masked first, then cut to `max` characters, then JSON-quoted (so
 * control characters show as escapes).
 */
export function replyExcerpt(text: string, secrets: SecretRegistry | undefined, max = 80): string {
  const masked = (secrets ? secrets.mask(maskKeyFields(text)) : maskKeyFields(text)).replace(/\s+/g, ' ').trim();
  return JSON.stringify(masked.length > max ? `${masked.slice(0, max - 3)}...` : masked);
}
